// Printers of an audit: a table, the changes of each Deployment that would take any, and the
// summary line (text); the -o json document whose shape AUDIT_SCHEMA documents (-o yaml is the
// same document). Pure: data in, strings out.
import { Mode, NamespaceSelection } from '../../core/config.js';
import { ChangeKind } from '../../core/policy/index.js';
import { paint, type Paint } from '../lib/term.js';
import { exitCodeOf, summarize, Verdict, type AuditRow, type AuditSummary } from './audit.js';
import { OptOut, ScopeMode } from './scope.js';

/** The apiVersion of the -o json document; bumped only on incompatible changes. */
export const AUDIT_API_VERSION = 'paas.io/v1';

/** Where the audit's paas.toml came from. */
export const PolicySource = {
  /** --config. */
  file: 'file',
  /** The installed webhook's ConfigMap. */
  configMap: 'configmap',
  /** Neither: the built-in defaults. */
  defaults: 'defaults',
} as const;
export type PolicySource = (typeof PolicySource)[keyof typeof PolicySource];

/** The policy an audit ran, as the document says it. */
export interface PolicyUsed {
  source: PolicySource;
  /** In words: the file, the ConfigMap, or "built-in defaults". */
  from: string;
  mode: Mode;
  namespaces: NamespaceSelection;
  excludedNamespaces: readonly string[];
  /** The cluster fact the engine read: the native preStop sleep (else exec sleep where prestop_mode is auto). */
  nativeSleep: boolean;
}

/** Everything one audit printed. */
export interface Audit {
  policy: PolicyUsed;
  rows: readonly AuditRow[];
  /** What could not be read, and what the audit did instead (no ConfigMap, namespaces unreadable). */
  notes: readonly string[];
  /** Where the Deployments were listed: a namespace, or undefined for every namespace (-A). */
  namespace?: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The one summary line. */
export function summaryLine(s: AuditSummary, policyFrom: string): string {
  return (
    `${plural(s.deployments, 'Deployment')}: ${s.meets} ${s.meets === 1 ? 'meets' : 'meet'} the policy, ${s.fallsShort} ${s.fallsShort === 1 ? 'falls' : 'fall'} short, ` +
    `${s.invalid} invalid, ${s.optedOut} opted out; ${s.admitted} admitted by the webhook (deploy-id on the pod template); policy from ${policyFrom}`
  );
}

const VERDICT_WORDS: Record<Verdict, string> = {
  [Verdict.Meets]: 'meets',
  [Verdict.FallsShort]: 'falls short',
  [Verdict.Invalid]: 'invalid',
  [Verdict.OptedOut]: 'opted out',
};

/** The WEBHOOK column: what the webhook does with the Deployment's writes. */
function webhookCell(r: AuditRow): string {
  return r.mode === ScopeMode.none ? `off (${r.optOut ?? 'opted out'})` : r.mode;
}

function verdictCell(r: AuditRow, p: Paint, width: number): string {
  const text = VERDICT_WORDS[r.verdict].padEnd(width);
  if (r.verdict === Verdict.Meets) return p.green(text);
  if (r.verdict === Verdict.OptedOut) return p.dim(text);
  return p.red(text);
}

/** The table: one row per Deployment (NAMESPACE only across namespaces, as kubectl get -A). */
function table(a: Audit, p: Paint): string[] {
  const head = [...(a.namespace === undefined ? ['NAMESPACE'] : []), 'NAME', 'POLICY', 'WEBHOOK', 'ADMITTED', 'CHANGES'];
  const cells = a.rows.map((r) => [
    ...(a.namespace === undefined ? [r.namespace] : []),
    r.name,
    VERDICT_WORDS[r.verdict],
    webhookCell(r),
    r.admitted ? 'yes' : 'no',
    r.error ? '-' : String(r.changes.length),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const policyAt = head.indexOf('POLICY');
  const line = (c: string[], row?: AuditRow) =>
    c
      .map((v, i) => (row && i === policyAt ? verdictCell(row, p, widths[i]!) : i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(head), ...cells.map((c, i) => line(c, a.rows[i]))];
}

/** The heading of a Deployment's changes. */
function detailHead(r: AuditRow): string {
  const who = `${r.namespace}/${r.name}`;
  if (r.verdict === Verdict.OptedOut) return `${who} is opted out (${r.reason ?? r.optOut ?? ''}); in the webhook's scope, the policy would:`;
  const mode = r.mode === ScopeMode.unknown ? `mode unknown: ${r.reason ?? ''}` : r.mode;
  if (r.verdict === Verdict.Invalid) return `${who} is invalid (${mode}): ${r.error ?? ''}`;
  if (r.verdict === Verdict.Meets) return `${who} meets the policy (${mode}):`;
  return `${who} falls short (${mode}):`;
}

/** The changes and notes of each Deployment that has any; never those of an excluded namespace
 * (kube-system's are not the policy's business). */
function details(rows: readonly AuditRow[], p: Paint): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    if (r.optOut === OptOut.excludedNamespace || (r.changes.length === 0 && r.notes.length === 0 && !r.error)) continue;
    lines.push(p.bold(detailHead(r)));
    for (const c of r.changes) lines.push(`  ${c.message}`);
    for (const n of r.notes) lines.push(p.dim(`  note: ${n}`));
  }
  return lines;
}

/** The text report. */
export function auditText(a: Audit, color: boolean): string {
  const p = paint(color);
  const s = summarize(a.rows);
  const where = a.namespace === undefined ? 'any namespace' : `namespace ${a.namespace}`;
  const lines = a.rows.length === 0 ? [`No Deployments found in ${where}.`] : table(a, p);
  const more = details(a.rows, p);
  if (more.length > 0) lines.push('', ...more);
  lines.push('', summaryLine(s, a.policy.from));
  for (const n of a.notes) lines.push(p.dim(`Note: ${n}`));
  return `${lines.join('\n')}\n`;
}

/** The -o json document (see AUDIT_SCHEMA); -o yaml writes the same. */
export function auditDocument(a: Audit): Record<string, unknown> {
  const summary = summarize(a.rows);
  return {
    apiVersion: AUDIT_API_VERSION,
    kind: 'Audit',
    policy: a.policy,
    deployments: a.rows,
    summary,
    exitCode: exitCodeOf(summary),
    notes: a.notes,
  };
}

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;

/** JSON Schema (2020-12) of the -o json document; docs/audit.md documents the same. */
export const AUDIT_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'kubectl paas audit -o json',
  type: 'object',
  required: ['apiVersion', 'kind', 'policy', 'deployments', 'summary', 'exitCode', 'notes'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: AUDIT_API_VERSION },
    kind: { const: 'Audit' },
    policy: {
      type: 'object',
      required: ['source', 'from', 'mode', 'namespaces', 'excludedNamespaces', 'nativeSleep'],
      additionalProperties: false,
      properties: {
        source: { enum: Object.values(PolicySource) },
        from: str,
        mode: { enum: Object.values(Mode) },
        namespaces: { enum: Object.values(NamespaceSelection) },
        excludedNamespaces: { type: 'array', items: str },
        nativeSleep: { type: 'boolean' },
      },
    },
    deployments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['namespace', 'name', 'verdict', 'mode', 'admitted', 'changes', 'notes'],
        additionalProperties: false,
        properties: {
          namespace: str,
          name: str,
          verdict: { enum: Object.values(Verdict) },
          mode: { enum: Object.values(ScopeMode) },
          optOut: { enum: Object.values(OptOut) },
          reason: str,
          admitted: { type: 'boolean' },
          deployId: str,
          changes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['kind', 'field', 'actual', 'expected', 'message'],
              additionalProperties: false,
              properties: {
                kind: { enum: Object.values(ChangeKind) },
                field: str,
                actual: str,
                expected: str,
                message: { type: 'string', pattern: '^paas: would ' },
              },
            },
          },
          notes: { type: 'array', items: str },
          error: str,
        },
      },
    },
    summary: {
      type: 'object',
      required: ['deployments', 'meets', 'fallsShort', 'invalid', 'optedOut', 'admitted', 'modeUnknown'],
      additionalProperties: false,
      properties: { deployments: int, meets: int, fallsShort: int, invalid: int, optedOut: int, admitted: int, modeUnknown: int },
    },
    exitCode: { enum: [0, 1] },
    notes: { type: 'array', items: str },
  },
} as const;
