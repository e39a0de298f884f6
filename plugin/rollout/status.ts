// The rollout state of one Deployment: a pure function of the Deployment, its ReplicaSets and
// pods, and the clock. Checks run in kubectl's DeploymentStatusViewer order, so the two agree
// wherever kubectl answers; on top, a paused Deployment is reported (kubectl hangs), and a
// rollout that cannot succeed (ReplicaFailure, every new pod on a permanent error) fails fast.
import {
  conditionOf,
  generationObserved,
  progressDeadline,
  ProgressingReason,
  replicaCounts,
  replicaWait,
  WaitStep,
  type ProgressDeadline,
  type ReplicaCounts,
} from '../kube/deployment-status.js';
import { ConditionStatus, ConditionType, timeMs, type Condition, type Deployment, type Pod, type ReplicaSet } from '../kube/objects.js';
import { deployIdOf, isTerminating, podsOfReplicaSet, revisionOf, splitReplicaSets } from '../kube/replica-sets.js';
import { ExitCode as EXIT } from '../../core/errors.js';
import { MESSAGE_WORD, WorkloadKind } from '../kube/workloads.js';
import { podProblems, type PodProblem } from './pod-problems.js';
import type { Rollback } from './rollback-record.js';

/** The rollout's state (JSON `rollout_status`). */
export const RolloutState = {
  InProgress: 'InProgress',
  Completed: 'Completed',
  Failed: 'Failed',
  Timeout: 'Timeout',
  Paused: 'Paused',
} as const;
export type RolloutState = (typeof RolloutState)[keyof typeof RolloutState];

/** The platform's status word (JSON `status`). */
export const PlatformStatus = {
  deploying: 'deploying',
  ready: 'ready',
  failed: 'failed',
  timeout: 'timeout',
} as const;
export type PlatformStatus = (typeof PlatformStatus)[keyof typeof PlatformStatus];

/** Machine-readable reasons the view gives besides the controller's and kubelet's own. */
export const Reason = {
  ...WaitStep,
  Completed: ProgressingReason.NewReplicaSetAvailable,
  DeploymentPaused: ProgressingReason.DeploymentPaused,
  ProgressDeadlineExceeded: ProgressingReason.ProgressDeadlineExceeded,
  RevisionMismatch: 'RevisionMismatch',
  WaitTimeout: 'WaitTimeout',
} as const;

const STATUS_OF: Record<RolloutState, PlatformStatus> = {
  InProgress: PlatformStatus.deploying,
  Paused: PlatformStatus.deploying,
  Completed: PlatformStatus.ready,
  Failed: PlatformStatus.failed,
  Timeout: PlatformStatus.timeout,
};

/** Whether a ReplicaSet is the one the Deployment's template rolls out, or an earlier one. */
export const ReplicaSetRole = { new: 'new', old: 'old' } as const;
export type ReplicaSetRole = (typeof ReplicaSetRole)[keyof typeof ReplicaSetRole];

/** One ReplicaSet of the Deployment, new or old. */
export interface ReplicaSetView {
  name: string;
  role: ReplicaSetRole;
  revision: number | null;
  deployId: string | null;
  images: string[];
  desired: number;
  current: number;
  ready: number;
  available: number;
  /** Pods the ReplicaSet controls in the list read, terminating ones included. */
  pods: number;
  terminating: number;
}

/** The stable view model of one workload's rollout (a Deployment's, a StatefulSet's or a
 * DaemonSet's); `-o json` prints it as is. */
export interface RolloutView {
  kind: WorkloadKind;
  name: string;
  namespace: string;
  /** The new ReplicaSet's paas.io/deploy-id (else the template's); null when unstamped. */
  id: string | null;
  status: PlatformStatus;
  rollout_status: RolloutState;
  /** Machine-readable reason: the controller's, the kubelet's, or one of `Reason`. */
  reason: string;
  /** One human line, worded as kubectl's where kubectl has one. */
  message: string;
  revision: number | null;
  paused: boolean;
  generation: { desired: number | null; observed: number | null };
  images: string[];
  /** As written (`null`: defaulted); `partition` only for a StatefulSet's RollingUpdate. */
  strategy: { type: string; maxSurge: string | number | null; maxUnavailable: string | number | null; partition?: number | null };
  replicas: ReplicaCounts;
  /** The progress deadline while the rollout is under it; null once complete, paused or unset. */
  deadline: ProgressDeadline | null;
  conditions: { type: string; status: string; reason: string | null; message: string | null; lastUpdateTime: string | null }[];
  replicaSets: ReplicaSetView[];
  /** Problems of the new pods (the new ReplicaSet's, or the current revision's of a StatefulSet or
   * DaemonSet): waiting reasons, unschedulable. */
  podProblems: PodProblem[];
  /** With --undo-on-failure once the rollout failed: the rollback (the view stays the failure's). */
  rollback?: Rollback;
}

/** Options of the state function (edges turn flags into these). */
export interface StatusOptions {
  /** --revision: the revision the caller waits for; another one running is an error. */
  revision?: number;
  /** After --undo-on-failure: the lastUpdateTime (ms) of the failed rollout's
   * ProgressDeadlineExceeded condition. The controller keeps that condition until the rollback
   * makes progress; it is no verdict on the rollback. */
  staleDeadlineMs?: number;
}

/** Whether the Deployment's progress deadline is exceeded, a stale condition left out. */
function deadlineExceeded(d: Deployment, opts: StatusOptions): boolean {
  const c = conditionOf(d, ConditionType.Progressing);
  if (c?.reason !== Reason.ProgressDeadlineExceeded) return false;
  return opts.staleDeadlineMs === undefined || timeMs(c.lastUpdateTime) !== opts.staleDeadlineMs;
}

function iso(t: Condition['lastUpdateTime']): string | null {
  const ms = timeMs(t);
  return ms === undefined ? null : new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The images of a pod template's containers. */
export function imagesOf(t: { spec?: { containers?: { image?: string }[] } } | undefined): string[] {
  return (t?.spec?.containers ?? []).map((c) => c.image ?? '').filter(Boolean);
}

function rsView(rs: ReplicaSet, role: ReplicaSetRole, pods: readonly Pod[]): ReplicaSetView {
  const own = podsOfReplicaSet(rs, pods);
  return {
    name: rs.metadata?.name ?? '',
    role,
    revision: revisionOf(rs) ?? null,
    deployId: deployIdOf(rs) ?? null,
    images: imagesOf(rs.spec?.template),
    desired: rs.spec?.replicas ?? 0,
    current: rs.status?.replicas ?? 0,
    ready: rs.status?.readyReplicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    pods: own.length,
    terminating: own.filter(isTerminating).length,
  };
}

/** A view's verdict: its state, reason and message. */
export interface Verdict {
  state: RolloutState;
  reason: string;
  message: string;
}

/** The facts of a view, before its verdict. */
type Facts = Omit<RolloutView, 'kind' | 'name' | 'namespace' | 'id' | 'status' | 'rollout_status' | 'reason' | 'message'>;

// kubectl's DeploymentStatusViewer, step by step, with the additions in between.
function verdict(d: Deployment, who: { name: string; namespace: string }, facts: Facts, opts: StatusOptions): Verdict {
  const { name } = who;
  if (opts.revision !== undefined && opts.revision > 0 && facts.revision !== opts.revision) {
    return {
      state: RolloutState.Failed,
      reason: Reason.RevisionMismatch,
      message: `desired revision (${opts.revision}) is different from the running revision (${facts.revision ?? 'none'})`,
    };
  }
  if (!generationObserved(d)) {
    return { state: RolloutState.InProgress, reason: Reason.GenerationNotObserved, message: 'Waiting for deployment spec update to be observed...' };
  }
  if (deadlineExceeded(d, opts)) {
    return { state: RolloutState.Timeout, reason: Reason.ProgressDeadlineExceeded, message: `deployment "${name}" exceeded its progress deadline` };
  }
  return cannotSucceed(d, name, facts) ?? waiting(who, facts);
}

/** Every new pod (none terminating) stuck on a permanent error: the rollout cannot succeed.
 * `live`: the new pods that are not terminating; `what`: `deployment "web"`. */
export function allNewPodsStuck(what: string, live: number, problems: readonly PodProblem[]): Verdict | undefined {
  const permanent = problems.filter((p) => p.permanent);
  const stuckPods = new Set(permanent.map((p) => p.pod));
  if (live === 0 || stuckPods.size < live) return undefined;
  const first = permanent[0]!;
  const who = stuckPods.size === 1 ? 'the new pod is' : `all ${stuckPods.size} new pods are`;
  return {
    state: RolloutState.Failed,
    reason: first.reason,
    message: `${what} failed: ${who} stuck on ${first.reason}${first.message ? `: ${first.message}` : ''}`,
  };
}

/** The additions to kubectl: a ReplicaSet that cannot create pods, or every new pod stuck on a
 * permanent error, fails at once instead of waiting for the deadline. */
function cannotSucceed(d: Deployment, name: string, facts: Facts): Verdict | undefined {
  const failure = d.status?.conditions?.find((c) => c.type === ConditionType.ReplicaFailure && c.status === ConditionStatus.True);
  if (failure) {
    const reason = failure.reason ?? ConditionType.ReplicaFailure;
    return { state: RolloutState.Failed, reason, message: `deployment "${name}" cannot create pods: ${failure.message ?? reason}` };
  }
  const newRS = facts.replicaSets.find((r) => r.role === ReplicaSetRole.new);
  return allNewPodsStuck(`deployment "${name}"`, newRS ? newRS.pods - newRS.terminating : 0, facts.podProblems);
}

/** kubectl's remaining steps: rolled out, or the replicas it waits for (paused: waiting for a human). */
function waiting({ name, namespace }: { name: string; namespace: string }, facts: Facts): Verdict {
  const wait = replicaWait(facts.replicas);
  if (!wait) return { state: RolloutState.Completed, reason: Reason.Completed, message: `deployment "${name}" successfully rolled out` };
  if (facts.paused) {
    return {
      state: RolloutState.Paused,
      reason: Reason.DeploymentPaused,
      message: `deployment "${name}" is paused: ${wait.message.replace(/\.\.\.$/, '')} (resume with: kubectl rollout resume deployment/${name} -n ${namespace})`,
    };
  }
  return { state: RolloutState.InProgress, reason: wait.step, message: `Waiting for deployment "${name}" rollout to finish: ${wait.message}` };
}

/** A workload's status conditions as the view shows them. */
export function conditionViews(conditions: readonly Condition[] | undefined): RolloutView['conditions'] {
  return (conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason ?? null,
    message: c.message ?? null,
    lastUpdateTime: iso(c.lastUpdateTime),
  }));
}

/** The platform's status word of a state. */
export function platformStatus(state: RolloutState): PlatformStatus {
  return STATUS_OF[state];
}

/** The facts of the view: as the API server says them, and the ReplicaSets and pods. */
function factsOf(deployment: Deployment, replicaSets: readonly ReplicaSet[], pods: readonly Pod[], now: number): Facts {
  const meta = deployment.metadata ?? {};
  const spec = deployment.spec ?? {};
  const st = deployment.status ?? {};
  const { newRS, oldRSs } = splitReplicaSets(deployment, replicaSets);
  const newPods = newRS ? podsOfReplicaSet(newRS, pods).filter((p) => !isTerminating(p)) : [];
  return {
    revision: revisionOf(deployment) ?? null,
    paused: spec.paused === true,
    generation: { desired: meta.generation ?? null, observed: st.observedGeneration ?? null },
    images: imagesOf(spec.template),
    strategy: {
      type: spec.strategy?.type ?? 'RollingUpdate',
      maxSurge: spec.strategy?.rollingUpdate?.maxSurge ?? null,
      maxUnavailable: spec.strategy?.rollingUpdate?.maxUnavailable ?? null,
    },
    replicas: replicaCounts(deployment),
    deadline: spec.paused ? null : progressDeadline(deployment, now),
    conditions: conditionViews(st.conditions),
    replicaSets: [...(newRS ? [rsView(newRS, ReplicaSetRole.new, pods)] : []), ...oldRSs.map((rs) => rsView(rs, ReplicaSetRole.old, pods))],
    podProblems: newPods.flatMap((p) => podProblems(p, now)).sort((a, b) => a.pod.localeCompare(b.pod)),
  };
}

/** The rollout view of one Deployment from its ReplicaSets and pods (any lists; ownership is checked here). */
export function rolloutStatus(
  deployment: Deployment,
  replicaSets: readonly ReplicaSet[],
  pods: readonly Pod[],
  now: number,
  opts: StatusOptions = {},
): RolloutView {
  const name = deployment.metadata?.name ?? '';
  const namespace = deployment.metadata?.namespace ?? '';
  const newRS = splitReplicaSets(deployment, replicaSets).newRS;
  const id = (newRS ? deployIdOf(newRS) : undefined) ?? deployIdOf(deployment) ?? null;
  const facts = factsOf(deployment, replicaSets, pods, now);
  const v = verdict(deployment, { name, namespace }, facts, opts);
  // Key order is the documented JSON order: identity and verdict first, then the facts.
  return {
    kind: WorkloadKind.Deployment,
    name,
    namespace,
    id,
    status: STATUS_OF[v.state],
    rollout_status: v.state,
    reason: v.reason,
    message: v.message,
    ...facts,
    // The deadline runs only while the rollout does (not once terminal or paused).
    deadline: v.state === RolloutState.InProgress ? facts.deadline : null,
  };
}

/** The view once `--timeout` ran out before a terminal state: Timeout, keeping the last facts. */
export function waitTimedOut(view: RolloutView, waited: string): RolloutView {
  if (isTerminal(view.rollout_status)) return view;
  return {
    ...view,
    status: PlatformStatus.timeout,
    rollout_status: RolloutState.Timeout,
    reason: Reason.WaitTimeout,
    message: `timed out after ${waited} waiting for ${MESSAGE_WORD[view.kind]} "${view.name}": ${view.message}`,
  };
}

/** States after which watching longer changes nothing by itself (Paused waits for a human). */
export function isTerminal(state: RolloutState): boolean {
  return state !== RolloutState.InProgress;
}

// Worst first: an error (not found, unreachable) says nothing about the rollout at all.
const SEVERITY: RolloutState[] = [RolloutState.Failed, RolloutState.Timeout, RolloutState.Paused, RolloutState.InProgress, RolloutState.Completed];
const EXIT_OF: Record<RolloutState, number> = {
  Completed: EXIT.ok,
  Failed: EXIT.problems,
  Timeout: EXIT.timeout,
  InProgress: EXIT.inProgress,
  Paused: EXIT.paused,
};

/** The exit code of a run: the worst of its workloads decides (error, Failed, Timeout, Paused,
 * InProgress, Completed); `error`: the exit code of an error met on the way (one went missing,
 * or cannot be followed), which outranks every state. */
export function exitCodeOf(states: readonly RolloutState[], error: number | undefined): number {
  if (error !== undefined) return error;
  const worst = SEVERITY.find((s) => states.includes(s));
  return worst ? EXIT_OF[worst] : EXIT.ok;
}

/** The worst state of several (Completed for none). */
export function worstState(states: readonly RolloutState[]): RolloutState {
  return SEVERITY.find((s) => states.includes(s)) ?? RolloutState.Completed;
}
