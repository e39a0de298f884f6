// Detection, one new pod at a time: unschedulable first (nothing else can be known), then its init
// containers in order (the app waits for them), then what the pod's own events say while no
// container runs (sandbox, volumes), then each container (container-issues.ts). Pure.
import { EventReason } from '../kube/event-reasons.js';
import { PULL_REASONS, START_REASONS, STARTING_REASONS, TerminationReason, WaitingReason } from '../kube/container-states.js';
import type { ContainerStatus } from '../kube/objects.js';
import { aboutContainer, containerSpec, newest, type RolloutContext } from './context.js';
import {
  configIssue,
  crashIssue,
  execFormatIssue,
  imagePullIssue,
  probeErrorIssue,
  readinessIssue,
  startIssue,
  unknownWaitingIssue,
} from './container-issues.js';
import { ContainerCondition, judgeContainer } from '../kube/pod-state.js';
import type { DetailsByCode } from './details.js';
import type { EventRecord } from './events.js';
import { Code, Severity } from './findings.js';
import { parseVolumeMessage, VolumeFailureKind, type VolumeFailure } from './messages.js';
import type { Node, Pod } from './model.js';
import type { PodIssue, PodIssueOf } from './pod-issue.js';
import { evictedIssue, nodeNotReadyIssue, readinessGatesIssue, schedulingGatedIssue } from './pod-state-issues.js';
import { daemonPodIssue, unschedulableIssue } from './scheduling.js';
import { WorkloadKind } from '../kube/workloads.js';

const CONFIG_REASONS: ReadonlySet<string> = new Set([WaitingReason.CreateContainerConfigError]);
/** Every waiting reason diagnose judges; any other is reported as such, never taken for progress. */
const KNOWN_WAITING: ReadonlySet<string> = new Set([...STARTING_REASONS, WaitingReason.CrashLoopBackOff, ...PULL_REASONS, ...CONFIG_REASONS, ...START_REASONS]);

/** Everything wrong with one new pod; empty when it is fine or still starting normally. */
export function podIssues(ctx: RolloutContext, pod: Pod, nodes: Node[] | undefined): PodIssue[] {
  const events = ctx.eventsOf('Pod', pod.metadata.name, pod.metadata.uid);
  // What the pod's own state says comes first: no container of it can say more.
  const podLevel = evictedIssue(pod, events) ?? schedulingGatedIssue(pod) ?? unschedulableIssue(ctx, pod, events, nodes) ?? nodeNotReadyIssue(pod, nodes);
  // A DaemonSet's pod goes to one node only: why that node does not fit is the whole story.
  if (podLevel?.code === Code.Unschedulable && ctx.kind === WorkloadKind.DaemonSet) return [daemonPodIssue(podLevel, pod, nodes)];
  if (podLevel) return [podLevel];
  const init = initIssue(ctx, pod, events);
  if (init) return [init];
  const statuses = pod.status?.containerStatuses ?? [];
  const starting = statuses.length === 0 || statuses.some((c) => STARTING_REASONS.has(c.state?.waiting?.reason ?? ''));
  const out: PodIssue[] = starting ? podEventIssues(pod, events) : [];
  for (const cs of statuses) {
    const issue = containerIssue(ctx, pod.metadata.name, cs, events);
    if (issue) out.push(issue);
  }
  const gates = out.length === 0 ? readinessGatesIssue(pod) : undefined;
  return gates ? [gates] : out;
}

/** The first thing wrong with an app container, from the one judgement of its state. */
function containerIssue(ctx: RolloutContext, pod: string, cs: ContainerStatus, events: EventRecord[]): PodIssue | undefined {
  const j = judgeContainer(cs, false, ctx.now);
  switch (j.condition) {
    case ContainerCondition.PullFailed:
      return imagePullIssue(ctx, cs, events);
    case ContainerCondition.ConfigError:
      return configIssue(cs, events);
    case ContainerCondition.StartFailed:
      return startIssue(ctx, cs, events);
    case ContainerCondition.Exited:
    case ContainerCondition.Restarting:
      return execFormatIssue(ctx, pod, cs, events) ?? crashIssue(ctx, cs, events, j);
    case ContainerCondition.Unknown:
      return unknownWaitingIssue(cs, events, KNOWN_WAITING);
    case ContainerCondition.Running:
      return (
        crashIssue(ctx, cs, events, j) ?? (cs.ready ? probeErrorIssue(ctx, cs, events) : (readinessIssue(ctx, cs, events) ?? probeErrorIssue(ctx, cs, events)))
      );
    default:
      return undefined;
  }
}

/** The first init container that is not done, and why; the app and later init containers wait for it. */
function initIssue(ctx: RolloutContext, pod: Pod, events: EventRecord[]): PodIssue | undefined {
  const pending = (pod.status?.initContainerStatuses ?? []).find((cs) => !cs.ready && !(cs.state?.terminated && cs.state.terminated.exitCode === 0));
  if (!pending) return undefined;
  const reason = pending.state?.waiting?.reason;
  if (reason && PULL_REASONS.has(reason)) {
    const pull = imagePullIssue(ctx, pending, events);
    return { ...pull, details: { ...pull.details, initContainer: true } };
  }
  if (reason && CONFIG_REASONS.has(reason)) return configIssue(pending, events);
  const start = startIssue(ctx, pending, events, true);
  if (start) return start;
  const term = pending.lastState?.terminated ?? pending.state?.terminated;
  const j = judgeContainer(pending, true, ctx.now);
  if (j.condition === ContainerCondition.Exited || (term && (term.exitCode ?? 0) !== 0)) return initFailing(ctx, pending, term, events);
  // Still running (or waiting to start): later init containers and the app wait for it.
  return unknownWaitingIssue(pending, events, KNOWN_WAITING, true);
}

type Terminated = NonNullable<NonNullable<ContainerStatus['state']>['terminated']>;

function initFailing(ctx: RolloutContext, cs: ContainerStatus, term: Terminated | undefined, events: EventRecord[]): PodIssueOf<'InitContainerFailing'> {
  const exit = term?.exitCode;
  return {
    code: Code.InitContainerFailing,
    key: `${cs.name}|${term?.reason ?? ''}|${exit ?? ''}`,
    label: `Init:${cs.state?.waiting?.reason ?? TerminationReason.Error} (init container ${cs.name}: ${term?.reason ?? TerminationReason.Error}, exit code ${exit ?? '?'})`,
    severity: Severity.Error,
    details: initFailingDetails(ctx, cs, term),
    events: events.filter((e) => e.reason === EventReason.BackOff && aboutContainer(e, cs.name)),
    container: cs.name,
  };
}

function initFailingDetails(ctx: RolloutContext, cs: ContainerStatus, term: Terminated | undefined): DetailsByCode['InitContainerFailing'] {
  const oom =
    term?.reason === TerminationReason.OOMKilled ? { memoryLimit: containerSpec(ctx.workload, cs.name, true)?.resources?.limits?.memory ?? null } : {};
  return { container: cs.name, lastTerminationReason: term?.reason ?? null, exitCode: term?.exitCode ?? null, restarts: cs.restartCount ?? 0, ...oom };
}

/** What the pod's own events say while no container runs yet: its sandbox, its volumes. */
function podEventIssues(pod: Pod, events: EventRecord[]): PodIssue[] {
  const issues: (PodIssue | undefined)[] = [sandboxIssue(pod, events), volumeIssue(pod, events)];
  return issues.filter((i) => i !== undefined);
}

function sandboxIssue(pod: Pod, events: EventRecord[]): PodIssueOf<'SandboxFailed'> | undefined {
  const sandbox = events.filter((e) => e.reason === EventReason.FailedCreatePodSandBox || e.reason === EventReason.FailedKillPodSandbox);
  const last = newest(sandbox);
  if (!last) return undefined;
  const cni = /plugin type="([^"]+)"/.exec(last.message)?.[1];
  return {
    code: Code.SandboxFailed,
    key: cni ?? 'sandbox',
    label: `FailedCreatePodSandBox${cni ? ` (CNI plugin ${cni})` : ''}`,
    severity: Severity.Error,
    details: { ...(cni ? { cniPlugin: cni } : {}), node: pod.spec?.nodeName ?? null, kubeletMessage: last.message },
    events: sandbox,
  };
}

function volumeIssue(pod: Pod, events: EventRecord[]): PodIssueOf<'VolumeProblem'> | undefined {
  const volume = events.filter((e) => e.reason === EventReason.FailedMount || e.reason === EventReason.FailedAttachVolume);
  const last = newest(volume);
  if (!last) return undefined;
  // A Multi-Attach anywhere in the story explains the rest (the mount times out behind it).
  const multi = volume.map((e) => parseVolumeMessage(e.reason, e.message)).find((v) => v?.kind === VolumeFailureKind.MultiAttach);
  const v = multi ?? parseVolumeMessage(last.reason, last.message);
  return {
    code: Code.VolumeProblem,
    key: `${v?.kind}|${v?.volume ?? ''}`,
    label: `${last.reason}${v ? volumeWords(v) : ''}`,
    severity: Severity.Error,
    details: {
      failure: v?.kind ?? VolumeFailureKind.Mount,
      ...(v?.volume ? { volume: v.volume } : {}),
      ...(v?.usedBy ? { usedBy: v.usedBy } : {}),
      node: pod.spec?.nodeName ?? null,
    },
    events: volume,
  };
}

/** " (Multi-Attach: volume data in use by web-1)", " (volume data)" or nothing. */
function volumeWords(v: VolumeFailure): string {
  if (v.kind === VolumeFailureKind.MultiAttach) return ` (Multi-Attach: volume ${v.volume ?? ''} in use by ${v.usedBy?.join(', ') ?? 'another pod'})`;
  return v.volume ? ` (volume ${v.volume})` : '';
}
