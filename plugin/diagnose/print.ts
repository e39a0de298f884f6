// Printers for a Diagnosis: human text (colour only when asked), the --events timeline, and the
// -o json document whose shape DIAGNOSIS_SCHEMA documents. Pure: strings in, strings out.
import { Severity, Verdict, type Finding } from './findings.js';
import type { Diagnosis, TimelineEntry } from './diagnosis.js';
import { formatSeconds } from './format.js';
import { time } from './events.js';
import { ExitCode } from '../../core/errors.js';
import { paint, type Paint } from '../lib/term.js';

/** The apiVersion/kind of the -o json document; bumped only on incompatible changes. */
export const DIAGNOSIS_API_VERSION = 'paas.io/v1';

/** Exit code of `kubectl paas diagnose` for a verdict: 1 when problems were found, else 0. */
export function exitCodeOf(verdict: Verdict): number {
  return verdict === Verdict.Problems ? ExitCode.problems : ExitCode.ok;
}

export interface TextOptions {
  color: boolean;
  events: boolean;
  now: Date;
}

/** "12s ago", "4m3s ago"; empty when the time is unknown. */
export function ago(t: string | undefined, now: Date): string {
  const ms = time(t);
  if (!ms) return '';
  return `${formatSeconds(Math.max(0, (now.getTime() - ms) / 1000))} ago`;
}

const MARK: Record<Severity, string> = { error: '✖', warning: '!', info: '✓' };

function findingText(f: Finding, o: TextOptions, p: Paint): string[] {
  const style = f.severity === Severity.Error ? p.red : f.severity === Severity.Warning ? p.yellow : p.green;
  const lines = [`${style(`${MARK[f.severity]} ${f.code}`)}  ${p.bold(f.summary)}`];
  if (f.explanation) lines.push(`    ${f.explanation}`);
  if (f.evidence.length > 0) {
    lines.push(`    ${p.dim('Evidence:')}`);
    for (const e of f.evidence.slice(0, 6)) {
      const on = e.objects.length > 1 ? `${e.objects.length} ${e.kind.toLowerCase()}s` : `${e.kind}/${e.objects[0]}`;
      const when = [e.firstSeen ? `first ${ago(e.firstSeen, o.now)}` : '', e.lastSeen ? `last ${ago(e.lastSeen, o.now)}` : ''].filter(Boolean).join(', ');
      lines.push(`      ${e.type ?? 'Normal'} ${e.reason} ×${e.count} on ${on}${when ? ` (${when})` : ''}`);
      lines.push(`        ${e.message}`);
    }
    if (f.evidence.length > 6) lines.push(`      … ${f.evidence.length - 6} more (see -o json or --events)`);
  }
  for (const l of f.logs ?? []) {
    lines.push(`    ${p.dim(`Logs of ${l.container} in pod ${l.pod}${l.previous ? ' (the run before the last restart)' : ''}:`)}`);
    for (const line of l.lines) lines.push(`      ${line}`);
  }
  if (f.pods.length > 0) {
    const shown = f.pods.slice(0, 5).join(', ');
    lines.push(`    ${p.dim('Pods:')} ${shown}${f.pods.length > 5 ? `, … (${f.pods.length} in all)` : ''}`);
  }
  if (f.suggestions.length > 0) {
    lines.push(`    ${p.dim('Next:')}`);
    for (const s of f.suggestions) lines.push(`      ${p.cyan(s)}`);
  }
  return lines;
}

/** The --events timeline, oldest first: last seen, type, reason (×count), object, message. */
export function timelineText(entries: readonly TimelineEntry[], now: Date, color = false): string {
  const p = paint(color);
  if (entries.length === 0) return 'No events (the API server keeps them for one hour by default).\n';
  const rows = entries.map((e) => [ago(e.lastSeen ?? e.firstSeen, now) || '-', e.type, `${e.reason}${e.count > 1 ? ` ×${e.count}` : ''}`, e.object, e.message]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT'][i]!.length));
  const fmt = (r: string[], warn = false) => {
    const line = r.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c)).join('  ');
    return warn ? p.yellow(line) : line;
  };
  return [fmt(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']), ...rows.map((r) => fmt(r, r[1] === 'Warning'))].join('\n') + '\n';
}

/** The header's words: the workload, its revision, and what its kind names its current template by. */
function heading(d: Diagnosis): string[] {
  if ('deployment' in d) {
    const dep = d.deployment;
    const head = [`Deployment ${dep.namespace}/${dep.name}`];
    if (dep.revision !== undefined) head.push(`revision ${dep.revision}`);
    if (dep.newReplicaSet) head.push(`new ReplicaSet ${dep.newReplicaSet}`);
    if (dep.deployId) head.push(`deploy-id ${dep.deployId}`);
    return head;
  }
  const set = 'statefulSet' in d ? d.statefulSet : d.daemonSet;
  const head = [`${'statefulSet' in d ? 'StatefulSet' : 'DaemonSet'} ${set.namespace}/${set.name}`];
  if (set.revision !== undefined) head.push(`revision ${set.revision}`);
  if (set.updateRevision) head.push(`update revision ${set.updateRevision}`);
  if (set.updateStrategy !== 'RollingUpdate') head.push(`updateStrategy ${set.updateStrategy}`);
  if ('statefulSet' in d && d.statefulSet.partition) head.push(`partition ${d.statefulSet.partition}`);
  return head;
}

/** The human report: header, verdict, findings (root cause first), then optionally the timeline. */
export function diagnosisText(d: Diagnosis, o: TextOptions): string {
  const p = paint(o.color);
  const head = heading(d);
  const r = d.replicas;
  const problems = d.findings.filter((f) => f.severity !== Severity.Info).length;
  const verdict =
    d.verdict === Verdict.Problems
      ? p.red(`${problems} problem${problems === 1 ? '' : 's'} found`)
      : d.verdict === Verdict.Healthy
        ? problems > 0
          ? `${p.green('healthy')}, ${p.yellow(`${problems} warning${problems === 1 ? '' : 's'}`)}`
          : p.green('healthy')
        : p.green('progressing');
  const lines = [
    p.bold(head.join('  ')),
    `Replicas: ${r.desired} desired, ${r.updated} updated, ${r.ready} ready, ${r.available} available, ${r.old} old`,
    `Verdict: ${verdict}`,
    '',
  ];
  for (const f of d.findings) lines.push(...findingText(f, o, p), '');
  for (const n of d.notes) lines.push(p.dim(`Note: ${n}`));
  let out = lines.join('\n').replace(/\n+$/, '\n');
  if (o.events) out += `\nEvents (oldest first):\n${timelineText(d.timeline, o.now, o.color)}`;
  return out;
}

/** The workload's facts under its kind's key: `deployment`, `statefulSet` or `daemonSet`. */
function subjectEntry(d: Diagnosis): Record<string, unknown> {
  if ('deployment' in d) return { deployment: d.deployment };
  if ('statefulSet' in d) return { statefulSet: d.statefulSet };
  return { daemonSet: d.daemonSet };
}

/** The -o json document as an object (see DIAGNOSIS_SCHEMA). The timeline is included with --events. */
export function diagnosisDocument(d: Diagnosis, withEvents: boolean): Record<string, unknown> {
  return {
    apiVersion: DIAGNOSIS_API_VERSION,
    kind: 'Diagnosis',
    ...subjectEntry(d),
    verdict: d.verdict,
    exitCode: exitCodeOf(d.verdict),
    replicas: d.replicas,
    ...(d.estimatedSecondsLeft !== undefined ? { estimatedSecondsLeft: d.estimatedSecondsLeft } : {}),
    findings: d.findings,
    ...(withEvents ? { events: d.timeline } : {}),
    notes: d.notes,
  };
}

/** The -o json document (see DIAGNOSIS_SCHEMA). The timeline is included with --events. */
export function diagnosisJson(d: Diagnosis, withEvents: boolean): string {
  return `${JSON.stringify(diagnosisDocument(d, withEvents), null, 2)}\n`;
}

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;

/** The facts every set's key carries. */
const SET_FACTS = {
  namespace: str,
  name: str,
  generation: int,
  observedGeneration: int,
  revision: int,
  updateRevision: str,
  updateStrategy: str,
} as const;

/** JSON Schema (2020-12) of the -o json document of one workload; docs/json-output.md documents
 * the same. Exactly one of `deployment`, `statefulSet`, `daemonSet` names the workload. */
export const DIAGNOSIS_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'kubectl paas diagnose -o json',
  type: 'object',
  required: ['apiVersion', 'kind', 'verdict', 'exitCode', 'replicas', 'findings', 'notes'],
  oneOf: [{ required: ['deployment'] }, { required: ['statefulSet'] }, { required: ['daemonSet'] }],
  additionalProperties: false,
  properties: {
    apiVersion: { const: DIAGNOSIS_API_VERSION },
    kind: { const: 'Diagnosis' },
    statefulSet: {
      type: 'object',
      required: ['namespace', 'name', 'updateStrategy', 'podManagementPolicy'],
      additionalProperties: false,
      properties: { ...SET_FACTS, currentRevision: str, partition: int, podManagementPolicy: str },
    },
    daemonSet: {
      type: 'object',
      required: ['namespace', 'name', 'updateStrategy'],
      additionalProperties: false,
      properties: SET_FACTS,
    },
    deployment: {
      type: 'object',
      required: ['namespace', 'name', 'paused'],
      additionalProperties: false,
      properties: {
        namespace: str,
        name: str,
        generation: int,
        observedGeneration: int,
        revision: int,
        deployId: str,
        newReplicaSet: str,
        paused: { type: 'boolean' },
      },
    },
    verdict: { enum: Object.values(Verdict) },
    exitCode: { enum: [0, 1] },
    replicas: {
      type: 'object',
      required: ['desired', 'updated', 'ready', 'available', 'old'],
      additionalProperties: false,
      properties: { desired: int, updated: int, ready: int, available: int, old: int },
    },
    estimatedSecondsLeft: int,
    findings: {
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'severity', 'summary', 'explanation', 'details', 'evidence', 'pods', 'suggestions'],
        additionalProperties: false,
        properties: {
          code: { type: 'string' },
          severity: { enum: Object.values(Severity) },
          summary: str,
          explanation: str,
          details: { type: 'object' },
          evidence: {
            type: 'array',
            items: {
              type: 'object',
              required: ['kind', 'objects', 'reason', 'message', 'count'],
              additionalProperties: false,
              properties: {
                kind: str,
                objects: { type: 'array', items: str },
                reason: str,
                message: str,
                type: str,
                count: int,
                firstSeen: str,
                lastSeen: str,
              },
            },
          },
          logs: {
            type: 'array',
            items: {
              type: 'object',
              required: ['pod', 'container', 'previous', 'lines'],
              additionalProperties: false,
              properties: { pod: str, container: str, previous: { type: 'boolean' }, lines: { type: 'array', items: str } },
            },
          },
          pods: { type: 'array', items: str },
          suggestions: { type: 'array', items: str },
        },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'object', 'reason', 'count', 'message'],
        additionalProperties: false,
        properties: { firstSeen: str, lastSeen: str, type: str, object: str, reason: str, count: int, message: str },
      },
    },
    notes: { type: 'array', items: str },
  },
} as const;
