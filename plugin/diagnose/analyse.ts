// The judgement of `kubectl paas diagnose`: one pure function from a snapshot of a Deployment,
// its ReplicaSets, pods, events, quotas (and nodes) to findings, most likely root cause first.
// No client, no clock: `now` is passed in.
import { splitReplicaSets, podsOfReplicaSet, deployIdOf, revisionOf, DEPLOY_ID_LABEL } from '../kube/replica-sets.js';
import { PULL_REASONS, START_REASONS, STARTING_REASONS, TerminationReason, WaitingReason } from '../kube/container-states.js';
import { pullFailureOf, PullFailure } from '../kube/image-pull.js';
import { generationObserved, isRolledOut, progressDeadline, replicaCounts } from '../kube/deployment-status.js';
import { selectorString } from '../kube/selector.js';
import type { Condition, Container, Deployment, Node, Pod, Probe, ReplicaSet, Snapshot } from './model.js';
import { timeText } from '../kube/objects.js';
import { Code, Severity, Verdict, compareFindings, type Evidence, type Finding } from './findings.js';
import { dedupe, time, toRecord, type EventRecord } from './events.js';
import { podSignature } from './sampling.js';
import {
  parseAdmissionMessage,
  parseConfigMessage,
  parseProbeMessage,
  parseQuantity,
  parseQuotaMessage,
  parseSchedulingMessage,
  parseStartMessage,
  parseVolumeMessage,
  StartFailure,
} from './messages.js';

/** A line of the `--events` timeline. */
export interface TimelineEntry {
  firstSeen?: string;
  lastSeen?: string;
  type: string;
  object: string;
  reason: string;
  count: number;
  message: string;
}

/** The result of diagnose: the verdict, the rollout's figures, findings and the event timeline. */
export interface Diagnosis {
  deployment: {
    namespace: string;
    name: string;
    generation?: number;
    observedGeneration?: number;
    revision?: number;
    deployId?: string;
    newReplicaSet?: string;
    paused: boolean;
  };
  verdict: Verdict;
  replicas: { desired: number; updated: number; ready: number; available: number; old: number };
  /** Seconds until the rollout likely completes, when it is progressing at a measurable pace. */
  estimatedSecondsLeft?: number;
  findings: Finding[];
  timeline: TimelineEntry[];
  /** Limits of what was read (events of only some pods of a very large Deployment). */
  notes: string[];
}

const CONFIG_REASONS: ReadonlySet<string> = new Set([WaitingReason.CreateContainerConfigError]);
// Every waiting reason diagnose judges; any other is reported as such, never taken for progress.
const KNOWN_WAITING = new Set([...STARTING_REASONS, WaitingReason.CrashLoopBackOff, ...PULL_REASONS, ...CONFIG_REASONS, ...START_REASONS]);
// How long after its deletionTimestamp (already "now + grace period") a pod counts as stuck.
const STUCK_TERMINATING_SLACK_S = 30;
// Liveness kills older than this no longer explain anything.
const RECENT_KILL_S = 15 * 60;

interface Ctx {
  ns: string;
  dep: Deployment;
  now: number;
  /** Events by involved object uid, and by kind/name for events without a uid. */
  eventsOf: (kind: string, name: string, uid?: string) => EventRecord[];
  newPodNames: string[];
  deployId?: string;
  selector: string;
}

/** One problem of one pod, before pods with the same problem are grouped. */
interface PodIssue {
  code: Code;
  /** Pods with equal keys group into one finding. */
  key: string;
  /** "ImagePullBackOff (manifest unknown)". */
  label: string;
  severity: Severity;
  details: Record<string, unknown>;
  events: EventRecord[];
  container?: string;
}

function nsFlag(ctx: Ctx): string {
  return `-n ${ctx.ns}`;
}

function logsCommand(ctx: Ctx, previous = false): string {
  const sel = ctx.deployId ? `${DEPLOY_ID_LABEL}=${ctx.deployId}` : ctx.selector;
  return `kubectl logs ${nsFlag(ctx)} -l ${sel} --all-containers${previous ? ' --previous' : ''} --tail=100`;
}

function undoCommand(ctx: Ctx): string {
  return `kubectl rollout undo deployment/${ctx.dep.metadata.name} ${nsFlag(ctx)}`;
}

function describePod(ctx: Ctx, pod: string): string {
  return `kubectl describe pod ${pod} ${nsFlag(ctx)}`;
}

function containerSpec(dep: Deployment, name: string | undefined, init = false): Container | undefined {
  const spec = dep.spec?.template?.spec;
  return (init ? spec?.initContainers : spec?.containers)?.find((c) => c.name === name);
}

function containerOfFieldPath(fieldPath: string | undefined): string | undefined {
  return /spec\.(?:initContainers|containers)\{([^}]+)\}/.exec(fieldPath ?? '')?.[1];
}

function describeProbe(p: Probe | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  const out: Record<string, unknown> = {};
  if (p.httpGet) {
    out.type = 'httpGet';
    out.scheme = p.httpGet.scheme ?? 'HTTP';
    out.path = p.httpGet.path ?? '/';
    out.port = p.httpGet.port;
    if (p.httpGet.httpHeaders?.length) out.headers = p.httpGet.httpHeaders.map((h) => `${h.name}: ${h.value}`);
  } else if (p.tcpSocket) {
    out.type = 'tcpSocket';
    out.port = p.tcpSocket.port;
  } else if (p.exec) {
    out.type = 'exec';
    out.command = p.exec.command ?? [];
  } else if (p.grpc) {
    out.type = 'grpc';
    out.port = p.grpc.port;
  }
  out.initialDelaySeconds = p.initialDelaySeconds ?? 0;
  out.periodSeconds = p.periodSeconds ?? 10;
  out.timeoutSeconds = p.timeoutSeconds ?? 1;
  out.failureThreshold = p.failureThreshold ?? 3;
  return out;
}

function probeText(d: Record<string, unknown> | undefined): string {
  if (!d) return 'no probe in the template';
  const where = d.type === 'httpGet' ? `GET ${d.path} on port ${d.port}` : d.type === 'exec' ? `exec ${(d.command as string[]).join(' ')}` : `${d.type} port ${d.port}`;
  return `${where}, every ${d.periodSeconds}s, timeout ${d.timeoutSeconds}s, ${d.failureThreshold} failures`;
}

// ---- per-pod issues -------------------------------------------------------------------------

function imagePullIssue(ctx: Ctx, pod: Pod, cs: { name: string; image?: string; state?: { waiting?: { reason?: string; message?: string } } }, events: EventRecord[]): PodIssue {
  const waiting = cs.state?.waiting;
  const pullEvents = events.filter(
    (e) =>
      (e.reason === 'Failed' || e.reason === 'BackOff' || e.reason === 'InspectFailed' || e.reason === 'ErrImageNeverPull') &&
      /image|pull/i.test(e.message) &&
      (!e.fieldPath || containerOfFieldPath(e.fieldPath) === cs.name),
  );
  const failMessages = pullEvents.filter((e) => /Failed to pull image|couldn't parse|invalid reference/i.test(e.message));
  const newest = [...failMessages].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0];
  const source = newest?.message ?? waiting?.message ?? '';
  const parsed = pullFailureOf(waiting?.reason, source);
  const image = parsed.image ?? cs.image ?? containerSpec(ctx.dep, cs.name)?.image;
  const detail = parsed.detail ?? parsed.kind;
  return {
    code: Code.ImagePullFailed,
    key: `${parsed.kind}|${image}`,
    label: `${waiting?.reason ?? 'ErrImagePull'} (${detail})`,
    severity: Severity.Error,
    details: { container: cs.name, image, pullFailure: parsed.kind, ...(source ? { kubeletMessage: source } : {}) },
    events: pullEvents,
    container: cs.name,
  };
}

function configIssue(cs: { name: string; state?: { waiting?: { reason?: string; message?: string } } }, events: EventRecord[]): PodIssue {
  const waiting = cs.state?.waiting;
  const related = events.filter((e) => e.reason === 'Failed' && /^Error: /.test(e.message) && !/ErrImagePull|ImagePullBackOff/.test(e.message));
  const text = waiting?.message ?? related[0]?.message ?? '';
  const parsed = parseConfigMessage(text);
  const what = parsed.kind === 'configmap' || parsed.kind === 'secret'
    ? `${parsed.kind === 'configmap' ? 'ConfigMap' : 'Secret'} "${parsed.name}" not found`
    : parsed.kind === 'configmap-key' || parsed.kind === 'secret-key'
      ? `key ${parsed.key} missing in ${parsed.kind === 'configmap-key' ? 'ConfigMap' : 'Secret'} "${parsed.name}"`
      : parsed.reason || (waiting?.reason ?? 'CreateContainerConfigError');
  return {
    code: Code.ConfigError,
    key: `${parsed.kind}|${parsed.name ?? ''}|${parsed.key ?? ''}|${parsed.kind === 'other' ? parsed.reason : ''}`,
    label: `${waiting?.reason ?? 'CreateContainerConfigError'} (${what})`,
    severity: Severity.Error,
    details: { container: cs.name, missing: parsed.kind, ...(parsed.name ? { name: parsed.name } : {}), ...(parsed.key ? { key: parsed.key } : {}), reason: parsed.reason },
    events: related,
    container: cs.name,
  };
}

type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

/** A container the runtime cannot create or start. It never ran, so it has no logs; every
 * attempt fails the same way until the image or the pod template changes. */
function startIssue(ctx: Ctx, cs: ContainerStatus, events: EventRecord[], init = false): PodIssue | undefined {
  if (cs.state?.running) return undefined;
  const waiting = cs.state?.waiting;
  const startWaiting = !!waiting?.reason && START_REASONS.has(waiting.reason);
  // The failed attempt: the state between two attempts, or the last one behind a back-off.
  const term = [cs.state?.terminated, cs.lastState?.terminated].find((t) => t?.reason === TerminationReason.StartError);
  if (!startWaiting && !term) return undefined;
  const mine = (e: EventRecord) => !e.fieldPath || containerOfFieldPath(e.fieldPath) === cs.name;
  const failed = events.filter((e) => mine(e) && e.reason === 'Failed' && /^Error: /.test(e.message) && !/ErrImagePull|ImagePullBackOff/.test(e.message));
  const backoff = events.filter((e) => mine(e) && e.reason === 'BackOff' && /restarting failed container/i.test(e.message));
  const newest = [...failed].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0];
  const message = (startWaiting ? waiting?.message : undefined) ?? term?.message ?? newest?.message.replace(/^Error: /, '') ?? '';
  const parsed = parseStartMessage(message);
  const spec = containerSpec(ctx.dep, cs.name, init);
  const reason = startWaiting ? waiting!.reason! : TerminationReason.StartError;
  // runc wraps its reason in the layers it passed through; the last layer is the telling one.
  const words = parsed.detail ?? (message.replace(/^.*unable to start container process: /, '').replace(/: unknown$/, '') || 'no message from the runtime');
  return {
    code: Code.StartFailed,
    key: `${init}|${cs.name}|${parsed.kind}|${parsed.executable ?? (parsed.kind === StartFailure.Other ? reason : '')}`,
    label: init ? `Init:${reason} (init container ${cs.name}: ${words})` : `${reason} (${words})`,
    severity: Severity.Error,
    details: {
      container: cs.name,
      image: spec?.image ?? cs.image ?? null,
      command: spec?.command ?? null,
      args: spec?.args ?? null,
      reason,
      startFailure: parsed.kind,
      ...(parsed.executable ? { executable: parsed.executable } : {}),
      exitCode: term?.exitCode ?? null,
      runtimeMessage: message,
      restarts: cs.restartCount ?? 0,
      ...(init ? { initContainer: true } : {}),
    },
    events: [...failed, ...backoff],
    container: cs.name,
  };
}

/** A waiting reason diagnose does not judge: said as it is, never taken for progress. */
function unknownWaitingIssue(cs: ContainerStatus, events: EventRecord[], init = false): PodIssue | undefined {
  const waiting = cs.state?.waiting;
  if (!waiting?.reason || KNOWN_WAITING.has(waiting.reason)) return undefined;
  const mine = events.filter((e) => e.type === 'Warning' && (!e.fieldPath || containerOfFieldPath(e.fieldPath) === cs.name));
  return {
    code: Code.UnknownWaitingReason,
    key: `${init}|${cs.name}|${waiting.reason}`,
    label: `${init ? 'Init:' : ''}${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`,
    severity: Severity.Warning,
    details: { container: cs.name, reason: waiting.reason, message: waiting.message ?? null, ...(init ? { initContainer: true } : {}) },
    events: mine,
    container: cs.name,
  };
}

function crashIssue(ctx: Ctx, pod: Pod, cs: ContainerStatus, events: EventRecord[]): PodIssue | undefined {
  const waiting = cs.state?.waiting;
  const term = cs.lastState?.terminated ?? cs.state?.terminated;
  const crashing = waiting?.reason === 'CrashLoopBackOff' || (cs.state?.terminated && (cs.state.terminated.exitCode ?? 0) !== 0);
  const mine = (e: EventRecord) => !e.fieldPath || containerOfFieldPath(e.fieldPath) === cs.name;
  const kills = events.filter((e) => mine(e) && e.reason === 'Killing' && /failed (?:liveness|startup) probe/i.test(e.message));
  const recentKill = kills.some((e) => ctx.now - time(e.lastSeen) < RECENT_KILL_S * 1000);
  const livenessFailures = events.filter((e) => mine(e) && e.reason === 'Unhealthy' && /^(Liveness|Startup) probe/.test(e.message));
  const backoff = events.filter((e) => mine(e) && e.reason === 'BackOff' && /restarting failed container/i.test(e.message));
  if (!crashing && !(recentKill && (cs.restartCount ?? 0) > 0)) return undefined;
  const spec = containerSpec(ctx.dep, cs.name);
  if (term?.reason === 'OOMKilled') {
    const limit = spec?.resources?.limits?.memory;
    return {
      code: Code.OOMKilled,
      key: `${cs.name}`,
      label: `OOMKilled (exit code ${term.exitCode ?? 137}${limit ? `, memory limit ${limit}` : ', no memory limit'})`,
      severity: Severity.Error,
      details: { container: cs.name, exitCode: term.exitCode ?? 137, memoryLimit: limit ?? null, memoryRequest: spec?.resources?.requests?.memory ?? null, restarts: cs.restartCount ?? 0 },
      events: backoff,
      container: cs.name,
    };
  }
  if (kills.length > 0 || (livenessFailures.length > 0 && crashing)) {
    const probeEv = [...livenessFailures].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0];
    const parsed = probeEv ? parseProbeMessage(probeEv.message) : undefined;
    const probe = describeProbe(parsed?.probe === 'startup' ? spec?.startupProbe : spec?.livenessProbe ?? spec?.startupProbe);
    return {
      code: Code.LivenessProbeKilling,
      key: `${cs.name}|${parsed?.kind ?? ''}|${parsed?.statusCode ?? ''}`,
      label: `killed by its ${parsed?.probe ?? 'liveness'} probe (${parsed ? parsed.output.replace(/Get "[^"]*": /, '') : 'failed liveness probe'})`,
      severity: crashing ? Severity.Error : Severity.Warning,
      details: { container: cs.name, probe: parsed?.probe ?? 'liveness', probeSpec: probe ?? null, restarts: cs.restartCount ?? 0, ...(parsed?.statusCode ? { statusCode: parsed.statusCode } : {}) },
      events: [...livenessFailures, ...kills, ...backoff],
      container: cs.name,
    };
  }
  const reason = term?.reason ?? 'Error';
  const exitCode = term?.exitCode;
  return {
    code: Code.CrashLoop,
    key: `${cs.name}|${reason}|${exitCode ?? ''}`,
    label: `${waiting?.reason ?? 'Error'} (last exit: ${reason}, exit code ${exitCode ?? '?'})`,
    severity: Severity.Error,
    details: { container: cs.name, lastTerminationReason: reason, exitCode: exitCode ?? null, restarts: cs.restartCount ?? 0, ...(term?.message ? { terminationMessage: term.message } : {}) },
    events: backoff,
    container: cs.name,
  };
}

function readinessIssue(ctx: Ctx, cs: { name: string }, events: EventRecord[]): PodIssue | undefined {
  const mine = events.filter(
    (e) => (e.reason === 'Unhealthy' || e.reason === 'ProbeWarning') && /^(Readiness|Startup) probe/.test(e.message) && (!e.fieldPath || containerOfFieldPath(e.fieldPath) === cs.name),
  );
  if (mine.length === 0) return undefined;
  const newest = [...mine].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0]!;
  const parsed = parseProbeMessage(newest.message);
  const spec = containerSpec(ctx.dep, cs.name);
  const probeSpec = describeProbe(parsed?.probe === 'startup' ? spec?.startupProbe : spec?.readinessProbe);
  // A failing GET to https:// is only a redirect's trace when the probe itself speaks HTTP.
  const redirect = parsed?.kind === 'redirect' && (parsed.statusCode !== undefined || probeSpec?.scheme !== 'HTTPS');
  const failure = parsed?.kind === 'redirect' && !redirect ? 'other' : parsed?.kind ?? 'other';
  const what = parsed?.statusCode ? `HTTP ${parsed.statusCode}${redirect ? ', a redirect' : ''}` : redirect ? 'redirected to HTTPS' : failure.replace('-', ' ');
  return {
    code: Code.ReadinessProbeFailing,
    key: `${cs.name}|${failure}|${parsed?.statusCode ?? ''}`,
    label: `Running, not Ready: ${parsed?.probe ?? 'readiness'} probe failing (${what})`,
    severity: Severity.Error,
    details: {
      container: cs.name,
      probe: parsed?.probe ?? 'readiness',
      failure,
      ...(parsed?.statusCode ? { statusCode: parsed.statusCode } : {}),
      probeSpec: probeSpec ?? null,
      redirect,
      probeOutput: parsed?.output ?? newest.message,
    },
    events: mine,
    container: cs.name,
  };
}

function podLevelEventIssues(pod: Pod, events: EventRecord[]): PodIssue[] {
  const out: PodIssue[] = [];
  const sandbox = events.filter((e) => e.reason === 'FailedCreatePodSandBox' || e.reason === 'FailedKillPodSandbox');
  if (sandbox.length > 0) {
    const newest = [...sandbox].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0]!;
    const cni = /plugin type="([^"]+)"/.exec(newest.message)?.[1];
    out.push({
      code: Code.SandboxFailed,
      key: cni ?? 'sandbox',
      label: `FailedCreatePodSandBox${cni ? ` (CNI plugin ${cni})` : ''}`,
      severity: Severity.Error,
      details: { ...(cni ? { cniPlugin: cni } : {}), node: pod.spec?.nodeName ?? null, kubeletMessage: newest.message },
      events: sandbox,
    });
  }
  const volume = events.filter((e) => e.reason === 'FailedMount' || e.reason === 'FailedAttachVolume');
  if (volume.length > 0) {
    const newest = [...volume].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0]!;
    const parsed = parseVolumeMessage(newest.reason, newest.message);
    const multi = volume.map((e) => parseVolumeMessage(e.reason, e.message)).find((v) => v?.kind === 'multi-attach');
    const v = multi ?? parsed;
    out.push({
      code: Code.VolumeProblem,
      key: `${v?.kind}|${v?.volume ?? ''}`,
      label: `${newest.reason}${v?.kind === 'multi-attach' ? ` (Multi-Attach: volume ${v.volume ?? ''} in use by ${v.usedBy?.join(', ') ?? 'another pod'})` : v?.volume ? ` (volume ${v.volume})` : ''}`,
      severity: Severity.Error,
      details: { failure: v?.kind ?? 'mount', ...(v?.volume ? { volume: v.volume } : {}), ...(v?.usedBy ? { usedBy: v.usedBy } : {}), node: pod.spec?.nodeName ?? null },
      events: volume,
    });
  }
  return out;
}

function unschedulableIssue(ctx: Ctx, pod: Pod, events: EventRecord[], nodes: Node[] | undefined): PodIssue | undefined {
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (!cond || (cond.reason && cond.reason !== 'Unschedulable')) return undefined;
  const failed = events.filter((e) => e.reason === 'FailedScheduling');
  const newest = [...failed].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0];
  const message = newest?.message ?? cond.message ?? '';
  const parsed = parseSchedulingMessage(message);
  const requests = podRequests(ctx.dep);
  const details: Record<string, unknown> = {
    schedulerMessage: message,
    ...(parsed ? { nodesAvailable: parsed.available, nodesTotal: parsed.total, reasons: parsed.reasons } : {}),
    podRequests: requests,
  };
  if (nodes) details.nodes = nodeFacts(nodes);
  const fits = nodes ? largestFit(requests, nodes) : [];
  if (fits.length > 0) details.exceedsEveryNode = fits;
  const kinds = parsed?.reasons.map((r) => r.kind).sort().join('+') ?? 'unknown';
  const label = parsed ? `Pending: ${parsed.available}/${parsed.total} nodes are available (${parsed.reasons.map((r) => `${r.count} ${r.reason}`).join(', ')})` : `Pending: ${message || 'unschedulable'}`;
  return { code: Code.Unschedulable, key: kinds, label, severity: Severity.Error, details, events: failed };
}

/** Sum of the pod template's container requests (cpu, memory), init containers' max counted as the scheduler does. */
function podRequests(dep: Deployment): Record<string, string> {
  const spec = dep.spec?.template?.spec;
  const out: Record<string, string> = {};
  const sums: Record<string, number> = {};
  for (const c of spec?.containers ?? []) {
    for (const [r, q] of Object.entries(c.resources?.requests ?? {})) {
      const n = parseQuantity(q);
      if (n !== undefined) sums[r] = (sums[r] ?? 0) + n;
    }
  }
  for (const c of spec?.initContainers ?? []) {
    for (const [r, q] of Object.entries(c.resources?.requests ?? {})) {
      const n = parseQuantity(q);
      if (n !== undefined && n > (sums[r] ?? 0)) sums[r] = n;
    }
  }
  for (const [r, n] of Object.entries(sums)) out[r] = formatQuantity(r, n);
  return out;
}

function formatQuantity(resource: string, n: number): string {
  if (resource === 'cpu') return n < 1 ? `${Math.round(n * 1000)}m` : `${Math.round(n * 1000) / 1000}`;
  if (n >= 2 ** 30 && n % 2 ** 30 === 0) return `${n / 2 ** 30}Gi`;
  if (n >= 2 ** 20 && n % 2 ** 20 === 0) return `${n / 2 ** 20}Mi`;
  return String(n);
}

function nodeFacts(nodes: Node[]): Record<string, unknown>[] {
  return nodes.map((n) => ({
    name: n.metadata.name,
    allocatable: { cpu: n.status?.allocatable?.cpu ?? null, memory: n.status?.allocatable?.memory ?? null, pods: n.status?.allocatable?.pods ?? null },
    taints: (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    unschedulable: n.spec?.unschedulable === true,
  }));
}

/** Resources the pod asks more of than any node can allocate at all (it can never fit). */
function largestFit(requests: Record<string, string>, nodes: Node[]): { resource: string; requested: string; largestAllocatable: string }[] {
  const out: { resource: string; requested: string; largestAllocatable: string }[] = [];
  for (const [r, q] of Object.entries(requests)) {
    const want = parseQuantity(q);
    let best: number | undefined;
    let bestText = '';
    for (const n of nodes) {
      const a = parseQuantity(n.status?.allocatable?.[r]);
      if (a !== undefined && (best === undefined || a > best)) {
        best = a;
        bestText = n.status!.allocatable![r]!;
      }
    }
    if (want !== undefined && best !== undefined && want > best) out.push({ resource: r, requested: q, largestAllocatable: bestText });
  }
  return out;
}

function initIssue(ctx: Ctx, pod: Pod, events: EventRecord[]): PodIssue | undefined {
  for (const cs of pod.status?.initContainerStatuses ?? []) {
    if (cs.ready || (cs.state?.terminated && cs.state.terminated.exitCode === 0)) continue;
    const reason = cs.state?.waiting?.reason;
    if (reason && PULL_REASONS.has(reason)) return { ...imagePullIssue(ctx, pod, cs, events), details: { ...imagePullIssue(ctx, pod, cs, events).details, initContainer: true } };
    if (reason && CONFIG_REASONS.has(reason)) return configIssue(cs, events);
    const start = startIssue(ctx, cs, events, true);
    if (start) return start;
    const term = cs.lastState?.terminated ?? cs.state?.terminated;
    if (reason === 'CrashLoopBackOff' || (term && (term.exitCode ?? 0) !== 0)) {
      const exit = term?.exitCode;
      const spec = containerSpec(ctx.dep, cs.name, true);
      return {
        code: Code.InitContainerFailing,
        key: `${cs.name}|${term?.reason ?? ''}|${exit ?? ''}`,
        label: `Init:${reason ?? 'Error'} (init container ${cs.name}: ${term?.reason ?? 'Error'}, exit code ${exit ?? '?'})`,
        severity: Severity.Error,
        details: {
          container: cs.name,
          lastTerminationReason: term?.reason ?? null,
          exitCode: exit ?? null,
          restarts: cs.restartCount ?? 0,
          ...(term?.reason === 'OOMKilled' ? { memoryLimit: spec?.resources?.limits?.memory ?? null } : {}),
        },
        events: events.filter((e) => e.reason === 'BackOff' && (!e.fieldPath || containerOfFieldPath(e.fieldPath) === cs.name)),
        container: cs.name,
      };
    }
    // Still running (or waiting to start): later init containers and the app wait for it.
    return unknownWaitingIssue(cs, events, true);
  }
  return undefined;
}

/** Everything wrong with one new pod; empty when it is fine or still starting normally. */
function podIssues(ctx: Ctx, pod: Pod, nodes: Node[] | undefined): PodIssue[] {
  const events = ctx.eventsOf('Pod', pod.metadata.name, pod.metadata.uid);
  const unsched = unschedulableIssue(ctx, pod, events, nodes);
  if (unsched) return [unsched];
  const init = initIssue(ctx, pod, events);
  if (init) return [init];
  const out: PodIssue[] = [];
  const statuses = pod.status?.containerStatuses ?? [];
  const notRunning = statuses.length === 0 || statuses.some((c) => c.state?.waiting?.reason === 'ContainerCreating' || c.state?.waiting?.reason === 'PodInitializing');
  if (notRunning) out.push(...podLevelEventIssues(pod, events));
  for (const cs of statuses) {
    const reason = cs.state?.waiting?.reason;
    if (reason && PULL_REASONS.has(reason)) {
      out.push(imagePullIssue(ctx, pod, cs, events));
      continue;
    }
    if (reason && CONFIG_REASONS.has(reason)) {
      out.push(configIssue(cs, events));
      continue;
    }
    const start = startIssue(ctx, cs, events);
    if (start) {
      out.push(start);
      continue;
    }
    const crash = crashIssue(ctx, pod, cs, events);
    if (crash) {
      out.push(crash);
      continue;
    }
    if (cs.state?.running && !cs.ready) {
      const r = readinessIssue(ctx, cs, events);
      if (r) out.push(r);
      continue;
    }
    const unknown = unknownWaitingIssue(cs, events);
    if (unknown) out.push(unknown);
  }
  return out;
}

// ---- ReplicaSet / Deployment level ----------------------------------------------------------

function failedCreateFindings(ctx: Ctx, newRS: ReplicaSet | undefined): Finding[] {
  const dep = ctx.dep;
  const rsName = newRS?.metadata.name;
  const want = newRS?.spec?.replicas ?? 0;
  const have = newRS?.status?.replicas ?? 0;
  const rsFailure = newRS?.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const depFailure = dep.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  const active = have < want || !!rsFailure || !!depFailure;
  if (!active) return [];
  const since = time(newRS?.metadata.creationTimestamp);
  const events = [
    ...(newRS ? ctx.eventsOf('ReplicaSet', newRS.metadata.name, newRS.metadata.uid) : []),
    ...ctx.eventsOf('Deployment', dep.metadata.name, dep.metadata.uid),
  ].filter((e) => (e.reason === 'FailedCreate' || e.reason === 'ReplicaSetCreateError') && time(e.lastSeen) >= since);
  const messages = events.map((e) => ({ message: e.message, ev: e as EventRecord | undefined }));
  for (const c of [rsFailure, depFailure]) if (c?.message && !messages.some((m) => m.message.includes(c.message!))) messages.push({ message: c.message, ev: undefined });
  const groups = new Map<string, { code: Code; label: string; details: Record<string, unknown>; events: EventRecord[]; suggestions: string[]; explanation: string }>();
  for (const { message, ev } of messages) {
    const quota = parseQuotaMessage(message);
    const adm = quota ? undefined : parseAdmissionMessage(message);
    let key: string;
    let entry: { code: Code; label: string; details: Record<string, unknown>; events: EventRecord[]; suggestions: string[]; explanation: string };
    if (quota) {
      key = `q|${quota.quota}|${quota.kind}|${Object.keys(quota.requested).join(',')}`;
      const res = Object.keys(quota.requested);
      const figures = res.map((r) => `${r}: requested ${quota.requested[r]}, used ${quota.used[r] ?? '?'}, limited ${quota.limited[r] ?? '?'}`).join('; ');
      entry = {
        code: Code.QuotaExceeded,
        label: quota.kind === 'exceeded' ? `ReplicaSet cannot create pods: exceeded quota ${quota.quota} (${figures})` : `ReplicaSet cannot create pods: quota ${quota.quota} requires ${quota.missing}`,
        details: { quota: quota.quota, kind: quota.kind, requested: quota.requested, used: quota.used, limited: quota.limited, ...(quota.missing ? { mustSpecify: quota.missing } : {}), replicaSet: rsName ?? null, quotaStatus: quotaStatus(ctx, quota.quota) },
        events: [],
        suggestions: [`kubectl describe resourcequota ${quota.quota} ${nsFlag(ctx)}`],
        explanation:
          quota.kind === 'exceeded'
            ? `The ResourceQuota "${quota.quota}" has no room for one more pod. During a rollout maxSurge creates new pods before old ones go, so the namespace needs headroom for the surge pods: raise the quota, lower the pods' requests, or free room in the namespace.`
            : `The ResourceQuota "${quota.quota}" requires every pod to declare ${quota.missing}. Add those requests/limits to the pod template (or a LimitRange with defaults).`,
      };
    } else if (adm) {
      key = `a|${adm.by}|${adm.name ?? ''}`;
      const who = adm.by === 'webhook' ? `admission webhook "${adm.name}"`
        : adm.by === 'webhook-unreachable' ? `admission webhook "${adm.name}" (unreachable)`
        : adm.by === 'pod-security' ? `PodSecurity "${adm.name}"`
        : adm.by === 'validating-admission-policy' ? `ValidatingAdmissionPolicy "${adm.name}" (binding "${adm.binding}")`
        : adm.by === 'limit-range' ? 'LimitRange' : 'admission';
      const sug = adm.by === 'webhook' || adm.by === 'webhook-unreachable'
        ? ['kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations']
        : adm.by === 'pod-security' ? [`kubectl get namespace ${ctx.ns} --show-labels`]
        : adm.by === 'validating-admission-policy' ? [`kubectl get validatingadmissionpolicy ${adm.name} -o yaml`, `kubectl get validatingadmissionpolicybinding ${adm.binding} -o yaml`]
        : adm.by === 'limit-range' ? [`kubectl describe limitrange ${nsFlag(ctx)}`] : [];
      entry = {
        code: Code.AdmissionDenied,
        label: `ReplicaSet cannot create pods: denied by ${who}: ${adm.reason}`,
        details: { by: adm.by, ...(adm.name ? { name: adm.name } : {}), ...(adm.binding ? { binding: adm.binding } : {}), reason: adm.reason, replicaSet: rsName ?? null },
        events: [],
        suggestions: sug,
        explanation: adm.by === 'webhook-unreachable'
          ? `The API server could not call the webhook "${adm.name}" and its failurePolicy is Fail, so no pod can be created. Check the webhook's Service and pods.`
          : `Admission refused the new pods, so the ReplicaSet cannot create them. Change the pod template to satisfy ${who}, or have the policy changed.`,
      };
    } else {
      key = `o|${message.replace(/pods "[^"]*"/g, 'pods')}`;
      entry = {
        code: Code.PodCreateFailed,
        label: `ReplicaSet cannot create pods: ${message.replace(/^Error creating: /, '')}`,
        details: { message, replicaSet: rsName ?? null },
        events: [],
        suggestions: rsName ? [`kubectl describe replicaset ${rsName} ${nsFlag(ctx)}`] : [],
        explanation: 'The ReplicaSet controller cannot create the new pods; the API server refused them.',
      };
    }
    const g = groups.get(key) ?? entry;
    if (ev) g.events.push(ev);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    code: g.code,
    severity: Severity.Error,
    summary: `${Math.max(want - have, 1)} new pod(s) not created: ${g.label}`,
    explanation: g.explanation,
    details: g.details,
    evidence: g.events.length > 0 ? dedupe(g.events, []) : conditionEvidence(dep, newRS),
    pods: [],
    suggestions: [...g.suggestions, ...(rsName ? [`kubectl describe replicaset ${rsName} ${nsFlag(ctx)}`] : [])].filter((s, i, a) => a.indexOf(s) === i),
  }));
}

function conditionEvidence(dep: Deployment, rs: ReplicaSet | undefined): Evidence[] {
  const out: Evidence[] = [];
  const c = rs?.status?.conditions?.find((x) => x.type === 'ReplicaFailure') ?? dep.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
  if (c) out.push(fromCondition(rs ? 'ReplicaSet' : 'Deployment', rs?.metadata.name ?? dep.metadata.name, c, c.reason ?? 'ReplicaFailure', 'Warning'));
  return out;
}

/** A condition as evidence: first seen at its transition, last seen at its last update. */
function fromCondition(kind: string, name: string, c: Condition, reason: string, type: string): Evidence {
  const first = c.lastTransitionTime ?? c.lastUpdateTime;
  const last = c.lastUpdateTime ?? c.lastTransitionTime;
  return { kind, objects: [name], reason, message: c.message ?? '', type, count: 1, ...(first ? { firstSeen: timeText(first) } : {}), ...(last ? { lastSeen: timeText(last) } : {}) };
}

function quotaStatus(ctx: Ctx & { quotas?: Snapshot['quotas'] }, name: string): Record<string, unknown> | null {
  const q = ctx.quotas?.find((x) => x.metadata?.name === name);
  if (!q) return null;
  return { hard: q.status?.hard ?? q.spec?.hard ?? {}, used: q.status?.used ?? {} };
}

function maxSurgeOf(dep: Deployment): number | string {
  return dep.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
}

// ---- explanations and suggestions per pod issue -------------------------------------------

function explain(ctx: Ctx, code: Code, d: Record<string, unknown>): { explanation: string; suggestions: string[] } {
  const undo = undoCommand(ctx);
  switch (code) {
    case Code.ImagePullFailed: {
      const kind = d.pullFailure as string;
      const why =
        kind === PullFailure.NotFound ? `The image ${d.image} does not exist in its registry (wrong tag or repository, or the push has not finished).`
        : kind === PullFailure.Unauthorized ? `The registry refused to serve ${d.image} to the node: the repository is private (add imagePullSecrets to the pod template or its ServiceAccount) or does not exist.`
        : kind === PullFailure.Timeout ? `Pulling ${d.image} timed out: the node cannot reach the registry in time (network, proxy, or a very large image).`
        : kind === PullFailure.InvalidName ? `"${d.image}" is not a valid image reference; fix the image field of the pod template.`
        : kind === PullFailure.NeverPull ? `The image ${d.image} is not on the node, and pulls are disabled for it (imagePullPolicy: Never): the kubelet only runs images already there. Load the image onto every node that may run the pods (kind load, ctr images import, a pre-pull), or set imagePullPolicy: IfNotPresent so the kubelet pulls it.`
        : `The kubelet cannot pull ${d.image}.`;
      const until = kind === PullFailure.NeverPull ? 'the image is on their node' : 'the image can be pulled';
      return { explanation: `${why} The new pods will not start until ${until}.`, suggestions: [undo] };
    }
    case Code.ConfigError: {
      const kind = d.missing as string;
      const sug = kind === 'configmap' || kind === 'configmap-key' ? [`kubectl get configmap ${d.name} ${nsFlag(ctx)} -o yaml`]
        : kind === 'secret' || kind === 'secret-key' ? [`kubectl get secret ${d.name} ${nsFlag(ctx)}`] : [];
      return {
        explanation: `The kubelet cannot build the container's configuration: ${d.reason}. Create the missing object or key in namespace ${ctx.ns} (the pods start by themselves once it exists), or fix the reference in the pod template.`,
        suggestions: [...sug, undo],
      };
    }
    case Code.StartFailed: {
      const argv = [...((d.command as string[] | null) ?? []), ...((d.args as string[] | null) ?? [])];
      const runs = d.command ? `its command ${JSON.stringify(argv)}` : `the image's entrypoint${argv.length ? ` with args ${JSON.stringify(argv)}` : ''}`;
      const kind = d.startFailure as string;
      const why =
        kind === StartFailure.ExecutableNotFound ? `The executable ${d.executable} is not in the image ${d.image}, and the container runs ${runs}. Fix the command in the pod template, or the image's ENTRYPOINT/CMD: a typo, a path from another base image, a binary the build did not copy.`
        : kind === StartFailure.PermissionDenied ? `${d.executable} in the image ${d.image} may not be executed (${runs}): check its mode in the image (chmod +x) and that its volume is not mounted noexec.`
        : kind === StartFailure.NoCommand ? `Neither the image ${d.image} (ENTRYPOINT/CMD) nor the pod template names a command to run. Set command in the pod template, or build the image with an ENTRYPOINT.`
        : `The runtime says: ${d.runtimeMessage || 'nothing'}. Check the image ${d.image} and ${runs}, then the container's mounts and securityContext.`;
      return {
        explanation: `The container runtime cannot start the container ${d.container}${d.initContainer ? ' (an init container)' : ''}. ${why} The container never ran, so it has no logs; every restart fails the same way until the pod template or the image changes.`,
        suggestions: [undo],
      };
    }
    case Code.UnknownWaitingReason:
      return {
        explanation: `The container ${d.container} waits with reason ${d.reason}, which diagnose does not know${d.message ? `; the kubelet says: ${d.message}` : ''}. It is not counted as progress: read the pod's events and status.`,
        suggestions: [],
      };
    case Code.OOMKilled:
      return {
        explanation: `The container ${d.container} used more memory than its limit${d.memoryLimit ? ` (${d.memoryLimit})` : ''} and was killed (exit code 137), then restarted in a back-off loop. Raise resources.limits.memory, or find what grows the app's memory.`,
        suggestions: [logsCommand(ctx, true), undo],
      };
    case Code.CrashLoop:
      return {
        explanation: `The container ${d.container} keeps exiting (last: ${d.lastTerminationReason}, exit code ${d.exitCode ?? '?'}) and the kubelet restarts it with a growing back-off. Its logs of the previous run say why.`,
        suggestions: [logsCommand(ctx, true), undo],
      };
    case Code.LivenessProbeKilling:
      return {
        explanation: `The kubelet kills ${d.container} because its ${d.probe} probe fails (${probeText(d.probeSpec as Record<string, unknown> | undefined)}). The app may be slow to start (add a startupProbe or raise initialDelaySeconds/failureThreshold) or the probe targets the wrong path or port.`,
        suggestions: [logsCommand(ctx, true), undo],
      };
    case Code.ReadinessProbeFailing: {
      const ps = d.probeSpec as Record<string, unknown> | null;
      let why = `The container ${d.container} runs but its ${d.probe} probe fails (${probeText(ps ?? undefined)}), so the pods never become Ready and the rollout cannot move on.`;
      if (d.redirect) {
        why += ` The app answers ${d.statusCode ? `HTTP ${d.statusCode}` : 'with a redirect'}: it probably redirects HTTP to HTTPS. TLS ends before the pod, so make the probe say it came over HTTPS: add httpHeaders X-Forwarded-Proto: https (and X-Forwarded-Ssl: on) to the probe, or probe a path the app serves over plain HTTP.`;
      } else if (d.failure === 'connection-refused') why += ' Nothing listens on the probed port: check the port and that the app binds to 0.0.0.0.';
      else if (d.failure === 'timeout') why += ' The app does not answer within the probe timeout.';
      else if (d.statusCode) why += ` The app answers HTTP ${d.statusCode} on the probe path.`;
      return { explanation: why, suggestions: [logsCommand(ctx), undo] };
    }
    case Code.Unschedulable: {
      const reasons = (d.reasons as { kind: string; reason: string }[] | undefined) ?? [];
      const parts: string[] = [];
      const exceeds = d.exceedsEveryNode as { resource: string; requested: string; largestAllocatable: string }[] | undefined;
      if (exceeds?.length) parts.push(`The pod requests ${exceeds.map((e) => `${e.resource} ${e.requested}, more than the largest node allocates (${e.largestAllocatable})`).join(' and ')}: it can never fit; lower its requests.`);
      const never = !!exceeds?.length;
      if (!never && reasons.some((r) => r.kind.startsWith('insufficient-'))) parts.push('No node has enough free capacity for the pod\'s requests.');
      if (reasons.some((r) => r.kind === 'taint')) parts.push('Some nodes carry taints the pod does not tolerate.');
      if (reasons.some((r) => r.kind === 'affinity' || r.kind === 'anti-affinity')) parts.push('The pod\'s node selector or (anti-)affinity rules exclude nodes.');
      if (!never) parts.push(`With maxSurge ${maxSurgeOf(ctx.dep)} the rollout needs room for one more pod on top of the running ones before any old pod goes: free capacity or add a node.`);
      return { explanation: `The scheduler finds no node for the new pods. ${parts.join(' ')}`, suggestions: ['kubectl describe nodes', undo] };
    }
    case Code.VolumeProblem:
      return {
        explanation:
          d.failure === 'multi-attach'
            ? `The volume ${d.volume ?? ''} is ReadWriteOnce and still attached for the old pod${(d.usedBy as string[] | undefined)?.length ? ` (${(d.usedBy as string[]).join(', ')})` : ''}; a surge pod on another node cannot attach it. A rolling update with surge needs a volume that can attach twice (ReadWriteMany), or use strategy Recreate for this Deployment.`
            : `The kubelet cannot mount the pod's volumes${d.volume ? ` (${d.volume})` : ''}; the containers will not start until it can.`,
        suggestions: [`kubectl get pvc ${nsFlag(ctx)}`],
      };
    case Code.SandboxFailed:
      return {
        explanation: `The container runtime cannot create the pod's sandbox${d.cniPlugin ? ` (network plugin ${d.cniPlugin})` : ''} on node ${d.node ?? '?'}: a node or CNI problem, not the app's.`,
        suggestions: [d.node ? `kubectl describe node ${d.node}` : 'kubectl get nodes'],
      };
    case Code.InitContainerFailing:
      return {
        explanation: `The init container ${d.container} fails (${d.lastTerminationReason ?? 'Error'}, exit code ${d.exitCode ?? '?'}), so the app containers never start.`,
        suggestions: [logsCommand(ctx, true), undo],
      };
    default:
      return { explanation: '', suggestions: [] };
  }
}

function groupPodIssues(ctx: Ctx, issues: { pod: string; issue: PodIssue }[], total: number): Finding[] {
  const groups = new Map<string, { issue: PodIssue; pods: string[]; events: EventRecord[] }>();
  for (const { pod, issue } of issues) {
    const k = `${issue.code}\u0000${issue.key}`;
    const g = groups.get(k) ?? { issue, pods: [], events: [] };
    if (!g.pods.includes(pod)) g.pods.push(pod);
    g.events.push(...issue.events);
    groups.set(k, g);
  }
  return [...groups.values()].map(({ issue, pods, events }) => {
    const { explanation, suggestions } = explain(ctx, issue.code, issue.details);
    pods.sort();
    return {
      code: issue.code,
      severity: issue.severity,
      summary: `${pods.length}/${total} new pods: ${issue.label}`,
      explanation,
      details: issue.details,
      evidence: dedupe(events, ctx.newPodNames),
      pods,
      suggestions: [describePod(ctx, pods[0]!), ...suggestions],
    };
  });
}

function stuckTerminating(ctx: Ctx, pods: Pod[]): Finding | undefined {
  const stuck = pods.filter((p) => {
    const del = time(p.metadata.deletionTimestamp);
    return del > 0 && ctx.now - del > STUCK_TERMINATING_SLACK_S * 1000;
  });
  if (stuck.length === 0) return undefined;
  const names = stuck.map((p) => p.metadata.name).sort();
  const finalizers = [...new Set(stuck.flatMap((p) => p.metadata.finalizers ?? []))];
  const nodes = [...new Set(stuck.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
  const oldest = Math.min(...stuck.map((p) => time(p.metadata.deletionTimestamp)));
  const events = stuck.flatMap((p) => ctx.eventsOf('Pod', p.metadata.name, p.metadata.uid)).filter((e) => e.type === 'Warning' || e.reason === 'Killing');
  return {
    code: Code.OldPodsNotTerminating,
    severity: Severity.Warning,
    summary: `${stuck.length} old pod(s) stuck terminating for ${Math.round((ctx.now - oldest) / 1000)}s past their grace period`,
    explanation: `Pods were asked to stop but are still there${finalizers.length ? `; finalizers ${finalizers.join(', ')} hold them` : ''}${nodes.length ? ` (nodes ${nodes.join(', ')}: check that their kubelets are up)` : ''}. They keep counting against quota and capacity the rollout needs.`,
    details: { pods: names, finalizers, nodes },
    evidence: dedupe(events, names),
    pods: names,
    suggestions: [describePod(ctx, names[0]!), `kubectl get pod ${names[0]} ${nsFlag(ctx)} -o jsonpath='{.metadata.finalizers}'`],
  };
}

function conditionOf(dep: Deployment, type: string) {
  return dep.status?.conditions?.find((c) => c.type === type);
}

// ---- the entry point -------------------------------------------------------------------------

/** Names what is wrong with a Deployment's rollout, most likely root cause first. Pure. */
export function diagnose(s: Snapshot, now: Date): Diagnosis {
  const dep = s.deployment;
  const ns = dep.metadata.namespace ?? 'default';
  const nowMs = now.getTime();
  const byUid = new Map<string, EventRecord[]>();
  const byName = new Map<string, EventRecord[]>();
  const records = s.events.map(toRecord);
  for (const r of records) {
    if (r.uid) byUid.set(r.uid, [...(byUid.get(r.uid) ?? []), r]);
    const k = `${r.kind}/${r.name}`;
    byName.set(k, [...(byName.get(k) ?? []), r]);
  }
  const eventsOf = (kind: string, name: string, uid?: string): EventRecord[] =>
    (byName.get(`${kind}/${name}`) ?? []).filter((r) => !uid || !r.uid || r.uid === uid);

  const owned = s.replicaSets;
  const newRS = splitReplicaSets(dep, owned).newRS;
  const oldRSs = owned.filter((r) => r !== newRS);
  const newPods = newRS ? podsOfReplicaSet(newRS, s.pods) : [];
  const oldPods = s.pods.filter((p) => !newPods.includes(p));
  const deployId = newRS ? deployIdOf(newRS) : deployIdOf(dep);
  const ctx: Ctx & { quotas: Snapshot['quotas'] } = {
    ns,
    dep,
    now: nowMs,
    eventsOf,
    newPodNames: newPods.map((p) => p.metadata.name),
    ...(deployId ? { deployId } : {}),
    selector: selectorString(dep.spec?.selector) ?? '',
    quotas: s.quotas,
  };

  const counts = replicaCounts(dep);
  const desired = counts.desired;
  const replicas = {
    desired,
    updated: counts.updated,
    ready: counts.ready,
    available: counts.available,
    old: oldRSs.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0),
  };

  const findings: Finding[] = [];
  findings.push(...failedCreateFindings(ctx, newRS));

  const live = newPods.filter((p) => !p.metadata.deletionTimestamp);
  // A pod whose events were not read shares the findings of a read pod whose status looks alike.
  const sampled = s.sampled ? new Set(s.sampled.pods) : undefined;
  const bySignature = new Map<string, PodIssue[]>();
  const issuesOf = (p: Pod): PodIssue[] => {
    if (sampled && !sampled.has(p.metadata.name)) {
      const alike = bySignature.get(podSignature(p));
      if (alike) return alike.map((i) => ({ ...i, events: [] }));
    }
    const found = podIssues(ctx, p, s.nodes);
    if (!sampled || sampled.has(p.metadata.name)) bySignature.set(podSignature(p), found);
    return found;
  };
  const ordered = sampled ? [...live.filter((p) => sampled.has(p.metadata.name)), ...live.filter((p) => !sampled.has(p.metadata.name))] : live;
  const issues = ordered.flatMap((p) => issuesOf(p).map((issue) => ({ pod: p.metadata.name, issue })));
  findings.push(...groupPodIssues(ctx, issues, Math.max(live.length, newRS?.spec?.replicas ?? 0)));

  const stuck = stuckTerminating(ctx, s.pods);
  if (stuck) findings.push(stuck);

  const minReady = dep.spec?.minReadySeconds ?? 0;
  if (minReady > 0) {
    const waiting = live.filter((p) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
      return ready && nowMs - time(ready.lastTransitionTime) < minReady * 1000;
    });
    if (waiting.length > 0) {
      const names = waiting.map((p) => p.metadata.name).sort();
      const readySince = Math.max(...waiting.map((p) => time(p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime)));
      findings.push({
        code: Code.WaitingMinReadySeconds,
        severity: Severity.Info,
        summary: `${waiting.length}/${live.length} new pods Ready, counted available after minReadySeconds ${minReady}`,
        explanation: `The Deployment counts a pod available only after it has been Ready for ${minReady}s; the newest became Ready ${Math.round((nowMs - readySince) / 1000)}s ago. Nothing is wrong: wait.`,
        details: { minReadySeconds: minReady },
        evidence: [],
        pods: names,
        suggestions: [`kubectl paas rollout status ${dep.metadata.name} ${nsFlag(ctx)}`],
      });
    }
  }

  const complete = isRolledOut(dep);

  if (dep.spec?.paused) {
    const cond = conditionOf(dep, 'Progressing');
    // Paused with nothing left to roll is a state, not a problem; paused mid-rollout stalls it.
    findings.push({
      code: Code.Paused,
      severity: complete ? Severity.Info : Severity.Warning,
      summary: complete ? 'paused (spec.paused: true), with nothing left to roll out' : 'the rollout is paused (spec.paused: true)',
      explanation: complete
        ? 'Every pod runs the current template. While paused, template changes are not rolled out.'
        : 'A paused Deployment does not roll out template changes and its progress deadline does not run. Resume it when you are ready.',
      details: { paused: true },
      evidence: cond?.reason === 'DeploymentPaused'
        ? [fromCondition('Deployment', dep.metadata.name, cond, cond.reason, 'Normal')]
        : [],
      pods: [],
      suggestions: [`kubectl rollout resume deployment/${dep.metadata.name} ${nsFlag(ctx)}`],
    });
  }

  const progressing = conditionOf(dep, 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    const pds = dep.spec?.progressDeadlineSeconds ?? 600;
    findings.push({
      code: Code.ProgressDeadlineExceeded,
      severity: Severity.Error,
      summary: `no progress for ${pds}s: the Deployment controller marked the rollout failed`,
      explanation: `progressDeadlineSeconds (${pds}) passed without a new pod becoming available. Kubernetes does not roll back by itself: fix the cause (the other findings, or the new pods' logs and events) and apply again, or undo.`,
      details: { progressDeadlineSeconds: pds, since: progressing.lastTransitionTime ? timeText(progressing.lastTransitionTime) : null },
      evidence: [fromCondition('Deployment', dep.metadata.name, progressing, 'ProgressDeadlineExceeded', 'Warning')],
      pods: [],
      suggestions: [undoCommand(ctx)],
    });
  }

  // Old ReplicaSets still holding pods, other than the one the rollout started from: rollouts
  // that a newer template replaced before they finished.
  const withPods = oldRSs.filter((rs) => (rs.status?.replicas ?? 0) > 0);
  if (withPods.length >= 2) {
    const stable = [...withPods].sort((a, b) => (b.status?.availableReplicas ?? 0) - (a.status?.availableReplicas ?? 0) || (revisionOf(a) ?? 0) - (revisionOf(b) ?? 0))[0]!;
    const superseded = withPods.filter((rs) => rs !== stable);
    const revs = superseded.map((rs) => `revision ${revisionOf(rs) ?? '?'}${deployIdOf(rs) ? ` (deploy-id ${deployIdOf(rs)})` : ''}`);
    findings.push({
      code: Code.Superseded,
      severity: Severity.Info,
      summary: `${superseded.length} unfinished rollout(s) replaced by revision ${revisionOf(newRS) ?? '?'}: ${revs.join(', ')}`,
      explanation: 'The Deployment\'s template changed again before the earlier rollout finished; the controller scales the replaced ReplicaSets down and rolls the newest template only.',
      details: { replicaSets: superseded.map((rs) => rs.metadata.name), newReplicaSet: newRS?.metadata.name ?? null },
      evidence: [],
      pods: oldPods.filter((p) => superseded.some((rs) => p.metadata.ownerReferences?.some((o) => o.uid === rs.metadata.uid))).map((p) => p.metadata.name).sort(),
      suggestions: [`kubectl rollout history deployment/${dep.metadata.name} ${nsFlag(ctx)}`],
    });
  }

  const problems = findings.some((f) => f.severity !== Severity.Info);
  let estimatedSecondsLeft: number | undefined;
  if (!problems) {
    if (complete) {
      findings.push({
        code: Code.Healthy,
        severity: Severity.Info,
        summary: `successfully rolled out: ${replicas.available}/${desired} pods available on revision ${revisionOf(dep) ?? '?'}`,
        explanation: 'Every pod runs the current template and is available. Nothing to do.',
        details: {},
        evidence: [],
        pods: [],
        suggestions: [],
      });
    } else {
      estimatedSecondsLeft = estimate(dep, newRS, nowMs);
      const newAvail = newRS?.status?.availableReplicas ?? 0;
      const deadline = progressDeadline(dep, nowMs)?.secondsLeft;
      const waitingFor = !generationObserved(dep)
        ? `waiting for the controller to observe generation ${dep.metadata.generation ?? 0}`
        : `${newAvail}/${desired} new pods available, ${replicas.old} old pod(s) left`;
      findings.push({
        code: Code.Progressing,
        severity: Severity.Info,
        summary: `rolling out normally: ${waitingFor}${estimatedSecondsLeft !== undefined ? `, about ${formatSeconds(estimatedSecondsLeft)} left` : ''}`,
        explanation: `Nothing is wrong so far.${deadline !== undefined ? ` The progress deadline is ${formatSeconds(deadline)} away.` : ''}`,
        details: { ...(estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft } : {}), ...(deadline !== undefined ? { deadlineSecondsLeft: deadline } : {}) },
        evidence: [],
        pods: [],
        suggestions: [`kubectl paas rollout status ${dep.metadata.name} ${nsFlag(ctx)}`],
      });
    }
  }

  findings.sort(compareFindings);
  const verdict = problems ? Verdict.Problems : complete ? Verdict.Healthy : Verdict.Progressing;
  const timeline: TimelineEntry[] = records
    .map((r) => ({
      ...(r.firstSeen ? { firstSeen: r.firstSeen } : {}),
      ...(r.lastSeen ? { lastSeen: r.lastSeen } : {}),
      type: r.type,
      object: `${r.kind}/${r.name}`,
      reason: r.reason,
      count: r.count,
      message: r.message,
    }))
    .sort((a, b) => time(a.firstSeen) - time(b.firstSeen) || time(a.lastSeen) - time(b.lastSeen) || a.object.localeCompare(b.object));
  const notes: string[] = [];
  if (s.sampled) notes.push(`events read for ${s.sampled.pods.length} of the ${s.sampled.of} pods that need a look (a few of each kind); the others share their findings, and evidence counts cover the pods read`);
  return {
    deployment: {
      namespace: ns,
      name: dep.metadata.name,
      ...(dep.metadata.generation !== undefined ? { generation: dep.metadata.generation } : {}),
      ...(dep.status?.observedGeneration !== undefined ? { observedGeneration: dep.status.observedGeneration } : {}),
      ...(revisionOf(dep) !== undefined ? { revision: revisionOf(dep)! } : {}),
      ...(deployId ? { deployId } : {}),
      ...(newRS ? { newReplicaSet: newRS.metadata.name } : {}),
      paused: dep.spec?.paused === true,
    },
    verdict,
    replicas,
    ...(estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft } : {}),
    findings,
    timeline,
    notes,
  };
}

/** Seconds left at the pace so far: time since the new ReplicaSet appeared per available new pod. */
function estimate(dep: Deployment, newRS: ReplicaSet | undefined, now: number): number | undefined {
  const desired = dep.spec?.replicas ?? 1;
  const done = newRS?.status?.availableReplicas ?? 0;
  const started = time(newRS?.metadata.creationTimestamp);
  if (!newRS || done <= 0 || started <= 0 || done >= desired) return done >= desired && newRS ? 0 : undefined;
  const perPod = (now - started) / done;
  return Math.max(0, Math.round(((desired - done) * perPod) / 1000));
}

/** "45s", "3m10s", "1h5m". */
export function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60) ? `${Math.round(s % 60)}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
}
