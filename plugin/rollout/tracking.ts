// Which Deployments `rollout status` follows, and their views at one instant: a pure function of
// the lists the watches keep and the clock. A Deployment that disappears is reported once (not
// found, or deleted while watched) and keeps its last view.
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { isTerminal, rolloutStatus, RolloutState, waitTimedOut, type RolloutView, type StatusOptions } from './status.js';

/** One Deployment followed: its last view, or why it has none any more. */
export interface Tracked {
  name: string;
  view?: RolloutView;
  /** Set once the Deployment is missing: the error line printed for it. */
  missing?: string;
}

/** What the watches hold at one instant. */
export interface Lists {
  deployments: ReadonlyMap<string, Deployment>;
  replicaSets: readonly ReplicaSet[];
  pods: readonly Pod[];
}

/** The Deployments to follow: the names given, else every one listed, by name. */
export function trackedNames(names: readonly string[], listed: ReadonlyMap<string, Deployment>): Tracked[] {
  return (names.length ? [...names] : [...listed.keys()].sort()).map((name) => ({ name }));
}

/** The next state of each followed Deployment, and the error lines of those that went missing now. */
export function retrack(
  tracked: readonly Tracked[],
  lists: Lists,
  at: { now: number; namespace: string },
  opts: StatusOptions,
): { tracked: Tracked[]; errors: string[] } {
  const errors: string[] = [];
  const next = tracked.map((t): Tracked => {
    if (t.missing) return t;
    const d = lists.deployments.get(t.name);
    if (d) return { name: t.name, view: rolloutStatus(d, lists.replicaSets, lists.pods, at.now, opts) };
    const missing = t.view
      ? `deployment "${t.name}" was deleted from namespace "${at.namespace}"`
      : `deployment "${t.name}" not found in namespace "${at.namespace}"`;
    errors.push(missing);
    return { ...t, missing };
  });
  return { tracked: next, errors };
}

/** The followed Deployments once --timeout ran out (`waited`: how long, in words). */
export function timedOut(tracked: readonly Tracked[], waited: string): Tracked[] {
  return tracked.map((t) => (t.view ? { ...t, view: waitTimedOut(t.view, waited) } : t));
}

/** The views of the Deployments that have one, in the order followed. */
export function viewsOf(tracked: readonly Tracked[]): RolloutView[] {
  return tracked.flatMap((t) => (t.view ? [t.view] : []));
}

/** Watching ends at the first Failed rollout, or once every Deployment is terminal or missing. */
export function finished(tracked: readonly Tracked[]): boolean {
  return (
    viewsOf(tracked).some((v) => v.rollout_status === RolloutState.Failed) ||
    tracked.every((t) => t.missing !== undefined || (t.view !== undefined && isTerminal(t.view.rollout_status)))
  );
}
