// The failures the real node reproduces, one scenario each: a working Deployment of the test app
// on the real node, then the change that breaks it, and the moment the failure shows. Shared by
// test/fixtures/diagnose/capture-real.ts (which saves what the API server returns as fixtures)
// and test/e2e/diagnose-real.test.ts (which runs kubectl paas diagnose and rollout status on them).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectorMatches, type JsonValue } from '../../../core/policy/index.js';
import { NodeSpecs, RealNode, type NodeSpec } from '../cluster/node.js';

type Obj = Record<string, any>;

/** The working version every scenario starts from, on the real node: the policy's settings written out. */
export function base(name: string, deployId: string, replicas = 2): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: name, 'paas.io/deploy-id': deployId } },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': RealNode.name },
          tolerations: [{ key: RealNode.taint.key, operator: 'Equal', value: RealNode.taint.value, effect: RealNode.taint.effect }],
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'app',
              image: 'paas.local/testapp:1',
              args: ['-port', '8080'],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 3 },
              resources: { requests: { cpu: '10m', memory: '16Mi' } },
            },
          ],
        },
      },
    },
  };
}

type Container = Obj;
/** One failure to reproduce: how the broken version differs, and when the failure is visible. */
export interface Scenario {
  note: string;
  /** Objects created before the Deployment (a Secret without the key, ...). */
  before?: Obj[];
  /** Shapes the working version (rolled out first) where the failure lies in how it stops. */
  working?: (d: Obj, c: Container) => void;
  /** Changes the working Deployment into the broken one (the rollout under diagnosis). */
  breaks: (d: Obj, c: Container) => void;
  /** The failure is visible: capture now. */
  ready: (s: Captured) => boolean;
  /** After the break (pods terminating, a kubelet stopped...): run before waiting. */
  after?: (ns: string, k: Kubectl) => Promise<void>;
  /** Undoes what `after` did to the node, once captured (or when the failure never showed). */
  cleanup?: (ns: string, k: Kubectl) => Promise<void>;
  /** Touches the whole node: runs alone, after the others. */
  exclusive?: boolean;
  /** Once the working version is out, before the break (a finalizer on its pods...). */
  afterWorking?: (ns: string, k: Kubectl, name: string) => Promise<void>;
  /** Once captured, puts back what would block the namespace's deletion. */
  release?: (ns: string, k: Kubectl) => Promise<void>;
}

/** The running kubelet's PID, from the real node's marker. */
export function kubeletPid(spec: NodeSpec = NodeSpecs[0]): number {
  const file = join(spec.machineDir, 'owner.json');
  const owner = JSON.parse(readFileSync(file, 'utf8')) as { pids: { kubelet?: number } };
  if (!owner.pids.kubelet) throw new Error(`no kubelet PID in ${file}`);
  return owner.pids.kubelet;
}

/** The node a scenario may freeze: the second real node when it runs (the other files' pods on
 * the first go on undisturbed), else the first. */
export function spareNode(): NodeSpec {
  const second = NodeSpecs[1];
  return existsSync(join(second.machineDir, 'owner.json')) ? second : NodeSpecs[0];
}

/** Puts the scenario's pods on the node that will be frozen. */
const onSpareNode = (d: Obj): void => {
  d.spec.template.spec.nodeSelector = { 'kubernetes.io/hostname': spareNode().name };
};

export interface Captured {
  deployment: Obj;
  replicaSets: Obj[];
  pods: Obj[];
  events: Obj[];
  quotas: Obj[];
  /** The namespace's PodDisruptionBudgets, when a pod of the Deployment is bound to a node (as diagnose reads them). */
  budgets?: Obj[];
  /** The cordoned nodes that run its pods, when a budget holding them allows no disruption or it has one replica. */
  cordoned?: Obj[];
  nodes: Obj[];
  logs: ContainerLog[];
}

/** The end of one container's log as the kubelet serves it through the API server. */
interface ContainerLog {
  pod: string;
  container: string;
  previous: boolean;
  lines: string[];
}

const newPods = (s: Captured) => s.pods.filter((p) => p.metadata.labels?.['paas.io/deploy-id'] === 'v2-' + s.deployment.metadata.name);
const statuses = (p: Obj): Obj[] => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
const waiting = (reason: string) => (s: Captured) =>
  newPods(s).length > 0 && newPods(s).every((p) => statuses(p).some((c) => c.state?.waiting?.reason === reason));
const restarted = (s: Captured) => newPods(s).some((p) => statuses(p).some((c) => (c.restartCount ?? 0) >= 1));
/** The scenario's own events (its Deployment's ReplicaSets and pods), not the namespace's: the
 * scenarios of one file run side by side in one namespace. */
const ownEvents = (s: Captured) => s.events.filter((e) => e.involvedObject?.name?.startsWith(`${s.deployment.metadata.name}-`));
const event =
  (reason: string, min = 1) =>
  (s: Captured) =>
    ownEvents(s)
      .filter((e) => e.reason === reason)
      .reduce((n, e) => n + (e.count ?? 1), 0) >= min;
const eventMatching = (reason: string, message: RegExp, min: number) => (s: Captured) =>
  ownEvents(s)
    .filter((e) => e.reason === reason && message.test(e.message ?? ''))
    .reduce((n, e) => n + (e.count ?? 1), 0) >= min;
/** A start the runtime refused, seen in either of the kubelet's two words for it: RunContainerError
 * right after the attempt, CrashLoopBackOff (its last termination StartError) while it backs off,
 * which is most of the time once the back-off has grown. */
const startFailed = (s: Captured) =>
  newPods(s).length > 0 &&
  newPods(s).every((p) =>
    statuses(p).some(
      (c) =>
        c.state?.waiting?.reason === 'RunContainerError' ||
        (c.state?.waiting?.reason === 'CrashLoopBackOff' && c.lastState?.terminated?.reason === 'StartError'),
    ),
  );
/** The Deployment controller counts the new version rolled out (what kubectl rollout status reports). */
const rolledOut = (s: Captured) => {
  const st = s.deployment.status ?? {};
  const want = s.deployment.spec.replicas ?? 1;
  return (
    st.observedGeneration >= s.deployment.metadata.generation && st.updatedReplicas === want && (st.replicas ?? 0) === want && st.availableReplicas === want
  );
};
const lastTerminated = (reason: string) => (s: Captured) => newPods(s).some((p) => statuses(p).some((c) => c.lastState?.terminated?.reason === reason));
const both =
  (...fs: ((s: Captured) => boolean)[]) =>
  (s: Captured) =>
    fs.every((f) => f(s));

const image = (ref: string, pull?: string) => (_d: Obj, c: Container) => {
  c.image = ref;
  if (pull) c.imagePullPolicy = pull;
};
const args =
  (...a: string[]) =>
  (_d: Obj, c: Container) => {
    c.args = ['-port', '8080', ...a];
  };

/** The node the drain scenarios cordon or drain: the second real node (paas-node-2); the first
 * goes on serving, and takes the replacements. */
const DRAINED = NodeSpecs[1].name;
const podReady = (p: Obj): boolean => !!p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True');
const noneDeleting = (s: Captured) => s.pods.every((p) => !p.metadata.deletionTimestamp);
const cordonedIn = (nodes: Obj[] | undefined) => (nodes ?? []).some((n) => n.metadata.name === DRAINED && n.spec?.unschedulable === true);

/** Either real node (the label both carry), as the scheduler is free to place the pods. */
const onEitherRealNode = (d: Obj): void => {
  d.spec.template.spec.nodeSelector = { [RealNode.label.key]: RealNode.label.value };
};

async function livePods(k: Kubectl, ns: string, name: string): Promise<Obj[]> {
  const pods = (JSON.parse(await k(['get', 'pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] }).items;
  return pods.filter((p) => !p.metadata.deletionTimestamp);
}

async function waitUntil(what: string, timeoutMs: number, f: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Once the working version is out: the second real node runs, Ready and schedulable (a drain
 * scenario needs both nodes; a node left cordoned would place the pods wrong). */
async function secondNodeUp(_ns: string, k: Kubectl): Promise<void> {
  const raw = await k(['get', 'node', DRAINED, '-o', 'json']).catch((e: unknown) => {
    throw new Error(`the drain scenarios need the second real node ${DRAINED}: ${(e as Error).message}`);
  });
  const node = JSON.parse(raw) as Obj;
  if (!podReady(node)) throw new Error(`${DRAINED} is not Ready`);
  if (node.spec?.unschedulable) throw new Error(`${DRAINED} is cordoned already (kubectl uncordon ${DRAINED})`);
}

/** The new version rolled out, one pod on each of `nodes`: what the scenario needs before the drain. */
async function rolledOutOn(k: Kubectl, ns: string, name: string, nodes: string[]): Promise<void> {
  await k(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s']);
  const on = (await livePods(k, ns, name))
    .filter((p) => p.metadata.labels?.['paas.io/deploy-id'] === `v2-${name}`)
    .map((p) => String(p.spec?.nodeName ?? 'no node'))
    .sort();
  if (on.join() !== [...nodes].sort().join()) throw new Error(`${name}: the new pods run on ${on.join(', ') || 'no node'}, not on ${nodes.join(', ')}`);
}

/** `kubectl drain` of the second node, of the scenario's pods only (`--pod-selector`: the other
 * pods on the node stay), bounded by its own --timeout (and kubectl's 180 s). */
const drainArgs = (name: string, timeoutS: number) => [
  'drain',
  DRAINED,
  '--ignore-daemonsets',
  '--delete-emptydir-data',
  '--pod-selector',
  `app=${name}`,
  `--timeout=${timeoutS}s`,
];
/** A drain a budget holds, left running while the failure is captured; never rejects. */
let heldDrain: Promise<void> | undefined;

/** Whatever happened: the scenario's budget deleted (a drain it held then ends), that drain over,
 * the node schedulable again. */
const undrain =
  (budget?: string) =>
  async (ns: string, k: Kubectl): Promise<void> => {
    try {
      if (budget) await k(['delete', 'pdb', budget, '-n', ns, '--ignore-not-found']);
    } finally {
      await heldDrain;
      heldDrain = undefined;
      await k(['uncordon', DRAINED]);
    }
  };

export const Scenarios: Record<string, Scenario> = {
  'image-not-found': {
    note: 'a tag that does not exist: the registry answers manifest unknown',
    breaks: image('paas.local/testapp:1.0.1-typo'),
    ready: both(waiting('ImagePullBackOff'), event('BackOff')),
  },
  'image-registry-unreachable': {
    note: 'a registry that refuses connections',
    breaks: image(`${RealNode.unreachableRegistry}/shop/web:1.0.1`),
    ready: both(waiting('ImagePullBackOff'), event('BackOff')),
  },
  'image-unauthorized': {
    note: 'a private repository without pull credentials: the registry answers 401',
    breaks: image('paas.local/private/web:1.0.1'),
    ready: both(waiting('ImagePullBackOff'), event('BackOff')),
  },
  'image-never-pull': {
    note: 'imagePullPolicy: Never and the image is not on the node',
    breaks: image('paas.local/testapp:1.0.1', 'Never'),
    ready: both(waiting('ErrImageNeverPull'), event('ErrImageNeverPull')),
  },
  crashloop: {
    note: 'the new version exits 1 right after it starts',
    breaks: args('-exit-after', '0s', '-exit-code', '1'),
    ready: both(waiting('CrashLoopBackOff'), event('BackOff', 2)),
  },
  oomkilled: {
    note: 'the new version allocates 200 MiB under a 64Mi memory limit',
    breaks: (_d, c) => {
      c.args = ['-port', '8080', '-alloc-mb', '200'];
      c.resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } };
    },
    ready: both(waiting('CrashLoopBackOff'), lastTerminated('OOMKilled')),
  },
  'config-error-configmap': {
    note: 'env from a ConfigMap that does not exist',
    breaks: (_d, c) => {
      c.envFrom = [{ configMapRef: { name: 'web-config' } }];
    },
    ready: both(waiting('CreateContainerConfigError'), event('Failed', 2)),
  },
  'config-error-secret-key': {
    note: 'env from a Secret that exists but lacks the key',
    before: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { user: 'web' } }],
    breaks: (_d, c) => {
      c.env = [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }];
    },
    ready: both(waiting('CreateContainerConfigError'), event('Failed', 2)),
  },
  'readiness-503': {
    note: 'the new version answers 503 on every path',
    breaks: args('-status', '503'),
    ready: event('Unhealthy', 3),
  },
  'readiness-refused': {
    note: 'the readiness probe targets a port nothing listens on',
    breaks: (_d, c) => {
      c.readinessProbe = { ...c.readinessProbe, httpGet: { path: '/', port: 9090 } };
    },
    ready: event('Unhealthy', 3),
  },
  'readiness-https-redirect': {
    note: 'the new version redirects plain HTTP to HTTPS (Rails force_ssl); the kubelet follows the redirect',
    breaks: args('-redirect-https'),
    ready: event('Unhealthy', 3),
  },
  'liveness-killing': {
    note: 'a liveness probe on a path that answers 503: the kubelet restarts the container',
    breaks: (_d, c) => {
      c.args = ['-port', '8080', '-status', '503'];
      c.livenessProbe = { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 2 };
    },
    ready: both(event('Killing'), restarted),
  },
  'exit-zero-loop': {
    note: 'the new version exits 0 after 2 s (a one-shot job in a Deployment, or a server that returns from main): no port, so no probe; the kubelet restarts it in a back-off all the same',
    breaks: (_d, c) => {
      c.args = ['-port', '8080', '-exit-after', '2s', '-exit-code', '0'];
      delete c.ports;
      delete c.readinessProbe;
    },
    ready: both(lastTerminated('Completed'), (s) => newPods(s).every((p) => statuses(p).some((c) => (c.restartCount ?? 0) >= 2 && !c.state?.running))),
  },
  'exit-zero-running-again': {
    note: 'the new version exits 0 after 30 s, no port and no probe: caught running again after its first exit, while Kubernetes counts it available',
    breaks: (_d, c) => {
      c.args = ['-port', '8080', '-exit-after', '30s', '-exit-code', '0'];
      delete c.ports;
      delete c.readinessProbe;
    },
    ready: both(rolledOut, (s) =>
      newPods(s).some((p) => statuses(p).some((c) => (c.restartCount ?? 0) >= 1 && c.state?.running && c.lastState?.terminated?.reason === 'Completed')),
    ),
  },
  'liveness-probe-errors': {
    note: 'an exec liveness probe (cat /tmp/healthy) on the distroless image, which has no cat: the probe errors, its result is thrown away, the container is never restarted',
    breaks: (_d, c) => {
      c.image = 'paas.local/testapp-distroless:1';
      c.livenessProbe = { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 1, periodSeconds: 2 };
    },
    ready: both(rolledOut, eventMatching('Unhealthy', /^Liveness probe errored/, 3)),
  },
  'readiness-probe-errors': {
    note: 'an exec readiness probe (cat /tmp/ready) on the distroless image, which has no cat: the probe errors and the pod never turns Ready',
    breaks: (_d, c) => {
      c.image = 'paas.local/testapp-distroless:1';
      c.readinessProbe = { exec: { command: ['cat', '/tmp/ready'] }, initialDelaySeconds: 1, periodSeconds: 2 };
    },
    ready: eventMatching('Unhealthy', /^Readiness probe errored/, 3),
  },
  'startup-probe-never': {
    note: 'a startup probe that never passes (the app is never ready in time)',
    breaks: (_d, c) => {
      c.args = ['-port', '8080', '-ready-after', '1h'];
      c.startupProbe = { httpGet: { path: '/', port: 'http' }, periodSeconds: 2, failureThreshold: 3 };
    },
    ready: both(event('Unhealthy', 3), event('Killing')),
  },
  'start-failed-not-found': {
    note: 'a command that is not in the image',
    breaks: (_d, c) => {
      c.command = ['/nope'];
    },
    ready: both(startFailed, event('Failed', 2)),
  },
  'start-failed-not-in-path': {
    note: 'a command name that PATH does not find',
    breaks: (_d, c) => {
      c.command = ['web-server'];
    },
    ready: both(startFailed, event('Failed', 2)),
  },
  'start-failed-exec-format': {
    note: 'an image whose binary was built for another architecture',
    breaks: image('paas.local/testapp-wrong-arch:1'),
    ready: both(
      (s) =>
        newPods(s).length > 0 && newPods(s).every((p) => statuses(p).some((c) => ['CrashLoopBackOff', 'RunContainerError'].includes(c.state?.waiting?.reason))),
      event('BackOff'),
    ),
  },
  'prestop-hook-failed': {
    note: 'an exec sleep preStop on an image with no sleep binary (distroless); the old pods terminate',
    breaks: (d, c) => {
      c.image = 'paas.local/testapp-distroless:1';
      c.lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } };
      d.spec.replicas = 2;
    },
    // The failure shows when the distroless pods themselves are replaced: roll them once more.
    after: async (ns, k) => {
      await k(['rollout', 'status', 'deployment/prestop-hook-failed', '-n', ns, '--timeout=120s']);
      await k(['set', 'env', 'deployment/prestop-hook-failed', '-n', ns, 'VERSION=v3']);
    },
    ready: event('FailedPreStopHook'),
  },
  'scheduling-gated': {
    note: 'the new pods carry a scheduling gate no controller removes',
    breaks: (d) => {
      d.spec.template.spec.schedulingGates = [{ name: 'example.com/quota-check' }];
    },
    ready: (s) => newPods(s).length > 0 && newPods(s).every((p) => p.status?.conditions?.some((c: Obj) => c.reason === 'SchedulingGated')),
  },
  'readiness-gate-pending': {
    note: 'a readiness gate whose condition no controller sets (a load balancer controller would)',
    breaks: (d) => {
      d.spec.template.spec.readinessGates = [{ conditionType: 'target-health.elbv2.k8s.aws/web' }];
    },
    ready: (s) =>
      newPods(s).length > 0 &&
      newPods(s).every(
        (p) => p.status?.containerStatuses?.every((c: Obj) => c.ready) && p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'False'),
      ),
  },
  'service-account-missing': {
    note: 'a ServiceAccount that does not exist: the ReplicaSet cannot create pods',
    breaks: (d) => {
      d.spec.template.spec.serviceAccountName = 'web-deployer';
    },
    ready: event('FailedCreate', 2),
  },
  'priority-class-missing': {
    note: 'a PriorityClass that does not exist: the ReplicaSet cannot create pods',
    breaks: (d) => {
      d.spec.template.spec.priorityClassName = 'business-critical';
    },
    ready: event('FailedCreate', 2),
  },
  evicted: {
    note: 'the new version writes past its ephemeral-storage limit: the kubelet evicts it (before it ever serves, so no replacement turns Ready between two evictions)',
    breaks: (_d, c) => {
      c.command = ['/bin/sh', '-c', '/bin/busybox dd if=/dev/zero of=/tmp/fill bs=1M count=64 && exec /bin/busybox sleep 3600'];
      c.resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { 'ephemeral-storage': '16Mi' } };
    },
    ready: (s) => s.pods.some((p) => p.status?.reason === 'Evicted'),
  },
  'node-not-ready': {
    note: 'the node stops answering mid-rollout (its kubelet frozen with SIGSTOP): the new pod is bound to a node that is not Ready',
    working: onSpareNode,
    breaks: (d, c) => {
      onSpareNode(d);
      c.args = ['-port', '8080', '-ready-after', '20s'];
    },
    after: async (ns, k) => {
      // The new pod is on the node, its container started, not ready yet: then the node goes silent.
      const until = Date.now() + 60_000;
      for (;;) {
        const pods = (JSON.parse(await k(['get', 'pods', '-n', ns, '-l', 'paas.io/deploy-id=v2-node-not-ready', '-o', 'json'])) as { items: Obj[] }).items;
        if (pods.some((p) => p.status?.containerStatuses?.[0]?.state?.running)) break;
        if (Date.now() > until) throw new Error('node-not-ready: the new pod never started');
        await new Promise((r) => setTimeout(r, 500));
      }
      process.kill(kubeletPid(spareNode()), 'SIGSTOP');
    },
    cleanup: async () => {
      process.kill(kubeletPid(spareNode()), 'SIGCONT');
    },
    exclusive: true,
    ready: (s) =>
      s.nodes.some((n) => n.metadata.name === spareNode().name && n.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status !== 'True')),
  },
  'old-pods-long-prestop': {
    note: 'the old pods sleep 600 s in their preStop hook (grace period 660 s): still stopping well after the rollout',
    working: (d, c) => {
      d.spec.template.spec.terminationGracePeriodSeconds = 660;
      c.lifecycle = { preStop: { sleep: { seconds: 600 } } };
    },
    breaks: (d) => {
      d.spec.template.spec.containers[0].env = [{ name: 'VERSION', value: 'v2' }];
    },
    // Gone from the API at once instead of in 10 minutes, so the namespace can go.
    release: async (ns, k) => {
      const pods = JSON.parse(await k(['get', 'pods', '-n', ns, '-l', 'app=old-pods-long-prestop', '-o', 'json'])) as { items: Obj[] };
      for (const p of pods.items.filter((p) => p.metadata.deletionTimestamp)) {
        await k(['delete', 'pod', p.metadata.name, '-n', ns, '--grace-period=0', '--force', '--wait=false']);
      }
    },
    // Asked to stop over 65 s ago (diagnose calls a drain past 60 s long), inside the grace period.
    ready: (s) =>
      s.pods.filter(
        (p) =>
          p.metadata.deletionTimestamp &&
          Date.parse(p.metadata.deletionTimestamp) - (p.metadata.deletionGracePeriodSeconds ?? 0) * 1000 < Date.now() - 65_000 &&
          p.metadata.labels?.['paas.io/deploy-id']?.startsWith('v1-'),
      ).length === s.deployment.spec.replicas && newPods(s).every((p) => p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True')),
  },
  'old-pods-stuck-terminating': {
    note: 'the old pods carry a finalizer nobody removes: they stay Terminating after the rollout',
    breaks: (d) => {
      d.spec.template.spec.containers[0].env = [{ name: 'VERSION', value: 'v2' }];
    },
    afterWorking: async (ns, k, name) => {
      // A finalizer on each running pod, as a controller that never finishes would leave.
      const pods = JSON.parse(await k(['get', 'pods', '-n', ns, '-l', `app=${name}`, '-o', 'json'])) as { items: Obj[] };
      for (const p of pods.items) {
        await k([
          'patch',
          'pod',
          p.metadata.name,
          '-n',
          ns,
          '--type',
          'merge',
          '-p',
          JSON.stringify({ metadata: { finalizers: ['example.com/drain-connections'] } }),
        ]);
      }
    },
    release: async (ns, k) => {
      const pods = JSON.parse(await k(['get', 'pods', '-n', ns, '-o', 'json'])) as { items: Obj[] };
      for (const p of pods.items) {
        if (p.metadata.finalizers?.length) await k(['patch', 'pod', p.metadata.name, '-n', ns, '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}']);
      }
    },
    // Stuck, not just stopping: 35 s past the moment their grace period ended (the deletionTimestamp),
    // beyond the 30 s diagnose allows a pod to finish stopping.
    ready: (s) =>
      s.pods.filter(
        (p) =>
          p.metadata.deletionTimestamp &&
          Date.parse(p.metadata.deletionTimestamp) < Date.now() - 35_000 &&
          p.metadata.labels?.['paas.io/deploy-id']?.startsWith('v1-'),
      ).length === s.deployment.spec.replicas && newPods(s).every((p) => p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True')),
  },
  'drain-blocked': {
    note: "a PodDisruptionBudget of the user's (minAvailable 2) over both replicas, one on each real node: `kubectl drain paas-node-2` cordoned the node and waits, the budget allowing 0 disruptions",
    // No pod of the working version: the new ones are the only ones the spread counts.
    working: (d) => {
      d.spec.replicas = 0;
    },
    // The spread paas-webhook writes, made DoNotSchedule: one replica on each real node, for sure.
    breaks: (d) => {
      d.spec.replicas = 2;
      onEitherRealNode(d);
      d.spec.template.spec.topologySpreadConstraints = [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: d.metadata.name } },
          matchLabelKeys: ['pod-template-hash'],
        },
      ];
    },
    afterWorking: secondNodeUp,
    after: async (ns, k) => {
      await rolledOutOn(k, ns, 'drain-blocked', [RealNode.name, DRAINED]);
      const budget = {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'drain-blocked-pdb' },
        spec: { minAvailable: 2, selector: { matchLabels: { app: 'drain-blocked' } } },
      };
      await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(budget));
      await waitUntil('the disruption controller to count drain-blocked-pdb', 60_000, async () => {
        const b = JSON.parse(await k(['get', 'pdb', 'drain-blocked-pdb', '-n', ns, '-o', 'json'])) as Obj;
        return (b.status?.observedGeneration ?? 0) >= b.metadata.generation && b.status?.expectedPods === 2 && b.status?.disruptionsAllowed === 0;
      });
      // Left running (each eviction refused, retried every 5 s) until cleanup deletes the budget.
      heldDrain = k(drainArgs('drain-blocked', 120)).then(
        () => undefined,
        () => undefined,
      );
    },
    cleanup: undrain('drain-blocked-pdb'),
    exclusive: true,
    ready: (s) =>
      rolledOut(s) &&
      noneDeleting(s) &&
      newPods(s).some((p) => p.spec?.nodeName === DRAINED) &&
      cordonedIn(s.cordoned) &&
      (s.budgets ?? []).some((b) => b.metadata.name === 'drain-blocked-pdb' && b.status?.disruptionsAllowed === 0 && b.status?.currentHealthy === 2),
  },
  'drain-single-replica': {
    note: "one replica, on paas-node-2 (a required anti-affinity to its own app kept it off the working version's node), and paas-node-2 cordoned as a drain begins; no budget selects it",
    working: (d) => {
      d.spec.replicas = 1;
    },
    breaks: (d) => {
      d.spec.replicas = 1;
      onEitherRealNode(d);
      d.spec.template.spec.affinity = {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: d.metadata.name } }, topologyKey: 'kubernetes.io/hostname' }],
        },
      };
    },
    afterWorking: secondNodeUp,
    after: async (ns, k) => {
      await rolledOutOn(k, ns, 'drain-single-replica', [DRAINED]);
      await k(['cordon', DRAINED]);
    },
    cleanup: undrain(),
    exclusive: true,
    ready: (s) =>
      rolledOut(s) &&
      noneDeleting(s) &&
      newPods(s).length === 1 &&
      newPods(s)[0]!.spec?.nodeName === DRAINED &&
      cordonedIn(s.cordoned) &&
      s.budgets !== undefined &&
      !s.budgets.some((b) => selectorMatches(b.spec?.selector as JsonValue | undefined, newPods(s)[0]!.metadata.labels ?? {})),
  },
  'spread-do-not-schedule': {
    note: 'a DoNotSchedule topology spread of its own (maxSkew 1 across kubernetes.io/hostname), a replica on each real node; `kubectl drain paas-node-2` evicted the one there, and its replacement stays Pending: on paas-node the skew would be 2, and the cordoned node still counts',
    // No pod of the working version: the spread counts the new ones only, one lands on each node.
    working: (d) => {
      d.spec.replicas = 0;
    },
    breaks: (d) => {
      d.spec.replicas = 2;
      onEitherRealNode(d);
      d.spec.template.spec.topologySpreadConstraints = [
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: d.metadata.name } } },
      ];
    },
    afterWorking: secondNodeUp,
    after: async (ns, k) => {
      await rolledOutOn(k, ns, 'spread-do-not-schedule', [RealNode.name, DRAINED]);
      // Nothing holds this drain: it returns once the pod there is evicted and gone.
      await k(drainArgs('spread-do-not-schedule', 120));
    },
    cleanup: undrain(),
    exclusive: true,
    ready: (s) => {
      const live = newPods(s).filter((p) => !p.metadata.deletionTimestamp);
      const held = (p: Obj) =>
        !p.spec?.nodeName &&
        p.status?.conditions?.some((c: Obj) => c.type === 'PodScheduled' && c.status === 'False' && /topology spread/.test(c.message ?? ''));
      return (
        noneDeleting(s) &&
        live.length === 2 &&
        live.some((p) => p.spec?.nodeName === RealNode.name && podReady(p)) &&
        live.some(held) &&
        event('FailedScheduling')(s) &&
        cordonedIn(s.nodes)
      );
    },
  },
};

export type Kubectl = (args: string[], input?: string) => Promise<string>;

export function kubectlWith(bin: string, kubeconfig: string): Kubectl {
  return (a, input) =>
    new Promise((ok, fail) => {
      const child = execFile(bin, a, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 180_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
        err ? fail(new Error(`kubectl ${a.join(' ')}: ${stderr || err.message}`)) : ok(String(stdout)),
      );
      child.stdin?.end(input ?? '');
    });
}

/** What diagnose would read, as the API server returns it (managedFields dropped: noise); the
 * container logs only `withLogs` (waiting for a failure needs the objects alone). */
export async function capture(k: Kubectl, ns: string, name: string, withLogs = true): Promise<Captured> {
  const items = async (args: string[]) => (JSON.parse(await k([...args, '-o', 'json'])) as { items: Obj[] }).items.map(trim);
  const deployment = trim(JSON.parse(await k(['get', 'deployment', name, '-n', ns, '-o', 'json'])) as Obj);
  const [replicaSets, pods, events, quotas, nodes, budgets] = await Promise.all([
    items(['get', 'replicasets', '-n', ns, '-l', `app=${name}`]),
    items(['get', 'pods', '-n', ns, '-l', `app=${name}`]),
    items(['get', 'events', '-n', ns]),
    items(['get', 'resourcequotas', '-n', ns]),
    items(['get', 'nodes']),
    items(['get', 'poddisruptionbudgets', '-n', ns]),
  ]);
  const logs = withLogs ? await logsOf(k, ns, pods) : [];
  // diagnose reads every node when a pod could not be scheduled, and otherwise the nodes of the
  // pods that are not ready (is their node itself not Ready?): so does the fixture.
  const unschedulable = pods.some((p) => p.status?.conditions?.some((c: Obj) => c.type === 'PodScheduled' && c.status === 'False'));
  const notReadyOn = new Set(
    pods.filter((p) => !p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True')).map((p) => p.spec?.nodeName),
  );
  return {
    deployment,
    replicaSets,
    pods,
    events,
    quotas,
    ...drainReads(deployment, pods, budgets, nodes),
    nodes: unschedulable ? nodes : nodes.filter((n) => notReadyOn.has(n.metadata.name)),
    logs,
  };
}

/** What diagnose reads for a node drain (gather.ts, readDrain): the namespace's budgets once a pod
 * is bound to a node; the cordoned nodes its pods are on only when a budget selecting them allows
 * no disruption, or the Deployment runs one replica. */
function drainReads(deployment: Obj, pods: Obj[], budgets: Obj[], nodes: Obj[]): Pick<Captured, 'budgets' | 'cordoned'> {
  const bound = new Set(pods.filter((p) => !p.metadata.deletionTimestamp && p.spec?.nodeName).map((p) => p.spec.nodeName as string));
  if (bound.size === 0) return {};
  const holding = budgets.some(
    (b) => b.status?.disruptionsAllowed === 0 && pods.some((p) => selectorMatches(b.spec?.selector as JsonValue | undefined, p.metadata.labels ?? {})),
  );
  if (!holding && (deployment.spec?.replicas ?? 1) !== 1) return { budgets };
  const cordoned = nodes.filter((n) => n.spec?.unschedulable === true && bound.has(n.metadata.name));
  return { budgets, ...(cordoned.length > 0 ? { cordoned } : {}) };
}

/** The last 20 lines of each container of the pods that are not ready and have run: the previous
 * run's when the container restarted (where a crash says why), else the current one's. */
export async function logsOf(k: Kubectl, ns: string, pods: Obj[]): Promise<ContainerLog[]> {
  const out: ContainerLog[] = [];
  for (const p of pods) {
    const ready = p.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True');
    const restarted = (p.status?.containerStatuses ?? []).some((c: Obj) => (c.restartCount ?? 0) > 0);
    // As diagnose reads them: pods not ready, and ready ones whose containers restarted.
    if (p.metadata.deletionTimestamp || (ready && !restarted)) continue;
    for (const cs of (p.status?.containerStatuses ?? []) as Obj[]) {
      const previous = (cs.restartCount ?? 0) > 0;
      if (!previous && !cs.state?.running) continue;
      // Bounded: a container being killed must not hold the capture.
      const args = ['logs', p.metadata.name, '-n', ns, '-c', cs.name, '--tail=20', '--request-timeout=20s', ...(previous ? ['--previous'] : [])];
      const text = await k(args).catch(() => undefined);
      if (text !== undefined) out.push({ pod: p.metadata.name, container: cs.name, previous, lines: text.split('\n').filter((l) => l !== '') });
    }
  }
  return out;
}

function trim(o: Obj): Obj {
  if (o.metadata) delete o.metadata.managedFields;
  return o;
}

/** What a scenario that timed out looked like at the end: each pod's containers and the
 * scenario's own events, in a line (the failure message is all CI shows). */
function seen(s: Captured): string {
  const pods = s.pods.map((p) => {
    const cs = statuses(p).map((c) => {
      const state = Object.keys(c.state ?? {})[0] ?? '?';
      const why = c.state?.[state]?.reason ?? '';
      const last = c.lastState?.terminated?.reason;
      return `${c.name}=${state}${why ? `:${why}` : ''}${last ? ` (last ${last})` : ''} restarts ${c.restartCount ?? 0}`;
    });
    return `${p.metadata.name}${p.metadata.deletionTimestamp ? ' (deleting)' : ''} on ${p.spec?.nodeName ?? 'no node'} ${p.status?.phase ?? '?'} [${cs.join(', ')}]`;
  });
  const events = ownEvents(s).map((e) => `${e.reason} x${e.count ?? 1}`);
  const st = s.deployment.status ?? {};
  const drain = [
    ...(s.cordoned ? [`cordoned: ${s.cordoned.map((n) => n.metadata.name).join(', ') || 'none'}`] : []),
    ...(s.budgets ? [`budgets: ${s.budgets.map((b) => `${b.metadata.name} allows ${b.status?.disruptionsAllowed ?? '?'}`).join(', ') || 'none'}`] : []),
  ];
  return `deployment updated ${st.updatedReplicas ?? 0}/${s.deployment.spec.replicas} available ${st.availableReplicas ?? 0}; pods: ${pods.join('; ') || 'none'}; events: ${events.join(', ') || 'none'}${drain.map((d) => `; ${d}`).join('')}`;
}

/**
 * Rolls the scenario's working version out, breaks it, and waits until the failure shows;
 * returns what the API server held at that moment. `replicas` sizes both versions.
 */
export async function breakRollout(k: Kubectl, ns: string, name: string, sc: Scenario, replicas = 2): Promise<Captured> {
  for (const o of sc.before ?? []) await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(o));
  const working = base(name, `v1-${name}`, replicas);
  sc.working?.(working, working.spec.template.spec.containers[0]);
  await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(working));
  await k(['rollout', 'status', `deployment/${name}`, '-n', ns, '--timeout=150s']);
  await sc.afterWorking?.(ns, k, name);
  const broken = base(name, `v2-${name}`, replicas);
  sc.breaks(broken, broken.spec.template.spec.containers[0]);
  await k(['apply', '-n', ns, '-f', '-'], JSON.stringify(broken));
  try {
    await sc.after?.(ns, k);
    const deadline = Date.now() + 240_000;
    for (;;) {
      const now = await capture(k, ns, name, false);
      if (sc.ready(now)) return { ...now, logs: await logsOf(k, ns, now.pods) };
      if (Date.now() > deadline) throw new Error(`${name}: the failure did not show within 240 s; last seen: ${seen(now)}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  } finally {
    await sc.cleanup?.(ns, k);
  }
}
