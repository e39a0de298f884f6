// What `rollout history` writes: a table of the revisions with the evidence under it, or one
// revision's template diff. Pure: views in, text out.
import { humanDuration } from '../../kube-client/duration.js';
import type { Paint } from '../lib/term.js';
import { Outcome } from './outcome.js';
import type { History, RevisionDetail } from './history.js';

function outcomeWord(o: Outcome, p: Paint): string {
  switch (o) {
    case Outcome.current:
      return p.bold(o);
    case Outcome.completed:
      return p.green(o);
    case Outcome.failed:
      return p.red(o);
    case Outcome.superseded:
      return p.yellow(o);
    case Outcome.unknown:
      return p.dim(o);
  }
}

function age(created: string | null, now: number): string {
  const ms = created ? Date.parse(created) : NaN;
  return Number.isNaN(ms) ? '-' : humanDuration(Math.max(0, now - ms));
}

/** The table of revisions, oldest first, then the evidence of each outcome. */
export function renderHistory(h: History, o: { paint: Paint; now: number }): string {
  const head = `deployment ${h.namespace}/${h.name}: revision ${h.revision ?? '-'}, ${h.revisions.length} revision${h.revisions.length === 1 ? '' : 's'} held in ReplicaSets`;
  if (!h.revisions.length) return `${head}\n`;
  const header = ['REVISION', 'DEPLOY-ID', 'IMAGES', 'AGE', 'PODS', 'OUTCOME', 'CHANGE-CAUSE'];
  const rows = h.revisions.map((r) => [
    r.earlierRevisions.length ? `${r.revision} (was ${r.earlierRevisions.join(',')})` : String(r.revision),
    r.deployId ?? '-',
    r.images.join(',') || '-',
    age(r.created, o.now),
    `${r.pods.ready}/${r.pods.running}${r.pods.terminating ? ` +${r.pods.terminating} terminating` : ''}`,
    r.outcome,
    r.changeCause ?? '<none>',
  ]);
  const widths = header.map((x, i) => Math.max(x.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (cells: string[], style: boolean): string =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        return style && i === 5 ? padded.replace(c, outcomeWord(c as Outcome, o.paint)) : padded;
      })
      .join('  ')
      .trimEnd();
  const why = h.revisions.filter((r) => r.outcome !== Outcome.current).map((r) => `  revision ${r.revision} ${r.outcome}: ${r.evidence}`);
  return `${[head, fmt(header, false), ...rows.map((r) => fmt(r, true)), ...(why.length ? ['', ...why] : [])].join('\n')}\n`;
}

/** One revision: its facts, then its template's diff against the current one. */
export function renderRevision(d: RevisionDetail, p: Paint): string {
  const r = d.revision;
  const lines = [
    p.bold(`deployment ${d.namespace}/${d.name} revision ${r.revision}${r.earlierRevisions.length ? ` (was ${r.earlierRevisions.join(',')})` : ''}`),
    `  replica set:  ${r.replicaSet}`,
    `  deploy-id:    ${r.deployId ?? '-'}`,
    `  images:       ${r.images.join(', ') || '-'}`,
    `  created:      ${r.created ?? '-'}`,
    `  change-cause: ${r.changeCause ?? '<none>'}`,
    `  pods now:     ${r.pods.ready}/${r.pods.running} ready${r.pods.terminating ? `, ${r.pods.terminating} terminating` : ''}`,
    `  outcome:      ${r.outcome}: ${r.evidence}`,
  ];
  const diff = d.diff
    ? d.diff
        .trimEnd()
        .split('\n')
        .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? p.green(l) : l.startsWith('-') && !l.startsWith('---') ? p.red(l) : l))
    : [`(the same pod template as the current revision ${d.current ?? '-'})`];
  return `${[...lines, '', ...diff].join('\n')}\n`;
}
