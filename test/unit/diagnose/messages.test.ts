import { describe, expect, it } from 'vitest';
import {
  parseAdmissionMessage,
  parseConfigMessage,
  parseProbeMessage,
  parseQuantity,
  parseQuotaMessage,
  parseSchedulingMessage,
  parseStartMessage,
  parseVolumeMessage,
} from '../../../plugin/diagnose/messages.js';
import type { KubeEvent, Pod } from '../../../plugin/diagnose/model.js';
import { daemonSetFixture, statefulSetFixture } from '../sets/fixtures.js';

describe('parseStartMessage', () => {
  // runc's "unable to start container process: exec: …" as containerd passes it up. The first is
  // the real node's (issue 18); the others are runc's other exec refusals and containerd's own.
  const runc = (why: string) =>
    `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${why}`;
  it.each([
    {
      name: 'an absolute path missing from the image',
      msg: runc('exec: "/nope": stat /nope: no such file or directory'),
      kind: 'executable-not-found',
      executable: '/nope',
      detail: 'exec: "/nope": stat /nope: no such file or directory',
    },
    {
      name: "a bare name not on the image's PATH",
      msg: `${runc('exec: "nope": executable file not found in $PATH')}: unknown`,
      kind: 'executable-not-found',
      executable: 'nope',
      detail: 'exec: "nope": executable file not found in $PATH',
    },
    {
      name: 'a file that may not be executed',
      msg: `${runc('exec: "/etc/hosts": permission denied')}: unknown`,
      kind: 'permission-denied',
      executable: '/etc/hosts',
    },
    {
      name: 'an image and a pod with no command',
      msg: 'failed to generate container "0f1e" spec: failed to apply OCI options: no command specified',
      kind: 'no-command',
    },
    { name: 'anything else', msg: runc('error during container init: error mounting "/x" to rootfs at "/y": not a directory'), kind: 'other' },
  ])('$name → $kind', ({ msg, kind, executable, detail }) => {
    const p = parseStartMessage(msg);
    expect(p.kind).toBe(kind);
    expect(p.executable).toBe(executable);
    if (detail) expect(p.detail).toBe(detail);
  });
});

describe('parseSchedulingMessage', () => {
  it('splits counts and reasons and keeps the preemption note apart', () => {
    expect(
      parseSchedulingMessage(
        '0/3 nodes are available: 1 Insufficient memory, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      ),
    ).toEqual({
      available: 0,
      total: 3,
      reasons: [
        { count: 1, reason: 'Insufficient memory', kind: 'insufficient-memory' },
        { count: 2, reason: 'Insufficient cpu', kind: 'insufficient-cpu' },
      ],
      postFilter: '0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    });
  });
  it('keeps a taint with ", " inside its braces in one clause', () => {
    const p = parseSchedulingMessage('0/2 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu, team}. preemption: not eligible');
    expect(p?.reasons).toEqual([{ count: 2, reason: 'node(s) had untolerated taint {dedicated: gpu, team}', kind: 'taint' }]);
  });
  it.each([
    ["didn't match pod anti-affinity rules", 'anti-affinity'],
    ["didn't match Pod's node affinity/selector", 'affinity'],
    ['were unschedulable', 'cordoned'],
    ['Too many pods', 'too-many-pods'],
    ["didn't have free ports for the requested pod ports", 'host-ports'],
    ['had volume node affinity conflict', 'volume'],
  ])('classifies "%s" as %s', (reason, kind) => {
    const p = parseSchedulingMessage(`0/1 nodes are available: 1 node(s) ${reason}.`);
    expect(p?.reasons[0]?.kind).toBe(kind);
  });
  it('understands a cluster with no nodes, and refuses other text', () => {
    expect(parseSchedulingMessage('no nodes available to schedule pods')?.reasons[0]?.kind).toBe('no-nodes');
    expect(parseSchedulingMessage('Successfully assigned shop/web to node-1')).toBeUndefined();
  });
});

/** What the real node's scheduler said of a capture's pods: their PodScheduled=False conditions
 * and FailedScheduling events, each distinct message once. */
function schedulerWords(s: { pods: Pod[]; events: KubeEvent[] }): string[] {
  const conditions = s.pods.flatMap((p) => p.status?.conditions?.filter((c) => c.type === 'PodScheduled' && c.status === 'False') ?? []);
  const events = s.events.filter((e) => e.reason === 'FailedScheduling');
  return [...new Set([...conditions, ...events].map((x) => x.message ?? ''))];
}

describe('parseSchedulingMessage on what the real scheduler wrote', () => {
  const claim = statefulSetFixture('sts-claim-pending').snapshot;
  const unfit = daemonSetFixture('ds-unfit').snapshot;
  it.each([
    {
      name: 'a PreFilter reason about the pod (an unbound claim), with no count: every node turned down; then PostFilter words of its own',
      snapshot: claim,
      want: {
        available: 0,
        total: claim.nodes!.length,
        reasons: [{ count: claim.nodes!.length, reason: 'pod has unbound immediate PersistentVolumeClaims', kind: 'volume', preFilter: true }],
        postFilter: 'not found',
      },
    },
    {
      name: "Filter reasons counted over the nodes, a plugin list in brackets, then preemption's note",
      snapshot: unfit,
      want: {
        available: 0,
        total: unfit.nodes!.length,
        reasons: [
          { count: 1, reason: 'Insufficient cpu', kind: 'insufficient-cpu' },
          { count: 4, reason: "node(s) didn't satisfy plugin(s) [NodeAffinity]", kind: 'affinity' },
        ],
        postFilter: '0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
      },
    },
  ])('$name', ({ snapshot, want }) => {
    const words = schedulerWords(snapshot);
    expect(words).toHaveLength(1);
    expect(parseSchedulingMessage(words[0]!)).toEqual(want);
  });

  // kube-scheduler's own expectations of FitError.Error(), "0/N nodes are available: <PreFilter>.
  // <Filter>. <PostFilter>" (pkg/scheduler/framework/types_test.go, TestFitError_Error).
  it.each([
    {
      msg: '0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter.',
      reasons: [{ count: 3, reason: 'Node(s) failed PreFilter plugin FalsePreFilter', kind: 'other', preFilter: true }],
    },
    {
      msg: '0/3 nodes are available: Node(s) failed PreFilter plugin FalsePreFilter. Error running PostFilter plugin FailedPostFilter',
      reasons: [{ count: 3, reason: 'Node(s) failed PreFilter plugin FalsePreFilter', kind: 'other', preFilter: true }],
      postFilter: 'Error running PostFilter plugin FailedPostFilter',
    },
    {
      msg: '0/3 nodes are available: 3 Node(s) failed Filter plugin FalseFilter-1.',
      reasons: [{ count: 3, reason: 'Node(s) failed Filter plugin FalseFilter-1', kind: 'other' }],
    },
    {
      msg: '0/3 nodes are available: 1 Node(s) failed Filter plugin FalseFilter-2, 2 Node(s) failed Filter plugin FalseFilter-1. Error running PostFilter plugin FailedPostFilter',
      reasons: [
        { count: 1, reason: 'Node(s) failed Filter plugin FalseFilter-2', kind: 'other' },
        { count: 2, reason: 'Node(s) failed Filter plugin FalseFilter-1', kind: 'other' },
      ],
      postFilter: 'Error running PostFilter plugin FailedPostFilter',
    },
    {
      msg: '0/1 nodes are available: 1 Node failed Permit plugin Permit-1.',
      reasons: [{ count: 1, reason: 'Node failed Permit plugin Permit-1', kind: 'other' }],
    },
  ])('$msg', ({ msg, reasons, postFilter }) => {
    const total = Number(/\/(\d+)/.exec(msg)![1]);
    expect(parseSchedulingMessage(msg)).toEqual({ available: 0, total, reasons, ...(postFilter ? { postFilter } : {}) });
  });
});

describe('parseQuotaMessage', () => {
  it('reads several resources of one refusal', () => {
    expect(
      parseQuotaMessage(
        'pods "web-1" is forbidden: exceeded quota: compute, requested: limits.memory=512Mi,requests.cpu=500m, used: limits.memory=1536Mi,requests.cpu=1500m, limited: limits.memory=2Gi,requests.cpu=2',
      ),
    ).toEqual({
      quota: 'compute',
      kind: 'exceeded',
      requested: { 'limits.memory': '512Mi', 'requests.cpu': '500m' },
      used: { 'limits.memory': '1536Mi', 'requests.cpu': '1500m' },
      limited: { 'limits.memory': '2Gi', 'requests.cpu': '2' },
    });
  });
  it('reads a quota that demands requests', () => {
    expect(parseQuotaMessage('pods "web-1" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app')).toMatchObject({
      quota: 'compute',
      kind: 'must-specify',
      missing: 'limits.cpu for: app; requests.cpu for: app',
    });
  });
  it('refuses a message that is not about quota', () => {
    expect(parseQuotaMessage('admission webhook "x" denied the request: no')).toBeUndefined();
  });
});

describe('parseAdmissionMessage', () => {
  it.each([
    { msg: 'Error creating: admission webhook "pods.acme.io" denied the request: no root', by: 'webhook', name: 'pods.acme.io', reason: 'no root' },
    {
      msg: 'Error creating: Internal error occurred: failed calling webhook "pods.acme.io": failed to call webhook: Post "https://acme.svc:443/validate?timeout=10s": dial tcp 10.96.0.9:443: connect: connection refused',
      by: 'webhook-unreachable',
      name: 'pods.acme.io',
    },
    {
      msg: 'Error creating: pods "w-1" is forbidden: violates PodSecurity "baseline:v1.30": privileged (container "app" must not set securityContext.privileged=true)',
      by: 'pod-security',
      name: 'baseline:v1.30',
    },
    {
      msg: "Error creating: pods \"w-1\" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: failed expression: object.spec.hostNetwork != true",
      by: 'validating-admission-policy',
      name: 'p',
      reason: 'failed expression: object.spec.hostNetwork != true',
    },
    { msg: 'Error creating: pods "w-1" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi', by: 'limit-range' },
  ])('$by', ({ msg, by, name, reason }) => {
    const a = parseAdmissionMessage(msg);
    expect(a?.by).toBe(by);
    if (name) expect(a?.name).toBe(name);
    if (reason) expect(a?.reason).toBe(reason);
  });
});

describe('parseConfigMessage', () => {
  it.each([
    ['configmap "app-env" not found', { kind: 'configmap', name: 'app-env' }],
    ['secret "db" not found', { kind: 'secret', name: 'db' }],
    ["couldn't find key LOG_LEVEL in ConfigMap shop/app-env", { kind: 'configmap-key', name: 'app-env', key: 'LOG_LEVEL' }],
    ['Error: container has runAsNonRoot and image will run as root', { kind: 'other', reason: 'container has runAsNonRoot and image will run as root' }],
  ])('%s', (msg, want) => {
    expect(parseConfigMessage(msg)).toMatchObject(want);
  });
});

describe('parseProbeMessage', () => {
  it.each([
    ['Readiness probe failed: HTTP probe failed with statuscode: 503', { probe: 'readiness', kind: 'status', statusCode: 503 }],
    ['Readiness probe failed: HTTP probe failed with statuscode: 308', { probe: 'readiness', kind: 'redirect', statusCode: 308 }],
    ['Readiness probe warning: Probe terminated redirects, Response body: <a href="https://x/">Moved</a>', { probe: 'readiness', kind: 'redirect' }],
    [
      'Liveness probe failed: Get "http://10.0.0.1:8080/healthz": dial tcp 10.0.0.1:8080: connect: connection refused',
      { probe: 'liveness', kind: 'connection-refused' },
    ],
    [
      'Startup probe failed: Get "http://10.0.0.1:8080/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
      { probe: 'startup', kind: 'timeout' },
    ],
    ["Readiness probe failed: cat: can't open '/tmp/healthy': No such file or directory", { probe: 'readiness', kind: 'exec' }],
  ])('%s', (msg, want) => {
    expect(parseProbeMessage(msg)).toMatchObject(want);
  });
  it('refuses other events', () => {
    expect(parseProbeMessage('Container app failed liveness probe, will be restarted')).toBeUndefined();
  });
});

describe('parseVolumeMessage', () => {
  it('lists the pods that hold a Multi-Attach volume', () => {
    expect(parseVolumeMessage('FailedAttachVolume', 'Multi-Attach error for volume "pvc-1" Volume is already used by pod(s) web-a, web-b')).toEqual({
      kind: 'multi-attach',
      volume: 'pvc-1',
      usedBy: ['web-a', 'web-b'],
    });
  });
  it('reads a mount failure and a mount timeout', () => {
    expect(parseVolumeMessage('FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "c" not found')).toEqual({
      kind: 'mount',
      volume: 'config',
    });
    expect(
      parseVolumeMessage(
        'FailedMount',
        'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition',
      ),
    ).toEqual({ kind: 'timeout', volume: 'data' });
  });
});

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['2', 2],
    ['8Gi', 8 * 2 ** 30],
    ['128Mi', 128 * 2 ** 20],
    ['1e3', 1000],
    ['1k', 1000],
  ])('%s = %d', (q, n) => {
    expect(parseQuantity(q)).toBeCloseTo(n);
  });
  it('returns undefined for nonsense', () => {
    expect(parseQuantity('lots')).toBeUndefined();
  });
});
