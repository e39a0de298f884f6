// What every detector of diagnose reads besides the object it looks at: the Deployment, the
// clock, the events of each object, and the facts the suggested commands name. Built once per
// diagnosis by analyse.ts. Pure.
import { LABEL } from '../../core/names.js';
import type { EventRecord } from './events.js';
import { time } from './events.js';
import type { Container, ContainerLog, Deployment, Pod, ResourceQuota } from './model.js';

/** The rollout under diagnosis, as the detectors see it. */
export interface RolloutContext {
  ns: string;
  dep: Deployment;
  /** The instant of the diagnosis, ms since the epoch. */
  now: number;
  /** The events of one object: by kind and name, narrowed to its uid when both sides carry one. */
  eventsOf: (kind: string, name: string, uid?: string) => EventRecord[];
  /** The new ReplicaSet's pods, whose names evidence masks when grouping alike messages. */
  newPodNames: string[];
  deployId?: string;
  /** The Deployment's selector as a label query ('' when it has none). */
  selector: string;
  quotas: ResourceQuota[];
  /** Every pod of the Deployment read (new and old): what a topology spread counts. */
  pods: Pod[];
  /** The log read of one container of one pod, if any (gather.ts reads failing containers'). */
  logOf: (pod: string, container: string) => ContainerLog | undefined;
}

/** The `-n` flag of every suggested command. */
export function nsFlag(ctx: RolloutContext): string {
  return `-n ${ctx.ns}`;
}

/** The label query that finds the rollout's new pods: its deploy-id, else the Deployment's selector. */
export function newPodsSelector(ctx: RolloutContext): string {
  return ctx.deployId ? `${LABEL.deployId}=${ctx.deployId}` : ctx.selector;
}

/** A container of the pod template by name (an init container with `init`). */
export function containerSpec(dep: Deployment, name: string | undefined, init = false): Container | undefined {
  const spec = dep.spec?.template?.spec;
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
