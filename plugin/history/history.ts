// `kubectl paas rollout history`: every revision a Deployment still holds in ReplicaSets, with its
// deploy-id, images, creation, change-cause, pods now and outcome (outcome.ts); and one revision's
// pod template against the current one. Pure: objects in, the documented view out.
import {
  ConditionStatus,
  ConditionType,
  timeMs,
  timeText,
  type Deployment,
  type KubeEvent,
  type Pod,
  type PodTemplate,
  type ReplicaSet,
} from '../kube/objects.js';
import { deployIdOf, isTerminating, podsOfReplicaSet, POD_TEMPLATE_HASH, revisionOf, revisionsOf, splitReplicaSets } from '../kube/replica-sets.js';
import { rolledBackRecordOf } from '../kube/rolled-back.js';
import { unifiedDiff } from '../lib/line-diff.js';
import { outcomes, scaleHistory, type Held, type Outcome } from './outcome.js';

/** The change-cause annotation kubectl's `rollout history` shows. */
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

/** One revision (JSON `revisions[]`). */
export interface RevisionRow {
  revision: number;
  /** Earlier numbers of the same template (an undo brings it back under a new one). */
  earlierRevisions: number[];
  replicaSet: string;
  deployId: string | null;
  images: string[];
  /** The ReplicaSet's creationTimestamp. */
  created: string | null;
  changeCause: string | null;
  /** Its pods now: not terminating, of which ready, and terminating. */
  pods: { running: number; ready: number; terminating: number };
  outcome: Outcome;
  /** The evidence for the outcome, in one line. */
  evidence: string;
}

/** The history of one Deployment (`rollout history -o json`). */
export interface History {
  name: string;
  namespace: string;
  /** The Deployment's revision now. */
  revision: number | null;
  /** Oldest first, as kubectl lists them. */
  revisions: RevisionRow[];
}

const imagesOf = (t: PodTemplate | undefined): string[] => (t?.spec?.containers ?? []).map((c) => c.image ?? '').filter(Boolean);

const isReady = (p: Pod): boolean => (p.status?.conditions ?? []).some((c) => c.type === ConditionType.Ready && c.status === ConditionStatus.True);

function heldOf(rs: ReplicaSet): Held | undefined {
  const revision = revisionOf(rs);
  if (revision === undefined) return undefined;
  const record = rolledBackRecordOf(rs);
  return {
    name: rs.metadata?.name ?? '',
    revision,
    revisions: revisionsOf(rs),
    created: timeMs(rs.metadata?.creationTimestamp) ?? 0,
    deployId: deployIdOf(rs) ?? null,
    ...(record ? { rolledBackFrom: record } : {}),
  };
}

/** The Deployment's history from its ReplicaSets, their pods and its events (any lists; ownership is checked here). */
export function historyOf(deployment: Deployment, replicaSets: readonly ReplicaSet[], pods: readonly Pod[], events: readonly KubeEvent[]): History {
  const { newRS, oldRSs } = splitReplicaSets(deployment, replicaSets);
  const owned = [...(newRS ? [newRS] : []), ...oldRSs].filter((rs) => revisionOf(rs) !== undefined);
  const held = owned.map(heldOf).filter((h): h is Held => h !== undefined);
  const judged = outcomes(held, newRS?.metadata?.name, scaleHistory(events));
  const rows = owned.map((rs): RevisionRow => {
    const own = podsOfReplicaSet(rs, pods);
    const live = own.filter((p) => !isTerminating(p));
    const j = judged.get(rs.metadata?.name ?? '')!;
    const created = rs.metadata?.creationTimestamp;
    return {
      revision: revisionOf(rs)!,
      earlierRevisions: revisionsOf(rs).slice(0, -1),
      replicaSet: rs.metadata?.name ?? '',
      deployId: deployIdOf(rs) ?? null,
      images: imagesOf(rs.spec?.template),
      created: created === undefined ? null : timeText(created),
      changeCause: rs.metadata?.annotations?.[CHANGE_CAUSE] ?? null,
      pods: { running: live.length, ready: live.filter(isReady).length, terminating: own.length - live.length },
      outcome: j.outcome,
      evidence: j.evidence,
    };
  });
  return {
    name: deployment.metadata?.name ?? '',
    namespace: deployment.metadata?.namespace ?? '',
    revision: revisionOf(deployment) ?? null,
    revisions: rows.sort((a, b) => a.revision - b.revision),
  };
}

/** A pod template without the controller's pod-template-hash label, as the Deployment holds it. */
function withoutHash(t: PodTemplate | undefined): PodTemplate {
  const { [POD_TEMPLATE_HASH]: _hash, ...labels } = t?.metadata?.labels ?? {};
  return { ...t, metadata: { ...t?.metadata, labels } };
}

/** One revision against the current template (`rollout history --revision N`). */
export interface RevisionDetail {
  name: string;
  namespace: string;
  revision: RevisionRow;
  /** The Deployment's revision now. */
  current: number | null;
  /** The revision's pod template (without pod-template-hash). */
  template: PodTemplate;
  /** Unified diff of the revision's template (---) against the Deployment's (+++); '' when equal. */
  diff: string;
}

/** The detail of revision `n`, or the error line when the Deployment holds no such revision. */
export function revisionDetail(
  deployment: Deployment,
  replicaSets: readonly ReplicaSet[],
  history: History,
  n: number,
  yaml: (o: unknown) => string,
): RevisionDetail | { error: string } {
  const row = history.revisions.find((r) => r.revision === n || r.earlierRevisions.includes(n));
  const rs = row && replicaSets.find((x) => x.metadata?.name === row.replicaSet);
  if (!row || !rs)
    return {
      error: `deployment "${history.name}" has no revision ${n} left (revisions held: ${history.revisions.map((r) => r.revision).join(', ') || 'none'})`,
    };
  const template = withoutHash(rs.spec?.template);
  const diff = unifiedDiff(yaml(template), yaml(deployment.spec?.template ?? {}), {
    a: `revision ${row.revision} (replica set ${row.replicaSet})`,
    b: `current (revision ${history.revision ?? '-'})`,
  });
  return { name: history.name, namespace: history.namespace, revision: row, current: history.revision, template, diff };
}
