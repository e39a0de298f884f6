import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { Code, Severity, Verdict } from '../../../plugin/diagnose/findings.js';
import type { Pod, Snapshot } from '../../../plugin/diagnose/model.js';
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
  /** Expectations that name what a capture drew at random (pod names, how many nodes the cluster
   * has), read off the capture's own objects, never off the diagnosis. */
  of?: (s: Snapshot) => Pick<Case, 'summary' | 'details' | 'explains' | 'suggests'>;
}

/** The name of the one pod of a capture on `node`. */
const podOn = (s: Snapshot, node: string): string => s.pods.find((p) => p.spec?.nodeName === node)!.metadata.name;

const cases: Case[] = [
  {
    name: "names a missing tag once for all three pods, with the registry's words",
    fixture: 'image-not-found',
    verdict: Verdict.Problems,
    codes: [Code.ImagePullFailed],
    summary: /^3\/3 new pods: ImagePullBackOff \(manifest unknown\)$/,
    details: { pullFailure: 'not-found', image: 'docker.io/acme/web:v2', container: 'app' },
    // A first rollout: no earlier revision, so no `kubectl rollout undo` (kubectl would refuse it).
    suggests: /^kubectl describe pod web-[\w-]+ -n shop$/,
  },
  {
    name: 'tells a private registry (401) apart from a missing image',
    fixture: 'image-unauthorized',
    verdict: Verdict.Problems,
    codes: [Code.ImagePullFailed],
    details: { pullFailure: 'unauthorized' },
    explains: /imagePullSecrets/,
  },
  {
    name: 'reports a registry that does not answer as a timeout',
    fixture: 'image-timeout',
    verdict: Verdict.Problems,
    codes: [Code.ImagePullFailed],
    summary: /ErrImagePull \(i\/o timeout\)/,
    details: { pullFailure: 'timeout' },
  },
  {
    name: 'reports an unparsable image reference as an invalid name',
    fixture: 'image-invalid-name',
    verdict: Verdict.Problems,
    codes: [Code.ImagePullFailed],
    summary: /InvalidImageName/,
    details: { pullFailure: 'invalid-name', image: 'ghcr.io/acme/Web:v2' },
  },
  {
    name: "gives a crash loop's last termination reason and exit code",
    fixture: 'crashloop',
    verdict: Verdict.Problems,
    codes: [Code.CrashLoop],
    summary: /CrashLoopBackOff \(last exit: Error, exit code 1\)/,
    details: { lastTerminationReason: 'Error', exitCode: 1, restarts: 6 },
    suggests: /kubectl paas logs web -n shop --deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10 --previous --tail=100/,
  },
  {
    name: 'calls an OOM kill by its name and quotes the memory limit',
    fixture: 'oomkilled',
    verdict: Verdict.Problems,
    codes: [Code.OOMKilled],
    summary: /memory limit 256Mi/,
    details: { exitCode: 137, memoryLimit: '256Mi' },
  },
  {
    name: 'names the missing ConfigMap',
    fixture: 'config-error-configmap',
    verdict: Verdict.Problems,
    codes: [Code.ConfigError],
    summary: /ConfigMap "missing-config" not found/,
    details: { missing: 'configmap', name: 'missing-config' },
    suggests: /kubectl get configmap missing-config -n shop/,
  },
  {
    name: 'names the missing key and its Secret',
    fixture: 'config-error-secret-key',
    verdict: Verdict.Problems,
    codes: [Code.ConfigError],
    details: { missing: 'secret-key', name: 'web-secrets', key: 'DATABASE_URL' },
  },
  {
    name: "names a container the runtime cannot start, with the runtime's words, its command and image (derived from a real node)",
    fixture: 'start-failed',
    verdict: Verdict.Problems,
    codes: [Code.StartFailed],
    summary: /^1\/1 new pods: RunContainerError \(exec: "\/nope": stat \/nope: no such file or directory\)$/,
    details: {
      container: 'app',
      image: 'ghcr.io/acme/web:v2',
      command: ['/nope'],
      startFailure: 'executable-not-found',
      executable: '/nope',
      exitCode: 128,
      reason: 'RunContainerError',
    },
    explains: /The executable \/nope is not in the image ghcr\.io\/acme\/web:v2.*never ran, so it has no logs/,
  },
  {
    name: 'shows the failing readiness probe with its path, port and thresholds',
    fixture: 'readiness-503',
    verdict: Verdict.Problems,
    codes: [Code.ReadinessProbeFailing],
    summary: /readiness probe failing \(HTTP 503\)/,
    details: {
      statusCode: 503,
      redirect: false,
      probeSpec: { type: 'httpGet', scheme: 'HTTP', path: '/', port: 8080, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 },
    },
    explains: /GET \/ on port 8080, every 10s, timeout 1s, 3 failures/,
  },
  {
    name: 'hints at X-Forwarded-Proto when the app redirects the probe to HTTPS',
    fixture: 'readiness-https-redirect',
    verdict: Verdict.Problems,
    codes: [Code.ReadinessProbeFailing],
    details: { failure: 'redirect', redirect: true },
    explains: /X-Forwarded-Proto: https/,
  },
  {
    name: 'blames the liveness probe, not the app, when the kubelet kills the container',
    fixture: 'liveness-killing',
    verdict: Verdict.Problems,
    codes: [Code.LivenessProbeKilling],
    details: { probe: 'liveness', restarts: 3 },
    explains: /GET \/healthz on port 8080/,
  },
  {
    name: "parses the scheduler's message and sees that 8 CPU fit on no 4-CPU node",
    fixture: 'unschedulable-cpu',
    verdict: Verdict.Problems,
    codes: [Code.Unschedulable],
    summary: /0\/3 nodes are available \(3 Insufficient cpu\)/,
    details: {
      nodesAvailable: 0,
      nodesTotal: 3,
      reasons: [{ count: 3, reason: 'Insufficient cpu', kind: 'insufficient-cpu' }],
      exceedsEveryNode: [{ resource: 'cpu', requested: '8', largestAllocatable: '4' }],
    },
    explains: /requests cpu 8, more than the largest node allocates \(4\): it can never fit/,
  },
  {
    name: 'separates taints from node affinity in one scheduler message',
    fixture: 'unschedulable-taint-affinity',
    verdict: Verdict.Problems,
    codes: [Code.Unschedulable],
    details: {
      reasons: [
        { count: 1, reason: 'node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }', kind: 'taint' },
        { count: 2, reason: "node(s) didn't match Pod's node affinity/selector", kind: 'affinity' },
      ],
    },
    explains: /taints the pod does not tolerate.*affinity/s,
  },
  // The drain scenarios, captured on the two real nodes (test/e2e/lib/failures.ts): the pods and
  // namespace are the scenario's own (capture-<scenario>), paas-node-2 is the node drained.
  {
    name: 'names the budget that holds a drain, its allowed disruptions and the pods it keeps there (rolled out: healthy, with the warning)',
    fixture: 'real/drain-blocked',
    verdict: Verdict.Healthy,
    codes: [Code.DrainBlocked, Code.Healthy],
    summary: /^drain of paas-node-2 blocked: PodDisruptionBudget drain-blocked-pdb allows 0 disruptions \(2\/2 healthy, 2 required\), 1 pod\(s\) held$/,
    of: (s) => ({
      details: {
        nodes: ['paas-node-2'],
        budget: 'drain-blocked-pdb',
        ours: false,
        disruptionsAllowed: 0,
        currentHealthy: 2,
        desiredHealthy: 2,
        expectedPods: 2,
        minAvailable: 2,
        maxUnavailable: null,
        unhealthyPodEvictionPolicy: null,
        protectedPods: [podOn(s, 'paas-node-2')],
      },
    }),
    explains:
      /refuses each eviction \(429 Too Many Requests\) while PodDisruptionBudget drain-blocked-pdb allows no disruption: 2 of its 2 pods are healthy and it requires 2 \(minAvailable 2\)\. So 1 pod\(s\) of drain-blocked stay on paas-node-2.*It never will/s,
    suggests: /kubectl get pdb drain-blocked-pdb -n capture-drain-blocked -o yaml\nkubectl get pods -n capture-drain-blocked -l app=drain-blocked -o wide/,
  },
  {
    name: 'says the only replica, on a cordoned node, leaves its Service without a pod during the drain',
    fixture: 'real/drain-single-replica',
    verdict: Verdict.Healthy,
    codes: [Code.SingleReplica, Code.Healthy],
    summary: /^1 replica, on cordoned node paas-node-2: a drain leaves its Service no ready pod until the replacement is ready$/,
    of: (s) => ({ details: { node: 'paas-node-2', pod: podOn(s, 'paas-node-2') } }),
    explains: /One replica cannot survive a node drain.*A budget for one replica would not help: it would block the drain for ever/s,
    suggests: /^kubectl scale deployment\/drain-single-replica -n capture-drain-single-replica --replicas=2$/,
  },
  {
    name: "names the DoNotSchedule spread a replacement pod cannot meet, and the skew: the emptiest node is cordoned (the scheduler's own words parsed too)",
    fixture: 'real/spread-do-not-schedule',
    verdict: Verdict.Problems,
    codes: [Code.TopologySpreadUnsatisfiable],
    summary:
      /^1\/2 new pods: Pending: topology spread across kubernetes\.io\/hostname \(maxSkew 1, DoNotSchedule\): skew 2 wherever it may go \(paas-node: 1, paas-node-2: 0 \(takes no new pod\)\)$/,
    // The scheduler counts every node of the cluster: the two real ones and the kwok nodes, which
    // the pod's nodeSelector (paas.io/node: real) rules out.
    of: (s) => ({
      details: {
        nodesAvailable: 0,
        nodesTotal: s.nodes!.length,
        reasons: [
          { count: 1, reason: "node(s) didn't match pod topology spread constraints", kind: 'topology-spread' },
          { count: 1, reason: 'node(s) were unschedulable', kind: 'cordoned' },
          {
            count: s.nodes!.filter((n) => n.metadata.labels?.['paas.io/node'] !== 'real').length,
            reason: "node(s) didn't match Pod's node affinity/selector",
            kind: 'affinity',
          },
        ],
        constraint: {
          topologyKey: 'kubernetes.io/hostname',
          maxSkew: 1,
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: 'app=spread-do-not-schedule',
          matchLabelKeys: [],
          minDomains: null,
          nodeAffinityPolicy: 'Honor',
          nodeTaintsPolicy: 'Ignore',
        },
        domains: [
          { domain: 'paas-node', nodes: ['paas-node'], pods: 1, schedulable: true },
          { domain: 'paas-node-2', nodes: ['paas-node-2'], pods: 0, schedulable: false },
        ],
        skew: 1,
        skewIfPlaced: 2,
      },
    }),
    explains: /The emptiest domain, paas-node-2 \(0 pods\), takes no new pod, yet it counts \(nodeTaintsPolicy Ignore.*skew would be 2.*ScheduleAnyway/s,
    suggests: /kubectl get nodes -L kubernetes\.io\/hostname\nkubectl get pods -n capture-spread-do-not-schedule -l app=spread-do-not-schedule -o wide/,
  },
  {
    name: 'reads resource, requested, used and limited from a quota refusal',
    fixture: 'quota-exceeded',
    verdict: Verdict.Problems,
    codes: [Code.QuotaExceeded],
    details: {
      quota: 'compute',
      requested: { 'requests.cpu': '500m' },
      used: { 'requests.cpu': '1500m' },
      limited: { 'requests.cpu': '2' },
      quotaStatus: { hard: { 'requests.cpu': '2' }, used: { 'requests.cpu': '1500m' } },
    },
    suggests: /kubectl describe resourcequota compute -n shop/,
  },
  {
    name: 'names the webhook that denied the pods',
    fixture: 'admission-webhook',
    verdict: Verdict.Problems,
    codes: [Code.AdmissionDenied],
    details: { by: 'webhook', name: 'images.policy.acme.io', reason: 'image registry "docker.io" is not on the allow list' },
  },
  {
    name: 'names the Pod Security level that denied the pods',
    fixture: 'admission-pod-security',
    verdict: Verdict.Problems,
    codes: [Code.AdmissionDenied],
    details: { by: 'pod-security', name: 'restricted:latest' },
    suggests: /kubectl get namespace shop --show-labels/,
  },
  {
    name: 'names the ValidatingAdmissionPolicy and its binding',
    fixture: 'admission-vap',
    verdict: Verdict.Problems,
    codes: [Code.AdmissionDenied],
    details: { by: 'validating-admission-policy', name: 'no-latest-tag', binding: 'no-latest-tag-binding', reason: 'images must not use the :latest tag' },
  },
  {
    name: 'explains Multi-Attach of a ReadWriteOnce volume as a surge problem',
    fixture: 'volume-multi-attach',
    verdict: Verdict.Problems,
    codes: [Code.VolumeProblem],
    details: { failure: 'multi-attach', usedBy: ['web-6b7c9d8f5-4hx2n'] },
    explains: /ReadWriteMany|Recreate/,
  },
  {
    name: 'reports a failing init container with its exit code',
    fixture: 'init-container-failing',
    verdict: Verdict.Problems,
    codes: [Code.InitContainerFailing],
    summary: /init container migrate: Error, exit code 2/,
    details: { container: 'migrate', exitCode: 2 },
  },
  {
    name: 'reports a sandbox failure with the CNI plugin',
    fixture: 'sandbox-failed',
    verdict: Verdict.Problems,
    codes: [Code.SandboxFailed],
    details: { cniPlugin: 'calico', node: 'kwok-node-1' },
  },
  {
    name: 'falls back to the progress deadline when the events have expired',
    fixture: 'progress-deadline-exceeded',
    verdict: Verdict.Problems,
    codes: [Code.ProgressDeadlineExceeded],
    details: { progressDeadlineSeconds: 600 },
  },
  {
    name: 'says a paused rollout is paused and how to resume it',
    fixture: 'paused',
    verdict: Verdict.Problems,
    codes: [Code.Paused],
    suggests: /kubectl rollout resume deployment\/web -n shop/,
  },
  {
    name: 'says nothing is wrong while minReadySeconds runs',
    fixture: 'min-ready-seconds',
    verdict: Verdict.Progressing,
    codes: [Code.WaitingMinReadySeconds, Code.Progressing],
  },
  {
    name: 'reports an old pod held by a finalizer past its grace period',
    fixture: 'old-pods-not-terminating',
    verdict: Verdict.Problems,
    codes: [Code.OldPodsNotTerminating],
    details: { finalizers: ['acme.io/drain-connections'], pods: ['web-6b7c9d8f5-4hx2n'] },
  },
  {
    name: 'notes a rollout replaced before it finished, and the newest still progressing',
    fixture: 'superseded',
    verdict: Verdict.Progressing,
    codes: [Code.Superseded, Code.Progressing],
    details: { replicaSets: ['web-7d4f8b9c6'], newReplicaSet: 'web-59c8d7b6f4' },
  },
  {
    name: 'calls a finished rollout healthy despite an old start-up probe event',
    fixture: 'healthy',
    verdict: Verdict.Healthy,
    codes: [Code.Healthy],
  },
  {
    name: 'estimates the time left from the pace so far',
    fixture: 'progressing',
    verdict: Verdict.Progressing,
    codes: [Code.Progressing],
    summary: /about 2m left/,
    details: { estimatedSecondsLeft: 120 },
  },
  // Mixed: two causes compete.
  {
    name: 'puts the image pull before the progress deadline it caused',
    fixture: 'mixed-pull-and-deadline',
    verdict: Verdict.Problems,
    codes: [Code.ImagePullFailed, Code.ProgressDeadlineExceeded],
    details: { pullFailure: 'not-found' },
  },
  {
    name: 'puts a failing readiness probe before the pause',
    fixture: 'mixed-paused-and-readiness',
    verdict: Verdict.Problems,
    codes: [Code.ReadinessProbeFailing, Code.Paused],
  },
  {
    name: 'ignores a quota refusal that has since resolved and reports the crash loop',
    fixture: 'mixed-stale-quota-and-crashloop',
    verdict: Verdict.Problems,
    codes: [Code.CrashLoop],
    details: { exitCode: 3 },
  },
  {
    name: 'reports the unschedulable surge pod first, then the old pod that holds capacity',
    fixture: 'mixed-unschedulable-and-stuck-old',
    verdict: Verdict.Problems,
    codes: [Code.Unschedulable, Code.OldPodsNotTerminating],
    explains: /maxSurge 1 the rollout needs room for one more pod/,
  },
];

describe('diagnose', () => {
  it.each(cases)('$name', (one) => {
    const { snapshot, now } = loadFixture(one.fixture);
    const c = { ...one, ...one.of?.(snapshot) };
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
    expect(f.evidence[0]).toMatchObject({
      reason: 'FailedScheduling',
      count: 7,
      firstSeen: '2026-11-23T06:00:01.000000Z',
      lastSeen: '2026-11-23T06:09:01.000000Z',
    });
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

  it('reports other FailedCreate refusals (a namespace being deleted) as PodCreateFailed, with the message', () => {
    const { snapshot, now } = loadFixture('quota-exceeded');
    const msg = 'Error creating: pods "web-7d4f8b9c6-8xk2q" is forbidden: unable to create new content in namespace shop because it is being terminated';
    const events = snapshot.events.map((e) => (e.reason === 'FailedCreate' ? { ...e, message: msg } : e));
    const replicaSets = snapshot.replicaSets.map((rs) => ({ ...rs, status: { ...rs.status, conditions: [] } }));
    const deployment = { ...snapshot.deployment, status: { ...snapshot.deployment.status, conditions: [] } };
    const d = diagnose({ ...snapshot, events, replicaSets, deployment }, now);
    expect(d.findings.map((f) => f.code)).toEqual([Code.PodCreateFailed]);
    expect(d.findings[0]!.summary).toContain('because it is being terminated');
    expect(d.findings[0]!.evidence[0]).toMatchObject({ reason: 'FailedCreate', count: 18 });
  });

  it('calls a paused Deployment with nothing left to roll healthy, and says it is paused', () => {
    const { snapshot, now } = loadFixture('healthy');
    const d = diagnose({ ...snapshot, deployment: { ...snapshot.deployment, spec: { ...snapshot.deployment.spec, paused: true } } }, now);
    expect(d.verdict).toBe(Verdict.Healthy);
    expect(d.findings.map((f) => [f.code, f.severity])).toEqual([
      [Code.Paused, Severity.Info],
      [Code.Healthy, Severity.Info],
    ]);
  });

  it('reports a Deployment whose controller has not yet observed the new generation as progressing', () => {
    const { snapshot, now } = loadFixture('healthy');
    const dep = { ...snapshot.deployment, metadata: { ...snapshot.deployment.metadata, generation: 3 } };
    const d = diagnose({ ...snapshot, deployment: dep }, now);
    expect(d.verdict).toBe(Verdict.Progressing);
    expect(d.findings[0]!.summary).toMatch(/waiting for the controller to observe generation 3/);
  });
});

// The drain captures of the two real nodes, and variants of them made here (each says what it
// changes): the budget, the cordon, the spread constraint.
describe('diagnose: node drains and topology spread', () => {
  const drain = () => loadFixture('real/drain-blocked');
  type Budget = NonNullable<Pod['metadata']> & object;
  /** The node `kubectl drain` cordoned in a capture. */
  const cordoned = (s: Snapshot) => s.cordoned![0]!.metadata.name;

  it("a budget of paas-webhook's own, one pod not Ready: says so, and that one may go once it is", () => {
    // A variant of the real capture: its budget (the user's, minAvailable 2) made into the one
    // paas-webhook keeps (its label, a controller reference to the Deployment, maxUnavailable 1
    // over the Deployment's selector), with one pod of the two not healthy.
    const { snapshot, now } = drain();
    const dep = snapshot.deployment;
    const b = snapshot.budgets![0]!;
    b.metadata = {
      ...(b.metadata as Budget),
      name: `${dep.metadata.name}-paas`,
      labels: { 'app.kubernetes.io/managed-by': 'paas-webhook' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: dep.metadata.name, uid: dep.metadata.uid ?? '', controller: true }],
    };
    b.spec = { maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: structuredClone(dep.spec!.selector) };
    b.status = { ...b.status, currentHealthy: 1, desiredHealthy: 1, expectedPods: 2, disruptionsAllowed: 0 };
    const f = diagnose(snapshot, now).findings.find((x) => x.code === Code.DrainBlocked)!;
    expect(f.details).toMatchObject({ budget: 'drain-blocked-paas', ours: true, maxUnavailable: 1, minAvailable: null });
    expect(f.explanation).toMatch(/Some of its pods are not Ready: once they are, one may go\. The budget is paas-webhook's/);
    expect(f.explanation).not.toContain('AlwaysAllow could');
  });

  type Change = (s: Snapshot, now: Date) => unknown;
  it.each<{ name: string; change: Change }>([
    { name: 'the budget allows a disruption', change: (s) => (s.budgets![0]!.status!.disruptionsAllowed = 1) },
    { name: 'the budget selects other pods', change: (s) => (s.budgets![0]!.spec!.selector = { matchLabels: { app: 'db' } }) },
    { name: 'no node is cordoned', change: (s) => delete s.cordoned },
    {
      name: 'the pod on the cordoned node is already being evicted',
      change: (s, now) => (s.pods.find((p) => p.spec?.nodeName === cordoned(s))!.metadata.deletionTimestamp = new Date(now.getTime() - 5_000).toISOString()),
    },
  ])('control: no DrainBlocked when $name', ({ change }) => {
    const { snapshot, now } = drain();
    change(snapshot, now);
    expect(diagnose(snapshot, now).findings.map((f) => f.code)).not.toContain(Code.DrainBlocked);
  });

  it('control: two replicas, one on a cordoned node, no budget: no SingleReplica (the other survives)', () => {
    const { snapshot, now } = drain();
    snapshot.budgets = [];
    expect(diagnose(snapshot, now).findings.map((f) => f.code)).toEqual([Code.Healthy]);
  });

  it('control: the same Pending pod with ScheduleAnyway is no spread finding (the scheduler would have placed it): Unschedulable, as the scheduler says', () => {
    const { snapshot, now } = loadFixture('real/spread-do-not-schedule');
    // The same change on the pods and on every template that carries the constraint (the
    // Deployment's and its ReplicaSets', so the new ReplicaSet still matches the Deployment).
    const specs = [...snapshot.pods.map((p) => p.spec!), ...[snapshot.deployment, ...snapshot.replicaSets].map((o) => o.spec!.template!.spec!)];
    for (const spec of specs) for (const c of spec.topologySpreadConstraints ?? []) c.whenUnsatisfiable = 'ScheduleAnyway';
    expect(diagnose(snapshot, now).findings.map((f) => f.code)).toEqual([Code.Unschedulable]);
  });

  it('nodeTaintsPolicy Honor: the cordoned node is no domain, so the spread is not what holds the pod (skew 1 if placed, within maxSkew 1)', () => {
    const { snapshot, now } = loadFixture('real/spread-do-not-schedule');
    for (const p of snapshot.pods) p.spec!.topologySpreadConstraints![0]!.nodeTaintsPolicy = 'Honor';
    const f = diagnose(snapshot, now).findings[0]!;
    expect(f.details).toMatchObject({ domains: [{ domain: 'paas-node', pods: 1, schedulable: true }], skewIfPlaced: 1 });
  });

  it('without the nodes (not readable): the constraint and the words, no skew', () => {
    const { snapshot, now } = loadFixture('real/spread-do-not-schedule');
    delete snapshot.nodes;
    const f = diagnose(snapshot, now).findings[0]!;
    expect(f.summary).toBe('1/2 new pods: Pending: topology spread across kubernetes.io/hostname (maxSkew 1, DoNotSchedule) cannot be met');
    expect(f.details).toMatchObject({ domains: [], skew: null, skewIfPlaced: null });
    expect(f.explanation).toContain('The nodes were not read');
  });
});

// A container that cannot start is never progress (issue 18), nor is a waiting reason diagnose
// does not know (style rule 13). The snapshot is start-failed.yaml (a real node's words, derived)
// with the new pod's container status replaced per case.
describe('diagnose: containers that cannot start, and unknown waiting reasons', () => {
  const RUNC = (why: string) =>
    `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${why}`;
  const NOPE = RUNC('exec: "/nope": stat /nope: no such file or directory');
  const START_ERROR = { terminated: { reason: 'StartError', exitCode: 128, message: NOPE } };
  type Status = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

  /** start-failed.yaml with the new pod's app container status replaced (init: as an init container). */
  function withStatus(status: Partial<Status>, init = false) {
    const { snapshot, now } = loadFixture('start-failed');
    const pod = snapshot.pods.find((p) => p.metadata.name.startsWith('web-7d4f8b9c6-'))!;
    const cs: Status = { name: 'app', image: 'ghcr.io/acme/web:v2', ready: false, restartCount: 2, ...status };
    if (init) {
      // The same template change on the Deployment and its new ReplicaSet, so it stays the new one.
      for (const tpl of [
        snapshot.deployment.spec!.template!.spec!,
        snapshot.replicaSets.find((r) => r.metadata.name === 'web-7d4f8b9c6')!.spec!.template!.spec!,
      ]) {
        tpl.initContainers = tpl.containers.map((c) => ({ ...c }));
        tpl.containers = tpl.containers.map((c) => ({ ...c, name: 'main', command: ['/app'] }));
      }
      pod.status!.initContainerStatuses = [cs];
      pod.status!.containerStatuses = [{ name: 'main', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];
    } else pod.status!.containerStatuses = [cs];
    return diagnose(snapshot, now);
  }

  it.each([
    {
      name: 'RunContainerError at first sighting, before any back-off',
      status: { restartCount: 0, state: { waiting: { reason: 'RunContainerError', message: NOPE } } },
      summary: '1/1 new pods: RunContainerError (exec: "/nope": stat /nope: no such file or directory)',
      details: { reason: 'RunContainerError', exitCode: null, executable: '/nope' },
    },
    {
      name: 'the back-off after failed starts, not a crash loop',
      status: { state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s restarting failed container=app' } }, lastState: START_ERROR },
      summary: '1/1 new pods: StartError (exec: "/nope": stat /nope: no such file or directory)',
      details: { reason: 'StartError', exitCode: 128 },
    },
    {
      name: 'the failed attempt itself, between two',
      status: { state: START_ERROR },
      summary: '1/1 new pods: StartError (exec: "/nope": stat /nope: no such file or directory)',
      details: { reason: 'StartError', exitCode: 128 },
    },
    {
      name: "a bare command not on the image's PATH",
      status: { state: { waiting: { reason: 'RunContainerError', message: `${RUNC('exec: "nope": executable file not found in $PATH')}: unknown` } } },
      summary: '1/1 new pods: RunContainerError (exec: "nope": executable file not found in $PATH)',
      details: { startFailure: 'executable-not-found', executable: 'nope' },
    },
    {
      name: 'an executable that may not be executed',
      status: { state: { waiting: { reason: 'RunContainerError', message: RUNC('exec: "/nope": permission denied') } } },
      explains: /may not be executed/,
      details: { startFailure: 'permission-denied' },
    },
    {
      name: 'CreateContainerError: neither image nor template names a command',
      status: {
        state: {
          waiting: { reason: 'CreateContainerError', message: 'failed to generate container "0f1e" spec: failed to apply OCI options: no command specified' },
        },
      },
      summary: '1/1 new pods: CreateContainerError (no command specified)',
      explains: /ENTRYPOINT/,
      details: { startFailure: 'no-command' },
    },
    {
      name: "any other refusal, in the runtime's last words",
      status: {
        state: {
          waiting: {
            reason: 'RunContainerError',
            message: `${RUNC('error during container init: error mounting "/x" to rootfs at "/y": not a directory')}: unknown`,
          },
        },
      },
      summary: '1/1 new pods: RunContainerError (error during container init: error mounting "/x" to rootfs at "/y": not a directory)',
      explains: /The runtime says: .*error mounting/,
      details: { startFailure: 'other' },
    },
    {
      name: 'an init container that cannot start',
      init: true,
      status: { state: { waiting: { reason: 'RunContainerError', message: NOPE } }, lastState: START_ERROR },
      summary: '1/1 new pods: Init:RunContainerError (init container app: exec: "/nope": stat /nope: no such file or directory)',
      details: { initContainer: true, command: ['/nope'] },
    },
  ])('StartFailed: $name', ({ status, init, summary, explains, details }) => {
    const d = withStatus(status, init);
    expect(d.verdict).toBe(Verdict.Problems);
    expect(d.findings.map((f) => [f.code, f.severity])).toEqual([[Code.StartFailed, Severity.Error]]);
    const f = d.findings[0]!;
    if (summary) expect(f.summary).toBe(summary);
    if (explains) expect(f.explanation).toMatch(explains);
    expect(f.details).toMatchObject({ container: 'app', image: 'ghcr.io/acme/web:v2', ...details });
    expect(f.explanation).toMatch(/never ran, so it has no logs/);
    // The advice is the pod and the template, not logs it does not have.
    expect(f.suggestions.join('\n')).not.toMatch(/kubectl (paas )?logs/);
    expect(f.suggestions[0]).toMatch(/^kubectl describe pod web-7d4f8b9c6-x2k4p -n shop$/);
  });

  it('control: the same pod crash-looping after it ran is a CrashLoop, with its logs', () => {
    const d = withStatus({ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } });
    expect(d.findings.map((f) => f.code)).toEqual([Code.CrashLoop]);
    expect(d.findings[0]!.suggestions.join('\n')).toMatch(/kubectl paas logs .* --previous/);
  });

  it('control: the same pod running and Ready is no finding of the pod', () => {
    const d = withStatus({ ready: true, state: { running: { startedAt: '2026-11-23T06:09:00Z' } }, lastState: START_ERROR });
    expect(d.findings.map((f) => f.code)).not.toContain(Code.StartFailed);
    expect(d.verdict).not.toBe(Verdict.Problems);
  });

  it.each([
    { name: 'an app container', init: false, label: 'PreStartHookError (hook "/bin/setup" exited 1)' },
    { name: 'an init container', init: true, label: 'Init:PreStartHookError (hook "/bin/setup" exited 1)' },
  ])('reports an unknown waiting reason of $name as a finding, never as progress', ({ init, label }) => {
    const d = withStatus({ restartCount: 0, state: { waiting: { reason: 'PreStartHookError', message: 'hook "/bin/setup" exited 1' } } }, init);
    expect(d.verdict).toBe(Verdict.Problems);
    expect(d.findings.map((f) => [f.code, f.severity])).toEqual([[Code.UnknownWaitingReason, Severity.Warning]]);
    expect(d.findings[0]!.summary).toBe(`1/1 new pods: ${label}`);
    expect(d.findings[0]!.details).toMatchObject({ container: 'app', reason: 'PreStartHookError', message: 'hook "/bin/setup" exited 1' });
    expect(d.findings[0]!.explanation).toMatch(/does not know.*not counted as progress/);
  });

  it('control: a container still being created is progress', () => {
    const d = withStatus({ restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } });
    expect(d.verdict).toBe(Verdict.Progressing);
    // The fixture's start failures stay in its events: listed as unexplained, the verdict unmoved.
    expect(d.findings.map((f) => [f.code, f.severity])).toEqual([
      [Code.Progressing, 'info'],
      [Code.UnexplainedWarnings, 'info'],
    ]);
    expect(d.findings[1]!.details).toEqual({ reasons: ['BackOff'] });
  });
});

describe('diagnose: imagePullPolicy Never with the image absent', () => {
  it('says the image is not on the node and pulls are disabled, not that it cannot be pulled', () => {
    const { snapshot, now } = loadFixture('image-not-found');
    // The kubelet's words (images/image_manager.go); there are no pull events, nothing is pulled.
    const message = 'Container image "docker.io/acme/web:v2" is not present with pull policy of Never';
    for (const pod of snapshot.pods) {
      for (const cs of pod.status?.containerStatuses ?? []) cs.state = { waiting: { reason: 'ErrImageNeverPull', message } };
      for (const c of pod.spec?.containers ?? []) c.imagePullPolicy = 'Never';
    }
    snapshot.events = snapshot.events.filter((e) => !/pull/i.test(e.message ?? ''));
    const d = diagnose(snapshot, now);
    expect(d.findings.map((f) => f.code)).toEqual([Code.ImagePullFailed]);
    const f = d.findings[0]!;
    expect(f.summary).toBe('3/3 new pods: ErrImageNeverPull (not on the node, imagePullPolicy: Never)');
    expect(f.details).toMatchObject({ pullFailure: 'never-pull', image: 'docker.io/acme/web:v2', kubeletMessage: message });
    expect(f.explanation).toMatch(/is not on the node, and pulls are disabled for it \(imagePullPolicy: Never\)/);
    expect(f.explanation).toMatch(/IfNotPresent/);
    expect(f.explanation).not.toMatch(/cannot (?:be )?pull|can be pulled/);
  });
});
