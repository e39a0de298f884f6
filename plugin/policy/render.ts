// Human output of `kubectl paas policy check` and `policy show` (JSON and YAML print the data).
import type { PolicySummary } from './summary.js';
import type { CheckReport } from './manifests.js';

/** One block per Deployment: its violations (field: actual, policy wants expected) and notes. */
export function renderCheck(report: CheckReport): string {
  const lines: string[] = [];
  for (const d of report.deployments) {
    const who = `deployment/${d.name || '<unnamed>'}${d.namespace ? ` -n ${d.namespace}` : ''} (${d.place})`;
    if (d.skipped) lines.push(`${who}: skipped: ${d.skipped}`);
    else if (d.violations.length === 0) lines.push(`${who}: ok`);
    else lines.push(`${who}: ${plural(d.violations.length, 'violation')}`);
    for (const v of d.violations) lines.push(`  ${v.field}: ${v.actual}, policy wants ${v.expected}`);
    for (const n of d.notes) lines.push(`  note: ${n}`);
  }
  const n = report.deployments.length;
  lines.push(`${report.source}: ${plural(n, 'Deployment')} checked, ${plural(report.violations, 'violation')}`);
  return `${lines.join('\n')}\n`;
}

/** The effective knobs (paas.toml names) and the rules they produce. */
export function renderShow(summary: PolicySummary, source: string): string {
  const lines = [`Policy from ${source}`, '', '[deploy]'];
  const width = Math.max(...Object.keys(summary.deploy).map((k) => k.length), ...Object.keys(summary.webhook).map((k) => k.length));
  for (const [k, v] of Object.entries(summary.deploy)) lines.push(`  ${k.padEnd(width)}  ${JSON.stringify(v)}`);
  lines.push('', '[webhook]');
  for (const [k, v] of Object.entries(summary.webhook)) lines.push(`  ${k.padEnd(width)}  ${JSON.stringify(v)}`);
  lines.push('', 'Rules (every apps/v1 Deployment):');
  const rw = Math.max(...summary.rules.map((r) => r.rule.length));
  for (const r of summary.rules) lines.push(`  ${r.rule.padEnd(rw)}  ${r.effect}`);
  return `${lines.join('\n')}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
