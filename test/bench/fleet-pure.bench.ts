// Micro-benchmark: the pure part of the whole-cluster commands, no cluster, in-process. For
// `diagnose -A`: judging 1,000 listed Deployments by their status alone (rolledOutByStatus), the
// diagnosis of 20 stuck snapshots, and the summary, text and DiagnosisList document of the
// result. For `rollout status -A`: one instant's views of 1,000 Deployments with 10,000 pods
// (retrack, which indexes what each owns once per instant), beside the same views computed
// without the index (every Deployment scanning every ReplicaSet and pod), as tracking did before.
// Objects are the unit tests' fixtures, cloned under new names and uids. Best of ROUNDS each.
// Usage: tsx test/bench/fleet-pure.bench.ts
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { diagnose } from '../../plugin/diagnose/analyse.js';
import { fleetDocument, fleetText, rolledOutByStatus, summaryRows, type Fleet, type Listed } from '../../plugin/diagnose/fleet.js';
import type { Snapshot } from '../../plugin/diagnose/model.js';
import type { Deployment, Pod, ReplicaSet } from '../../plugin/kube/objects.js';
import { rolloutStatus } from '../../plugin/rollout/status.js';
import { retrack, type Lists, type Tracked } from '../../plugin/rollout/tracking.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = 7;
const DEPLOYMENTS = 1000;
const PODS_EACH = 10;

function fixture(name: string): { snapshot: Snapshot; now: Date } {
  const doc = parse(readFileSync(join(ROOT, 'test/fixtures/diagnose', `${name}.yaml`), 'utf8')) as { now: string; snapshot: Snapshot };
  return { snapshot: doc.snapshot, now: new Date(doc.now) };
}

/** A copy of a snapshot as Deployment `i` of namespace `ns-<i/10>`: names, namespaces and uids its own. */
function cloneAs(s: Snapshot, i: number): Snapshot {
  const ns = `ns-${Math.floor(i / 10)}`;
  const text = JSON.stringify(s)
    .replace(/"namespace":"[^"]*"/g, `"namespace":"${ns}"`)
    .replace(/"uid":"([0-9a-f-]{24})[0-9a-f]{12}"/g, (_m, head: string) => `"uid":"${head}${String(i).padStart(12, '0')}"`);
  return JSON.parse(text) as Snapshot;
}

/** A rolled-out Deployment of `n` replicas: its serving ReplicaSet's pods copied from the fixture's
 * first pod of it, the counts of the Deployment and that ReplicaSet raised to match. */
function widen(s: Snapshot, n: number): Snapshot {
  const serving = s.replicaSets.find((rs) => (rs.spec?.replicas ?? 0) > 0)!;
  const first = s.pods.find((p) => p.metadata.ownerReferences?.some((o) => o.uid === serving.metadata.uid))!;
  const pods: Snapshot['pods'] = Array.from({ length: n }, (_, k) => {
    const p = structuredClone(first);
    p.metadata.name = `${serving.metadata.name}-${k.toString(36).padStart(5, '0')}`;
    p.metadata.uid = `${p.metadata.uid!.slice(0, 24)}${k.toString(16).padStart(4, '0')}${p.metadata.uid!.slice(28)}`;
    return p;
  });
  const counts = { replicas: n, updatedReplicas: n, readyReplicas: n, availableReplicas: n };
  const deployment = { ...s.deployment, spec: { ...s.deployment.spec, replicas: n }, status: { ...s.deployment.status, ...counts } };
  const replicaSets = s.replicaSets.map((rs) =>
    rs === serving ? { ...rs, spec: { ...rs.spec, replicas: n }, status: { ...rs.status, replicas: n, readyReplicas: n, availableReplicas: n } } : rs,
  );
  return { ...s, deployment, replicaSets, pods };
}

function best(fn: () => void): number {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
}

const healthy = fixture('healthy');
const stuckKinds = ['image-not-found', 'crashloop', 'quota-exceeded', 'unschedulable-cpu', 'config-error-configmap'].map(fixture);
const now = healthy.now;

// diagnose -A: the list, the stuck ones' snapshots.
const stuckAt = new Set(Array.from({ length: 20 }, (_, k) => k * 50 + 7));
const snapshots = Array.from({ length: DEPLOYMENTS }, (_, i) =>
  cloneAs(stuckAt.has(i) ? stuckKinds[[...stuckAt].indexOf(i) % stuckKinds.length]!.snapshot : healthy.snapshot, i),
);
const listed: Listed[] = snapshots.map((s) => ({ kind: 'Deployment', object: s.deployment }));
let toRead: Listed[] = [];
const tList = best(() => {
  toRead = listed.filter((w) => !rolledOutByStatus(w));
});
const stuck = snapshots.filter((s) => toRead.some((w) => w.object === s.deployment));
let fleet: Fleet = { workloads: 0, diagnoses: [], healthyByStatus: 0, notes: [] };
const tDiagnose = best(() => {
  fleet = { workloads: DEPLOYMENTS, diagnoses: stuck.map((s) => diagnose(s, now)), healthyByStatus: DEPLOYMENTS - stuck.length, notes: [] };
});
let bytes = 0;
const tPrint = best(() => {
  summaryRows(fleet.diagnoses);
  bytes = JSON.stringify(fleetDocument(fleet, { events: false, summaryOnly: false }), null, 2).length;
  fleetText(fleet, { color: false, events: false, now, summaryOnly: false, namespaces: true });
});

// rollout status -A: one instant's views, with and without the index.
const wide = snapshots.map((s, i) => (stuckAt.has(i) ? s : widen(s, PODS_EACH)));
const lists: Lists = {
  deployments: new Map(wide.map((s) => [`Deployment/${s.deployment.metadata.namespace}/${s.deployment.metadata.name}`, s.deployment as Deployment])),
  statefulSets: new Map(),
  daemonSets: new Map(),
  replicaSets: wide.flatMap((s) => s.replicaSets as ReplicaSet[]),
  revisions: [],
  pods: wide.flatMap((s) => s.pods as Pod[]),
};
const tracked: Tracked[] = wide.map((s) => ({ kind: 'Deployment', namespace: s.deployment.metadata.namespace!, name: s.deployment.metadata.name }));
const at = now.getTime();
const tIndexed = best(() => {
  retrack(tracked, lists, at, {});
});
const tScan = best(() => {
  for (const d of lists.deployments.values()) rolloutStatus(d, lists.replicaSets, lists.pods, at);
});

const line = (what: string, ms: number, per?: string) => process.stdout.write(`  ${what.padEnd(62)} ${ms.toFixed(2).padStart(9)} ms${per ? `  ${per}` : ''}\n`);
process.stdout.write(`the pure part of diagnose -A and rollout status -A (best of ${ROUNDS}, ${process.version}):\n`);
line(`rolledOutByStatus over ${DEPLOYMENTS} listed Deployments`, tList, `${((tList * 1000) / DEPLOYMENTS).toFixed(2)} µs each; ${toRead.length} to read`);
line(`diagnose() of the ${stuck.length} stuck snapshots`, tDiagnose, `${(tDiagnose / stuck.length).toFixed(2)} ms each`);
line('summary, text and DiagnosisList document', tPrint, `${(bytes / 1024).toFixed(0)} KiB of JSON`);
line(
  `retrack: ${DEPLOYMENTS} views, ${lists.pods.length} pods, ${lists.replicaSets.length} ReplicaSets (indexed)`,
  tIndexed,
  `${((tIndexed * 1000) / DEPLOYMENTS).toFixed(1)} µs a view`,
);
line('the same views, every Deployment scanning every list (baseline)', tScan, `x${(tScan / tIndexed).toFixed(1)} the indexed`);
