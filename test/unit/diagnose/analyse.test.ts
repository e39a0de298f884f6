import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { Code, Severity, Verdict } from '../../../plugin/diagnose/findings.js';
import { loadFixture } from './fixtures.js';

interface Case {
  name: string;
  fixture: string;
  verdict: Verdict;
  /** The codes of the findings, in order (root cause first). */
  codes: Code[];
  summary?: RegExp;
  details?: Record<string, unknown>;
  /** Text the explanation of the first finding must contain. */
  explains?: RegExp;
  suggests?: RegExp;
}

const cases: Case[] = [
  {
    name: 'names a missing tag once for all three pods, with the registry\'s words',
    fixture: 'image-not-found', verdict: Verdict.Problems, codes: [Code.ImagePullFailed],
    summary: /^3\/3 new pods: ImagePullBackOff \(manifest unknown\)$/,
    details: { pullFailure: 'not-found', image: 'docker.io/acme/web:v2', container: 'app' },
    suggests: /kubectl rollout undo deployment\/web -n shop/,
  },
  {
    name: 'tells a private registry (401) apart from a missing image',
    fixture: 'image-unauthorized', verdict: Verdict.Problems, codes: [Code.ImagePullFailed],
    details: { pullFailure: 'unauthorized' }, explains: /imagePullSecrets/,
  },
  {
    name: 'reports a registry that does not answer as a timeout',
    fixture: 'image-timeout', verdict: Verdict.Problems, codes: [Code.ImagePullFailed],
    summary: /ErrImagePull \(i\/o timeout\)/, details: { pullFailure: 'timeout' },
  },
  {
    name: 'reports an unparsable image reference as an invalid name',
    fixture: 'image-invalid-name', verdict: Verdict.Problems, codes: [Code.ImagePullFailed],
    summary: /InvalidImageName/, details: { pullFailure: 'invalid-name', image: 'ghcr.io/acme/Web:v2' },
  },
  {
    name: 'gives a crash loop\'s last termination reason and exit code',
    fixture: 'crashloop', verdict: Verdict.Problems, codes: [Code.CrashLoop],
    summary: /CrashLoopBackOff \(last exit: Error, exit code 1\)/,
    details: { lastTerminationReason: 'Error', exitCode: 1, restarts: 6 },
    suggests: /kubectl logs -n shop -l paas\.io\/deploy-id=5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10 --all-containers --previous/,
  },
  {
    name: 'calls an OOM kill by its name and quotes the memory limit',
    fixture: 'oomkilled', verdict: Verdict.Problems, codes: [Code.OOMKilled],
    summary: /memory limit 256Mi/, details: { exitCode: 137, memoryLimit: '256Mi' },
  },
  {
    name: 'names the missing ConfigMap',
    fixture: 'config-error-configmap', verdict: Verdict.Problems, codes: [Code.ConfigError],
    summary: /ConfigMap "missing-config" not found/, details: { missing: 'configmap', name: 'missing-config' },
    suggests: /kubectl get configmap missing-config -n shop/,
  },
  {
    name: 'names the missing key and its Secret',
    fixture: 'config-error-secret-key', verdict: Verdict.Problems, codes: [Code.ConfigError],
    details: { missing: 'secret-key', name: 'web-secrets', key: 'DATABASE_URL' },
  },
  {
    name: 'shows the failing readiness probe with its path, port and thresholds',
    fixture: 'readiness-503', verdict: Verdict.Problems, codes: [Code.ReadinessProbeFailing],
    summary: /readiness probe failing \(HTTP 503\)/,
    details: { statusCode: 503, redirect: false, probeSpec: { type: 'httpGet', scheme: 'HTTP', path: '/', port: 8080, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 } },
    explains: /GET \/ on port 8080, every 10s, timeout 1s, 3 failures/,
  },
  {
    name: 'hints at X-Forwarded-Proto when the app redirects the probe to HTTPS',
    fixture: 'readiness-https-redirect', verdict: Verdict.Problems, codes: [Code.ReadinessProbeFailing],
    details: { failure: 'redirect', redirect: true }, explains: /X-Forwarded-Proto: https/,
  },
  {
    name: 'blames the liveness probe, not the app, when the kubelet kills the container',
    fixture: 'liveness-killing', verdict: Verdict.Problems, codes: [Code.LivenessProbeKilling],
    details: { probe: 'liveness', restarts: 3 }, explains: /GET \/healthz on port 8080/,
  },
  {
    name: 'parses the scheduler\'s message and sees that 8 CPU fit on no 4-CPU node',
    fixture: 'unschedulable-cpu', verdict: Verdict.Problems, codes: [Code.Unschedulable],
    summary: /0\/3 nodes are available \(3 Insufficient cpu\)/,
    details: {
      nodesAvailable: 0, nodesTotal: 3,
      reasons: [{ count: 3, reason: 'Insufficient cpu', kind: 'insufficient-cpu' }],
      exceedsEveryNode: [{ resource: 'cpu', requested: '8', largestAllocatable: '4' }],
    },
    explains: /requests cpu 8, more than the largest node allocates \(4\): it can never fit/,
  },
  {
    name: 'separates taints from node affinity in one scheduler message',
    fixture: 'unschedulable-taint-affinity', verdict: Verdict.Problems, codes: [Code.Unschedulable],
    details: {
      reasons: [
        { count: 1, reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }', kind: 'taint' },
        { count: 2, reason: "node(s) didn't match Pod's node affinity/selector", kind: 'affinity' },
      ],
    },
    explains: /taints the pod does not tolerate.*affinity/s,
  },
  {
    name: 'reads resource, requested, used and limited from a quota refusal',
    fixture: 'quota-exceeded', verdict: Verdict.Problems, codes: [Code.QuotaExceeded],
    details: { quota: 'compute', requested: { 'requests.cpu': '500m' }, used: { 'requests.cpu': '1500m' }, limited: { 'requests.cpu': '2' }, quotaStatus: { hard: { 'requests.cpu': '2' }, used: { 'requests.cpu': '1500m' } } },
    suggests: /kubectl describe resourcequota compute -n shop/,
  },
  {
    name: 'names the webhook that denied the pods',
    fixture: 'admission-webhook', verdict: Verdict.Problems, codes: [Code.AdmissionDenied],
    details: { by: 'webhook', name: 'images.policy.acme.io', reason: 'image registry "docker.io" is not on the allow list' },
  },
  {
    name: 'names the Pod Security level that denied the pods',
    fixture: 'admission-pod-security', verdict: Verdict.Problems, codes: [Code.AdmissionDenied],
    details: { by: 'pod-security', name: 'restricted:latest' }, suggests: /kubectl get namespace shop --show-labels/,
  },
  {
    name: 'names the ValidatingAdmissionPolicy and its binding',
    fixture: 'admission-vap', verdict: Verdict.Problems, codes: [Code.AdmissionDenied],
    details: { by: 'validating-admission-policy', name: 'no-latest-tag', binding: 'no-latest-tag-binding', reason: 'images must not use the :latest tag' },
  },
  {
    name: 'explains Multi-Attach of a ReadWriteOnce volume as a surge problem',
    fixture: 'volume-multi-attach', verdict: Verdict.Problems, codes: [Code.VolumeProblem],
    details: { failure: 'multi-attach', usedBy: ['web-6b7c9d8f5-4hx2n'] }, explains: /ReadWriteMany|Recreate/,
  },
  {
    name: 'reports a failing init container with its exit code',
    fixture: 'init-container-failing', verdict: Verdict.Problems, codes: [Code.InitContainerFailing],
    summary: /init container migrate: Error, exit code 2/, details: { container: 'migrate', exitCode: 2 },
  },
  {
    name: 'reports a sandbox failure with the CNI plugin',
    fixture: 'sandbox-failed', verdict: Verdict.Problems, codes: [Code.SandboxFailed], details: { cniPlugin: 'calico', node: 'kwok-node-1' },
  },
  {
    name: 'falls back to the progress deadline when the events have expired',
    fixture: 'progress-deadline-exceeded', verdict: Verdict.Problems, codes: [Code.ProgressDeadlineExceeded], details: { progressDeadlineSeconds: 600 },
  },
  {
    name: 'says a paused rollout is paused and how to resume it',
    fixture: 'paused', verdict: Verdict.Problems, codes: [Code.Paused], suggests: /kubectl rollout resume deployment\/web -n shop/,
  },
  {
    name: 'says nothing is wrong while minReadySeconds runs',
    fixture: 'min-ready-seconds', verdict: Verdict.Progressing, codes: [Code.WaitingMinReadySeconds, Code.Progressing],
  },
  {
    name: 'reports an old pod held by a finalizer past its grace period',
    fixture: 'old-pods-not-terminating', verdict: Verdict.Problems, codes: [Code.OldPodsNotTerminating],
    details: { finalizers: ['acme.io/drain-connections'], pods: ['web-6b7c9d8f5-4hx2n'] },
  },
  {
    name: 'notes a rollout replaced before it finished, and the newest still progressing',
    fixture: 'superseded', verdict: Verdict.Progressing, codes: [Code.Superseded, Code.Progressing],
    details: { replicaSets: ['web-7d4f8b9c6'], newReplicaSet: 'web-59c8d7b6f4' },
  },
  {
    name: 'calls a finished rollout healthy despite an old start-up probe event',
    fixture: 'healthy', verdict: Verdict.Healthy, codes: [Code.Healthy],
  },
  {
    name: 'estimates the time left from the pace so far',
    fixture: 'progressing', verdict: Verdict.Progressing, codes: [Code.Progressing],
    summary: /about 2m left/, details: { estimatedSecondsLeft: 120 },
  },
  // Mixed: two causes compete.
  {
    name: 'puts the image pull before the progress deadline it caused',
    fixture: 'mixed-pull-and-deadline', verdict: Verdict.Problems, codes: [Code.ImagePullFailed, Code.ProgressDeadlineExceeded],
    details: { pullFailure: 'not-found' },
  },
  {
    name: 'puts a failing readiness probe before the pause',
    fixture: 'mixed-paused-and-readiness', verdict: Verdict.Problems, codes: [Code.ReadinessProbeFailing, Code.Paused],
  },
  {
    name: 'ignores a quota refusal that has since resolved and reports the crash loop',
    fixture: 'mixed-stale-quota-and-crashloop', verdict: Verdict.Problems, codes: [Code.CrashLoop], details: { exitCode: 3 },
  },
  {
    name: 'reports the unschedulable surge pod first, then the old pod that holds capacity',
    fixture: 'mixed-unschedulable-and-stuck-old', verdict: Verdict.Problems, codes: [Code.Unschedulable, Code.OldPodsNotTerminating],
    explains: /maxSurge 1 the rollout needs room for one more pod/,
  },
];

describe('diagnose', () => {
  it.each(cases)('$name', (c) => {
    const { snapshot, now } = loadFixture(c.fixture);
    const d = diagnose(snapshot, now);
    expect(d.findings.map((f) => f.code)).toEqual(c.codes);
    expect(d.verdict).toBe(c.verdict);
    const first = d.findings[0]!;
    if (c.summary) expect(first.summary).toMatch(c.summary);
    if (c.details) expect(first.details).toMatchObject(c.details);
    if (c.explains) expect(first.explanation).toMatch(c.explains);
    if (c.suggests) expect(first.suggestions.join('\n')).toMatch(c.suggests);
    for (const f of d.findings) {
      expect(f.summary.length).toBeGreaterThan(0);
      if (f.severity !== Severity.Info) expect(f.suggestions.length).toBeGreaterThan(0);
    }
  });

  it('deduplicates events across pods: one evidence line per cause, counts summed, pods listed', () => {
    const { snapshot, now } = loadFixture('image-not-found');
    const f = diagnose(snapshot, now).findings[0]!;
    expect(f.pods).toEqual(['web-7d4f8b9c6-9qv7d', 'web-7d4f8b9c6-mb5tz', 'web-7d4f8b9c6-x2k4p']);
    const failed = f.evidence.find((e) => e.reason === 'Failed' && e.message.startsWith('Failed to pull image'))!;
    expect(failed.objects).toHaveLength(3);
    expect(failed.count).toBe(15);
    expect(failed.firstSeen).toBe('2026-11-23T06:00:03Z');
    expect(failed.lastSeen).toBe('2026-11-23T06:07:11Z');
    expect(f.evidence.filter((e) => e.reason === 'BackOff')).toHaveLength(1);
  });

  it('reads events.k8s.io-style scheduler events (series count, eventTime) into the evidence', () => {
    const { snapshot, now } = loadFixture('unschedulable-cpu');
    const f = diagnose(snapshot, now).findings[0]!;
    expect(f.evidence[0]).toMatchObject({ reason: 'FailedScheduling', count: 7, firstSeen: '2026-11-23T06:00:01.000000Z', lastSeen: '2026-11-23T06:09:01.000000Z' });
  });

  it('keeps every event of the rollout in the timeline, oldest first', () => {
    const { snapshot, now } = loadFixture('image-not-found');
    const d = diagnose(snapshot, now);
    expect(d.timeline).toHaveLength(snapshot.events.length);
    const times = d.timeline.map((t) => Date.parse(t.firstSeen!));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('is a pure function of its input: same snapshot and instant, same diagnosis', () => {
    const { snapshot, now } = loadFixture('mixed-unschedulable-and-stuck-old');
    const before = JSON.stringify(snapshot);
    expect(diagnose(snapshot, now)).toEqual(diagnose(snapshot, now));
    expect(JSON.stringify(snapshot)).toBe(before);
  });

  it('stops calling an old pod stuck while it is within its grace period', () => {
    const { snapshot } = loadFixture('old-pods-not-terminating');
    // deletionTimestamp 06:04:30 already includes the grace period; 10 s later it is not stuck yet.
    const d = diagnose(snapshot, new Date('2026-11-23T06:04:40Z'));
    expect(d.findings.map((f) => f.code)).not.toContain(Code.OldPodsNotTerminating);
  });

  it('reports other FailedCreate refusals (a missing ServiceAccount) as PodCreateFailed, with the message', () => {
    const { snapshot, now } = loadFixture('quota-exceeded');
    const msg = 'Error creating: pods "web-7d4f8b9c6-8xk2q" is forbidden: error looking up service account shop/web: serviceaccount "web" not found';
    const events = snapshot.events.map((e) => (e.reason === 'FailedCreate' ? { ...e, message: msg } : e));
    const replicaSets = snapshot.replicaSets.map((rs) => ({ ...rs, status: { ...rs.status, conditions: [] } }));
    const deployment = { ...snapshot.deployment, status: { ...snapshot.deployment.status, conditions: [] } };
    const d = diagnose({ ...snapshot, events, replicaSets, deployment }, now);
    expect(d.findings.map((f) => f.code)).toEqual([Code.PodCreateFailed]);
    expect(d.findings[0]!.summary).toContain('serviceaccount "web" not found');
    expect(d.findings[0]!.evidence[0]).toMatchObject({ reason: 'FailedCreate', count: 18 });
  });

  it('calls a paused Deployment with nothing left to roll healthy, and says it is paused', () => {
    const { snapshot, now } = loadFixture('healthy');
    const d = diagnose({ ...snapshot, deployment: { ...snapshot.deployment, spec: { ...snapshot.deployment.spec, paused: true } } }, now);
    expect(d.verdict).toBe(Verdict.Healthy);
    expect(d.findings.map((f) => [f.code, f.severity])).toEqual([[Code.Paused, Severity.Info], [Code.Healthy, Severity.Info]]);
  });

  it('reports a Deployment whose controller has not yet observed the new generation as progressing', () => {
    const { snapshot, now } = loadFixture('healthy');
    const dep = { ...snapshot.deployment, metadata: { ...snapshot.deployment.metadata, generation: 3 } };
    const d = diagnose({ ...snapshot, deployment: dep }, now);
    expect(d.verdict).toBe(Verdict.Progressing);
    expect(d.findings[0]!.summary).toMatch(/waiting for the controller to observe generation 3/);
  });
});
