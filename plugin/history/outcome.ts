// What became of each revision of a Deployment, from the evidence real objects keep. Pure.
//
// A ReplicaSet keeps no record of having become available: scaled to zero, an old revision looks
// the same whether it completed or never ran a ready pod. The evidence is elsewhere:
// - the revision numbers: the controller gives every rollout the next number, and an undo gives
//   the older ReplicaSet it brings back a new one (the earlier ones in revision-history), so the
//   revision after X tells whether a newer template or an older one followed it;
// - the record `rollout status --undo-on-failure` leaves on the revision it brings back
//   (paas.io/rolled-back-from: the revision that failed and why), kept as long as the ReplicaSet;
// - the Deployment controller's ScalingReplicaSet events, while the API server keeps them (an
//   hour by default; similar events get combined): a rollout reached its end when the controller
//   scaled the ReplicaSet it replaced down to zero before the next revision started.
import type { KubeEvent } from '../kube/objects.js';
import { timeMs } from '../kube/objects.js';

/** What became of a revision (JSON `outcome`). */
export const Outcome = {
  /** The Deployment's template now. */
  current: 'current',
  /** Its rollout reached its end, and a later revision replaced it. */
  completed: 'completed',
  /** Rolled back before its rollout reached its end. */
  failed: 'failed',
  /** A newer template replaced it before its rollout reached its end. */
  superseded: 'superseded',
  /** The evidence is gone (events expired or combined, the next revision's ReplicaSet deleted). */
  unknown: 'unknown',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** A ReplicaSet's place in the Deployment's history. */
export interface Held {
  name: string;
  /** Its revision now (the latest it held). */
  revision: number;
  /** Every revision it held: earlier ones (revision-history, after undos) and its latest. */
  revisions: number[];
  created: number;
  deployId: string | null;
  /** The record of a failure this ReplicaSet was brought back for. */
  rolledBackFrom?: { revision: number | null; deployId: string | null; reason: string };
}

/** One ScalingReplicaSet event, parsed. */
export interface ScaleEvent {
  replicaSet: string;
  direction: 'up' | 'down';
  to: number;
  /** First seen (ms); events are ordered by it, then by the order the API server stored them. */
  at: number;
  seq: bigint;
}

/** The Deployment controller's scaling events; from `lossyFrom` on (ms), similar events were
 * combined and their words lost, so an event missing after it may have happened. */
export interface ScaleHistory {
  events: ScaleEvent[];
  lossyFrom?: number;
}

const SCALED = /^Scaled (up|down) replica set (\S+) (?:from \d+ )?to (\d+)$/;
const COMBINED = '(combined from similar events): ';

const firstSeen = (e: KubeEvent): number => timeMs(e.firstTimestamp ?? e.eventTime ?? e.lastTimestamp) ?? 0;

/** The Deployment's ScalingReplicaSet events in order (events of other reasons are ignored). */
export function scaleHistory(events: readonly KubeEvent[]): ScaleHistory {
  let lossyFrom: number | undefined;
  const out: ScaleEvent[] = [];
  for (const e of events) {
    if (e.reason !== 'ScalingReplicaSet' || !e.message) continue;
    if (e.message.startsWith(COMBINED)) {
      lossyFrom = Math.min(lossyFrom ?? Infinity, firstSeen(e));
      continue;
    }
    const m = SCALED.exec(e.message);
    if (!m) continue;
    const rv = e.metadata?.resourceVersion ?? '';
    out.push({ replicaSet: m[2]!, direction: m[1] === 'up' ? 'up' : 'down', to: Number(m[3]), at: firstSeen(e), seq: /^\d+$/.test(rv) ? BigInt(rv) : 0n });
  }
  out.sort((a, b) => a.at - b.at || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  return { events: out, ...(lossyFrom !== undefined ? { lossyFrom } : {}) };
}

/** An outcome and the evidence behind it, in one line. */
export interface Judged {
  outcome: Outcome;
  evidence: string;
}

const find = (events: readonly ScaleEvent[], from: number, f: (e: ScaleEvent) => boolean): ScaleEvent | undefined => events.slice(from).find(f);

/** Where X's time as the newest revision starts: its first scale-up (a new ReplicaSet), or,
 * brought back by an undo (already scaled), its predecessor's first scale-down after the
 * predecessor's own scale-up. -1 when those events are gone. */
function startOf(ev: readonly ScaleEvent[], x: Held, prev: Held): number {
  if (x.revisions.length === 1) return ev.findIndex((e) => e.replicaSet === x.name && e.direction === 'up');
  const up = ev.findIndex((e) => e.replicaSet === prev.name && e.direction === 'up');
  return up < 0 ? -1 : ev.findIndex((e, i) => i > up && e.replicaSet === prev.name && e.direction === 'down');
}

/** From the events: whether X's rollout reached its end (its predecessor scaled to 0) before the next revision began. */
function fromEvents(x: Held, prev: Held | undefined, next: Held, rolledBack: boolean, h: ScaleHistory): Judged {
  if (!prev) return { outcome: Outcome.unknown, evidence: 'the first revision kept: no scaling event shows it became available' };
  const ev = h.events;
  const start = startOf(ev, x, prev);
  if (start < 0) return { outcome: Outcome.unknown, evidence: 'the scaling events of its rollout are gone' };
  // Trusted: what happened before similar events began to be combined.
  const sure = (e: ScaleEvent | undefined): e is ScaleEvent => e !== undefined && (h.lossyFrom === undefined || e.at < h.lossyFrom);
  const zero = find(ev, start, (e) => e.replicaSet === prev.name && e.direction === 'down' && e.to === 0);
  const end = find(ev, start, (e) => (e.replicaSet === x.name && e.direction === 'down') || (!rolledBack && e.replicaSet === next.name));
  if (sure(zero) && (end === undefined || ev.indexOf(zero) < ev.indexOf(end))) {
    return { outcome: Outcome.completed, evidence: `${prev.name} (revision ${prev.revision}) was scaled to 0 before revision ${next.revision} began` };
  }
  if (!sure(end) || (zero !== undefined && ev.indexOf(zero) < ev.indexOf(end))) {
    return { outcome: Outcome.unknown, evidence: 'the scaling events of its rollout are gone or were combined' };
  }
  return rolledBack
    ? { outcome: Outcome.failed, evidence: `rolled back to revision ${next.revision} while ${prev.name} still had pods` }
    : { outcome: Outcome.superseded, evidence: `revision ${next.revision} began while ${prev.name} still had pods` };
}

/**
 * The outcome of each revision, by ReplicaSet name. `held` are the Deployment's ReplicaSets with a
 * revision; `current` the name of the one its template runs (if created).
 */
export function outcomes(held: readonly Held[], current: string | undefined, history: ScaleHistory): Map<string, Judged> {
  const holder = (revision: number): Held | undefined => held.find((h) => h.revisions.includes(revision));
  const out = new Map<string, Judged>();
  for (const x of held) {
    if (x.name === current) {
      out.set(x.name, { outcome: Outcome.current, evidence: 'the Deployment’s template' });
      continue;
    }
    const next = holder(x.revision + 1);
    if (!next) {
      out.set(x.name, { outcome: Outcome.unknown, evidence: `the ReplicaSet of revision ${x.revision + 1} is gone` });
      continue;
    }
    // An older template came back (an undo), or a newer one followed.
    const rolledBack = next.created < x.created;
    const record = next.rolledBackFrom;
    if (rolledBack && record?.revision === x.revision && (record.deployId === null || record.deployId === x.deployId)) {
      out.set(x.name, { outcome: Outcome.failed, evidence: `rolled back by --undo-on-failure: ${record.reason}` });
      continue;
    }
    out.set(x.name, fromEvents(x, holder(x.revision - 1), next, rolledBack, history));
  }
  return out;
}
