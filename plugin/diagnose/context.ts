// What every detector of diagnose reads besides the object it looks at: the workload (a
// Deployment, StatefulSet or DaemonSet), the clock, the events of each object, and the facts the
// suggested commands name. Built once per diagnosis by analyse.ts or analyse-sets.ts. Pure.
import { LABEL } from '../../core/names.js';
import { CONTROLLER_REVISION_HASH } from '../kube/revisions.js';
import type { WorkloadKind } from '../kube/workloads.js';
import type { EventRecord } from './events.js';
import { time } from './events.js';
import type { Container, ContainerLog, Pod, ResourceQuota, WorkloadObject } from './model.js';

/** The rollout under diagnosis, as the detectors see it. */
export interface RolloutContext {
  ns: string;
  kind: WorkloadKind;
  /** The workload: its name, pod template and selector. */
  workload: WorkloadObject;
  /** The instant of the diagnosis, ms since the epoch. */
  now: number;
  /** The events of one object: by kind and name, narrowed to its uid when both sides carry one. */
  eventsOf: (kind: string, name: string, uid?: string) => EventRecord[];
  /** The new ReplicaSet's pods (a StatefulSet's or DaemonSet's: all its pods), whose names
   * evidence masks when grouping alike messages. */
  newPodNames: string[];
  deployId?: string;
  /** A StatefulSet's or DaemonSet's current revision: the controller-revision-hash of its up-to-date pods. */
  revisionHash?: string;
  /** The revision `kubectl rollout undo` would go back to (kube/revisions.ts undoTarget); absent at
   * a first revision, where there is nothing to undo. */
  undoTo?: number;
  /** The Deployment's selector as a label query ('' when it has none). */
  selector: string;
  quotas: ResourceQuota[];
  /** Every pod of the workload read (new and old): what a topology spread counts. */
  pods: Pod[];
  /** The log read of one container of one pod, if any (gather.ts reads failing containers'). */
  logOf: (pod: string, container: string) => ContainerLog | undefined;
}

/** The `-n` flag of every suggested command. */
export function nsFlag(ctx: RolloutContext): string {
  return `-n ${ctx.ns}`;
}

/** The label query that finds the rollout's new pods: its deploy-id, else (a StatefulSet's or
 * DaemonSet's) its selector and current revision hash, else the workload's selector. */
export function newPodsSelector(ctx: RolloutContext): string {
  if (ctx.deployId) return `${LABEL.deployId}=${ctx.deployId}`;
  if (ctx.revisionHash) return [ctx.selector, `${CONTROLLER_REVISION_HASH}=${ctx.revisionHash}`].filter(Boolean).join(',');
  return ctx.selector;
}

/** A container of the pod template by name (an init container with `init`). */
export function containerSpec(workload: WorkloadObject, name: string | undefined, init = false): Container | undefined {
  const spec = workload.spec?.template?.spec;
  return (init ? spec?.initContainers : spec?.containers)?.find((c) => c.name === name);
}

/** The container an event's involvedObject.fieldPath names: `spec.containers{app}` is app. */
function containerOfFieldPath(fieldPath: string | undefined): string | undefined {
  return /spec\.(?:initContainers|containers)\{([^}]+)\}/.exec(fieldPath ?? '')?.[1];
}

/** Whether an event concerns the container: it names it, or names no container at all. */
export function aboutContainer(e: EventRecord, container: string): boolean {
  return !e.fieldPath || containerOfFieldPath(e.fieldPath) === container;
}

/** The event seen last, if any. */
export function newest(events: readonly EventRecord[]): EventRecord | undefined {
  return [...events].sort((a, b) => time(b.lastSeen) - time(a.lastSeen))[0];
}
