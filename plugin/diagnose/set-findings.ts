// Detection of what only StatefulSets and DaemonSets have: a StatefulSet waiting on an ordinal
// that is not Ready (its controller goes one pod at a time), a claim of a volumeClaimTemplate that
// does not bind, pods left on the previous template by updateStrategy OnDelete; and how far a
// rollout of theirs is when nothing is wrong. (A DaemonSet pod that does not fit on its node is a
// pod issue: scheduling.ts.) Pure.
import { EventReason, EventType } from '../kube/event-reasons.js';
import { ConditionStatus, ConditionType } from '../kube/objects.js';
import { CONTROLLER_REVISION_HASH, ordinalOf } from '../kube/revisions.js';
import { describePod, statusCommand } from './commands.js';
import { nsFlag, newest, type RolloutContext } from './context.js';
import type { DetailsByCode } from './details.js';
import { dedupe, time } from './events.js';
import { explainClaimPending, explainOnDelete, explainOrdinal, explainProgressing } from './explain.js';
import { Code, finding, Severity, type Finding } from './findings.js';
import type { PersistentVolumeClaim, Pod, StatefulSet } from './model.js';

const runningAndReady = (p: Pod): boolean =>
  p.status?.phase === 'Running' && !!p.status.conditions?.some((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);

/** The pod a StatefulSet waits on, as its controller walks its pods: OrderedReady, the lowest
 * ordinal that is not Running and Ready (none above it is created or updated until it is);
 * Parallel, during an update, the highest ordinal at or above the partition that is updated and
 * not Ready. `waiting`: the ordinals held behind it (not created, or not updated yet). */
export function blockingOrdinal(sts: StatefulSet, pods: readonly Pod[]): { pod: Pod; ordinal: number; waiting: number[] } | undefined {
  const name = sts.metadata.name;
  const replicas = sts.spec?.replicas ?? 1;
  const update = sts.status?.updateRevision;
  const byOrdinal = new Map<number, Pod>();
  for (const p of pods) {
    const n = ordinalOf(name, p.metadata.name);
    if (n !== undefined && n < replicas) byOrdinal.set(n, p);
  }
  const updated = (n: number) => byOrdinal.get(n)?.metadata.labels?.[CONTROLLER_REVISION_HASH] === update;
  const ordinals = [...Array(replicas).keys()];
  if ((sts.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel') {
    const i = ordinals.find((n) => byOrdinal.has(n) && !runningAndReady(byOrdinal.get(n)!));
    if (i === undefined || ordinals.slice(0, i).some((n) => !byOrdinal.has(n))) return undefined;
    return { pod: byOrdinal.get(i)!, ordinal: i, waiting: ordinals.filter((n) => n !== i && (!byOrdinal.has(n) || !updated(n))) };
  }
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const i = [...ordinals].reverse().find((n) => n >= partition && updated(n) && !runningAndReady(byOrdinal.get(n)!));
  if (i === undefined) return undefined;
  return { pod: byOrdinal.get(i)!, ordinal: i, waiting: ordinals.filter((n) => n >= partition && n !== i && !updated(n)) };
}

/** The ordinal the StatefulSet waits on, when a finding of its pod (`cause`, an error) says why it is not Ready. */
export function ordinalNotReady(ctx: RolloutContext, sts: StatefulSet, pods: readonly Pod[], cause: (pod: string) => string | undefined): Finding | undefined {
  const b = blockingOrdinal(sts, pods);
  const why = b ? cause(b.pod.metadata.name) : undefined;
  if (!b || !why) return undefined;
  const details: DetailsByCode['OrdinalNotReady'] = {
    pod: b.pod.metadata.name,
    ordinal: b.ordinal,
    podManagementPolicy: sts.spec?.podManagementPolicy ?? 'OrderedReady',
    cause: why,
    waiting: b.waiting,
  };
  return finding(Code.OrdinalNotReady, details, {
    severity: Severity.Error,
    summary: `the StatefulSet waits on ${details.pod} (ordinal ${b.ordinal}), not Ready (${why})${b.waiting.length ? `: ordinals ${b.waiting.join(', ')} wait behind it` : ''}`,
    explanation: explainOrdinal(details, sts.metadata.name),
    evidence: [],
    pods: [details.pod],
    suggestions: [describePod(ctx, details.pod), `kubectl delete pod ${details.pod} ${nsFlag(ctx)}`],
  });
}

/** How long a claim may wait for an external provisioner before the wait is a finding. */
const CLAIM_SLACK_S = 120;

/** A claim of a volumeClaimTemplate (`<template>-<set>-<ordinal>`): its template and its pod. */
function claimOwner(sts: StatefulSet, claim: string): { template: string; pod: string } | undefined {
  for (const t of sts.spec?.volumeClaimTemplates ?? []) {
    const prefix = `${t.metadata?.name ?? ''}-${sts.metadata.name}-`;
    if (claim.startsWith(prefix) && /^\d+$/.test(claim.slice(prefix.length)))
      return { template: t.metadata!.name!, pod: `${sts.metadata.name}-${claim.slice(prefix.length)}` };
  }
  return undefined;
}

/** Claims of the StatefulSet's templates that do not bind: a Warning about them (ProvisioningFailed,
 * FailedBinding), or a wait past CLAIM_SLACK_S for anything but its pod's node (WaitForFirstConsumer
 * waits for the scheduler, which has its own reasons). */
export function claimsPending(ctx: RolloutContext, sts: StatefulSet, claims: readonly PersistentVolumeClaim[]): Finding | undefined {
  const stuck = claims.flatMap((c) => {
    if (c.status?.phase === 'Bound') return [];
    const events = ctx.eventsOf('PersistentVolumeClaim', c.metadata.name, c.metadata.uid);
    const last = newest(events.filter((e) => e.type === EventType.Warning)) ?? newest(events);
    const waited = (ctx.now - time(c.metadata.creationTimestamp)) / 1000;
    const warned = last?.type === EventType.Warning;
    if (!warned && (last?.reason === EventReason.WaitForFirstConsumer || waited < CLAIM_SLACK_S)) return [];
    return [{ c, last, events }];
  });
  if (stuck.length === 0) return undefined;
  const details: DetailsByCode['VolumeClaimPending'] = {
    claims: stuck.map(({ c, last }) => {
      const owner = claimOwner(sts, c.metadata.name);
      return {
        name: c.metadata.name,
        template: owner?.template ?? null,
        pod: owner?.pod ?? null,
        phase: c.status?.phase ?? 'Pending',
        storageClass: c.spec?.storageClassName ?? null,
        reason: last?.reason ?? null,
        message: last?.message ?? null,
      };
    }),
  };
  const first = details.claims[0]!;
  const pods = details.claims.flatMap((c) => (c.pod ? [c.pod] : [])).sort();
  return finding(Code.VolumeClaimPending, details, {
    severity: Severity.Error,
    summary: `${stuck.length} volume claim(s) not bound: ${first.name} ${first.phase}${first.reason ? ` (${first.reason}${first.message ? `: ${first.message}` : ''})` : ''}`,
    explanation: explainClaimPending(details),
    evidence: dedupe(
      stuck.flatMap((s) => s.events),
      [],
    ),
    pods,
    suggestions: [`kubectl describe pvc ${first.name} ${nsFlag(ctx)}`, 'kubectl get storageclass'],
  });
}

/** Pods left on the previous template by updateStrategy OnDelete: by design, said. Info. */
export function onDeleteOld(
  ctx: RolloutContext,
  strategy: string | undefined,
  oldPods: readonly Pod[],
  updateRevision: string | undefined,
): Finding | undefined {
  if (strategy !== 'OnDelete' || oldPods.length === 0) return undefined;
  const details = { pods: oldPods.map((p) => p.metadata.name).sort(), updateRevision: updateRevision ?? null };
  return finding(Code.UpdateOnDelete, details, {
    severity: Severity.Info,
    summary: `updateStrategy OnDelete: ${details.pods.length} pod(s) still run the previous template until deleted`,
    explanation: explainOnDelete(details),
    evidence: [],
    pods: details.pods,
    suggestions: [`kubectl delete pod ${details.pods[0]} ${nsFlag(ctx)}`],
  });
}

/** Nothing wrong and not finished: how many pods are updated and Ready, and (a StatefulSet's) the pod it waits on. */
export function setProgressing(ctx: RolloutContext, r: { desired: number; updated: number; ready: number }, observed: boolean, waitingOn?: string): Finding {
  const where = !observed
    ? `waiting for the controller to observe generation ${ctx.workload.metadata.generation ?? 0}`
    : `${r.updated}/${r.desired} pods updated, ${r.ready} ready${waitingOn ? `; waiting for ${waitingOn} to be Ready` : ''}`;
  return finding(
    Code.Progressing,
    { ...(waitingOn ? { waitingOn } : {}) },
    {
      severity: Severity.Info,
      summary: `rolling out normally: ${where}`,
      explanation: explainProgressing(undefined),
      evidence: [],
      pods: waitingOn ? [waitingOn] : [],
      suggestions: [statusCommand(ctx)],
    },
  );
}
