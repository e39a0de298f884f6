// Events as diagnose uses them: one shape for old-style (count, first/lastTimestamp) and
// events.k8s.io-style (eventTime, series) events, and deduplication across pods.
import { EventType } from '../kube/event-reasons.js';
import type { KubeEvent } from './model.js';
import { timeMs, timeText, type Time } from '../kube/objects.js';
import type { Evidence } from './findings.js';

/** A core/v1 or events.k8s.io event reduced to what a reader needs. */
export interface EventRecord {
  kind: string;
  name: string;
  uid?: string;
  fieldPath?: string;
  reason: string;
  message: string;
  type: string;
  count: number;
  firstSeen?: string;
  lastSeen?: string;
  source?: string;
}

/** When an event was first and last seen: series.lastObservedTime wins over lastTimestamp. */
function seen(e: KubeEvent): { first?: Time; last?: Time } {
  const first = e.firstTimestamp || e.eventTime || e.metadata?.creationTimestamp || undefined;
  const last = e.series?.lastObservedTime || e.lastTimestamp || e.eventTime || first;
  return { first, last };
}

/** Normalises one event: series.count and lastObservedTime win over count and lastTimestamp. */
export function toRecord(e: KubeEvent): EventRecord {
  const { first, last } = seen(e);
  const source = e.reportingComponent || e.source?.component;
  const about = e.involvedObject;
  return {
    kind: about.kind ?? '',
    name: about.name ?? '',
    ...(about.uid ? { uid: about.uid } : {}),
    ...(about.fieldPath ? { fieldPath: about.fieldPath } : {}),
    reason: e.reason ?? '',
    message: (e.message ?? '').trim(),
    type: e.type ?? EventType.Normal,
    count: Math.max(e.series?.count ?? 0, e.count ?? 0, 1),
    ...(first ? { firstSeen: timeText(first) } : {}),
    ...(last ? { lastSeen: timeText(last) } : {}),
    ...(source ? { source } : {}),
  };
}

/** Milliseconds since the epoch, 0 when absent or unparsable (sorts first). */
export function time(t: Time | null | undefined): number {
  return timeMs(t) ?? 0;
}

/** The message with what differs between pods of one rollout masked, so equal causes group. */
function messageShape(message: string, names: readonly string[]): string {
  let s = message;
  for (const n of names) if (n) s = s.split(n).join('<pod>');
  return (
    s
      .replace(/^\(combined from similar events\): /, '')
      .replace(/pods "[^"]*"/g, 'pods "<pod>"')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uid>')
      .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, '<ip>')
      .replace(/back-off \d+[smh0-9]* /g, 'back-off ')
      .replace(/sandbox "[0-9a-f]{12,}"/g, 'sandbox "<id>"')
      // An exec probe's every run has its own exec id ("failed to start exec <64 hex>").
      .replace(/exec "[0-9a-f]{32,}"/g, 'exec "<id>"')
  );
}

/** Groups events by (reason, message shape): counts summed, first/last seen widened, objects listed. */
export function dedupe(records: readonly EventRecord[], names: readonly string[]): Evidence[] {
  const groups = new Map<string, Evidence>();
  for (const r of records) {
    const key = `${r.kind}\u0000${r.reason}\u0000${messageShape(r.message, names)}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, {
        kind: r.kind,
        objects: [r.name],
        reason: r.reason,
        message: r.message,
        type: r.type,
        count: r.count,
        ...(r.firstSeen ? { firstSeen: r.firstSeen } : {}),
        ...(r.lastSeen ? { lastSeen: r.lastSeen } : {}),
      });
      continue;
    }
    if (!g.objects.includes(r.name)) g.objects.push(r.name);
    g.count += r.count;
    if (r.firstSeen && (!g.firstSeen || time(r.firstSeen) < time(g.firstSeen))) g.firstSeen = r.firstSeen;
    if (r.lastSeen && (!g.lastSeen || time(r.lastSeen) > time(g.lastSeen))) {
      g.lastSeen = r.lastSeen;
      g.message = r.message;
    }
  }
  // Oldest first reads as the story (the pull error, then the back-off); on a tie the fuller message.
  return [...groups.values()].sort((a, b) => time(a.firstSeen) - time(b.firstSeen) || b.message.length - a.message.length);
}
