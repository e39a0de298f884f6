// What a watched `rollout status -o json|yaml` prints on each change, as `kubectl get -w -o json`
// does: one compact JSON document per line (NDJSON), or YAML documents separated by `---`.
// Pure: the views last printed and the current ones in, the text to write (or nothing) out.
import { OutputFormat } from '../lib/output.js';
import { toDocument } from './printer.js';
import type { RolloutView } from './status.js';

/** How the stream is written; `yaml` is the YAML library's stringify, passed in so YAML loads only when asked for. */
export type StreamFormat =
  { format: typeof OutputFormat.json; single: boolean } | { format: typeof OutputFormat.yaml; single: boolean; yaml: (doc: unknown) => string };

// What a reader of the stream watches, as the text mode's line per change: the state, the
// replicas and the message (and a rollback's). The deadline's secondsLeft moves with the clock
// and is not a change.
function changeKey(views: readonly RolloutView[]): string {
  return JSON.stringify(views.map((v) => [v.name, v.rollout_status, v.status, v.reason, v.message, v.replicas, v.rollback]));
}

/**
 * The text to write for `next`, given the views last written (`undefined`: nothing yet), or
 * `undefined` when nothing a reader watches has changed (or there is nothing to show).
 */
export function streamChange(printed: readonly RolloutView[] | undefined, next: readonly RolloutView[], f: StreamFormat): string | undefined {
  if (!next.length) return undefined;
  if (printed && changeKey(printed) === changeKey(next)) return undefined;
  const doc = toDocument(next, f.single);
  if (f.format === OutputFormat.json) return `${JSON.stringify(doc)}\n`;
  return `${printed ? '---\n' : ''}${f.yaml(doc)}`;
}
