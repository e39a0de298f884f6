// A Deployment's structured label selector as the query-string form the API server takes. Pure.
import type { LabelSelector } from './objects.js';

/** `app=web,tier in (fe,be),!legacy`; undefined when the selector is absent or empty (matches all). */
export function selectorString(sel: LabelSelector | undefined): string | undefined {
  if (!sel) return undefined;
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values})`);
        break;
      case 'NotIn':
        parts.push(`${e.key} notin (${values})`);
        break;
      case 'Exists':
        parts.push(e.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${e.key}`);
        break;
      default:
        // An operator this code does not know: widen to everything and let ownership filter.
        return undefined;
    }
  }
  return parts.length ? parts.join(',') : undefined;
}
