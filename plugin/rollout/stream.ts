// What a watched `rollout status -o json|yaml` prints on each change, as `kubectl get -w -o json`
// does: one compact JSON document per line (NDJSON), or YAML documents separated by `---`. One
// named workload: its view, whole, at each change. Several: one document per workload whose state
// changed, each its own view (which names its kind, namespace and name), so a line never grows
// with the number followed and every line says which workload it is about.
// Pure: the views last printed and the current ones in, the text to write (or nothing) out.
import { workloadKey } from '../kube/workloads.js';
import { OutputFormat } from '../lib/output.js';
import { toDocument } from './printer.js';
import type { RolloutView } from './status.js';

/** How the stream is written; `yaml` is the YAML library's stringify, passed in so YAML loads only when asked for. */
export type StreamFormat =
  { format: typeof OutputFormat.json; single: boolean } | { format: typeof OutputFormat.yaml; single: boolean; yaml: (doc: unknown) => string };

// What a reader of the stream watches, as the text mode's line per change: the state, the
// replicas and the message (and a rollback's). The deadline's secondsLeft moves with the clock
// and is not a change.
function changeKey(v: RolloutView): string {
  return JSON.stringify([v.rollout_status, v.status, v.reason, v.message, v.replicas, v.rollback]);
}

const keyOf = (v: RolloutView): string => workloadKey(v.kind, v.namespace, v.name);

/** The documents to write: one named workload's view when it changed; else each view that changed. */
function changed(printed: readonly RolloutView[] | undefined, next: readonly RolloutView[], single: boolean): unknown[] {
  const before = new Map((printed ?? []).map((v) => [keyOf(v), changeKey(v)]));
  if (single) return next.length && before.get(keyOf(next[0]!)) !== changeKey(next[0]!) ? [toDocument(next, true)] : [];
  return next.filter((v) => before.get(keyOf(v)) !== changeKey(v));
}

/**
 * The text to write for `next`, given the views last written (`undefined`: nothing yet), or
 * `undefined` when nothing a reader watches has changed (or there is nothing to show).
 */
export function streamChange(printed: readonly RolloutView[] | undefined, next: readonly RolloutView[], f: StreamFormat): string | undefined {
  const docs = changed(printed, next, f.single);
  if (!docs.length) return undefined;
  if (f.format === OutputFormat.json) return docs.map((d) => `${JSON.stringify(d)}\n`).join('');
  return docs.map((d, i) => `${printed || i > 0 ? '---\n' : ''}${f.yaml(d)}`).join('');
}
