// diagnose suggests `kubectl rollout undo` only when there is an earlier revision to go back to,
// by one rule for every kind (kube/revisions.ts undoTarget, kubectl's: the second-highest recorded
// revision): a Deployment's ReplicaSets, a StatefulSet's or DaemonSet's ControllerRevisions. At a
// first revision kubectl refuses ("no rollout history found", "no last revision to roll back to").
// Every row is a capture from the real node; the one derived row says what it changes.
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../plugin/diagnose/analyse.js';
import { diagnoseDaemonSet, diagnoseStatefulSet } from '../../../plugin/diagnose/analyse-sets.js';
import type { Diagnosis } from '../../../plugin/diagnose/diagnosis.js';
import { revisionOf } from '../../../plugin/kube/replica-sets.js';
import { daemonSetFixture, statefulSetFixture } from '../sets/fixtures.js';
import { loadFixture } from './fixtures.js';

/** The real Deployment at revision 2 (its revision-1 ReplicaSet kept), or with its earlier
 * ReplicaSets gone, as revisionHistoryLimit: 0 leaves them. */
function deployment(history: boolean): Diagnosis {
  const { snapshot, now } = loadFixture('real/image-not-found');
  const newest = Math.max(...snapshot.replicaSets.map((rs) => revisionOf(rs) ?? 0));
  const replicaSets = history ? snapshot.replicaSets : snapshot.replicaSets.filter((rs) => revisionOf(rs) === newest);
  return diagnose({ ...snapshot, replicaSets }, now);
}

function statefulSet(name: 'sts-claim-pending' | 'sts-crashloop-ordinal' | 'sts-image-not-found'): Diagnosis {
  const f = statefulSetFixture(name);
  return diagnoseStatefulSet(f.snapshot, f.now);
}

function daemonSet(name: 'ds-image-not-found'): Diagnosis {
  const f = daemonSetFixture(name);
  return diagnoseDaemonSet(f.snapshot, f.now);
}

describe('kubectl rollout undo is suggested only with an earlier revision to go back to', () => {
  it.each([
    { name: 'a new StatefulSet at revision 1 (one ControllerRevision)', diagnosis: () => statefulSet('sts-claim-pending'), undo: undefined },
    { name: 'a StatefulSet at revision 2, crash-looping', diagnosis: () => statefulSet('sts-crashloop-ordinal'), undo: 'statefulset' },
    { name: 'a StatefulSet at revision 2, its image missing', diagnosis: () => statefulSet('sts-image-not-found'), undo: 'statefulset' },
    { name: 'a DaemonSet at revision 2, its image missing', diagnosis: () => daemonSet('ds-image-not-found'), undo: 'daemonset' },
    { name: 'a Deployment at revision 2, its revision-1 ReplicaSet kept', diagnosis: () => deployment(true), undo: 'deployment' },
    { name: 'the same Deployment with no earlier ReplicaSet left', diagnosis: () => deployment(false), undo: undefined },
  ])('$name: $undo', ({ diagnosis, undo }) => {
    const d = diagnosis();
    const undos = d.findings.flatMap((f) => f.suggestions).filter((s) => s.startsWith('kubectl rollout undo'));
    if (undo === undefined) expect(undos).toEqual([]);
    else expect(undos.length).toBeGreaterThan(0);
    for (const s of undos) expect(s).toMatch(new RegExp(`^kubectl rollout undo ${undo}/[\\w-]+ -n \\S+$`));
  });
});
