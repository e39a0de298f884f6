// `diagnose` over many workloads (several named, -l, -A, or every one of the namespace): which
// need reading at all, the summary (one row per rollout that is not healthy, most severe first,
// with its root cause and how many pods it affects; the healthy ones counted), the exit code of
// the worst verdict, and the one document of -o json|yaml. Pure: diagnoses in, text and
// documents out; the edge (run.ts) reads and diagnoses.
import { isRolledOut } from '../kube/deployment-status.js';
import type { DaemonSet, Deployment, StatefulSet } from './model.js';
import { daemonSetProgress, setRolledOut, statefulSetProgress } from '../kube/set-status.js';
import { RESOURCE_WORD, resourceArg, WorkloadKind } from '../kube/workloads.js';
import { paint } from '../lib/term.js';
import { subjectOf, type Diagnosis } from './diagnosis.js';
import { compareCodes, Severity, severityRank, Verdict, type Code } from './findings.js';
import { DIAGNOSIS_API_VERSION, DIAGNOSIS_SCHEMA, diagnosisDocument, diagnosisText, exitCodeOf } from './print.js';

/** A workload as listed, with its kind (list items carry none). */
export type Listed =
  | { kind: typeof WorkloadKind.Deployment; object: Deployment }
  | { kind: typeof WorkloadKind.StatefulSet; object: StatefulSet }
  | { kind: typeof WorkloadKind.DaemonSet; object: DaemonSet };

/** Whether kubectl's rollout status would say the workload is rolled out, from its status alone: a
 * listed one that is needs no further read (its pods are not read; diagnose it by name for the
 * warnings a rolled-out workload may still carry). */
export function rolledOutByStatus(w: Listed): boolean {
  if (w.kind === WorkloadKind.Deployment) return isRolledOut(w.object);
  return setRolledOut(w.kind === WorkloadKind.StatefulSet ? statefulSetProgress(w.object) : daemonSetProgress(w.object));
}

/** What `diagnose` over many found: how many workloads, the diagnoses made (the ones named, or
 * those not rolled out), how many were counted healthy from their status, and notes. */
export interface Fleet {
  workloads: number;
  diagnoses: Diagnosis[];
  healthyByStatus: number;
  notes: string[];
}

/** One row of the summary: a rollout that is not healthy. */
export interface SummaryRow {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  verdict: Verdict;
  /** The root cause: the first finding, most likely first. */
  code: Code;
  severity: Severity;
  summary: string;
  /** Pods the findings that are not info name (distinct); none named (pods refused creation, a
   * rollout on its way): the desired pods not updated yet or not available, whichever are more. */
  pods: number;
}

const VERDICT_RANK: Record<Verdict, number> = { Problems: 0, Progressing: 1, Healthy: 2 };

/** The pods a diagnosis' problems affect. */
function podsAffected(d: Diagnosis): number {
  const named = new Set(d.findings.filter((f) => f.severity !== Severity.Info).flatMap((f) => f.pods));
  const r = d.replicas;
  return named.size > 0 ? named.size : Math.max(0, r.desired - r.updated, r.desired - r.available);
}

/** The rollouts that are not healthy, most severe first: verdict, the root cause's severity and
 * precedence, the most pods, then namespace, kind and name. */
export function summaryRows(diagnoses: readonly Diagnosis[]): SummaryRow[] {
  const rows = diagnoses
    .filter((d) => d.verdict !== Verdict.Healthy)
    .map((d): SummaryRow => {
      const root = d.findings[0]!;
      return { ...subjectOf(d), verdict: d.verdict, code: root.code, severity: root.severity, summary: root.summary, pods: podsAffected(d) };
    });
  return rows.sort(
    (a, b) =>
      VERDICT_RANK[a.verdict] - VERDICT_RANK[b.verdict] ||
      severityRank(a.severity) - severityRank(b.severity) ||
      compareCodes(a.code, b.code) ||
      b.pods - a.pods ||
      a.namespace.localeCompare(b.namespace) ||
      a.kind.localeCompare(b.kind) ||
      a.name.localeCompare(b.name),
  );
}

/** How many workloads, and of each verdict (the healthy counted from their status among them). */
export function fleetCounts(f: Fleet): { workloads: number; healthy: number; progressing: number; problems: number } {
  const of = (v: Verdict) => f.diagnoses.filter((d) => d.verdict === v).length;
  return { workloads: f.workloads, healthy: f.healthyByStatus + of(Verdict.Healthy), progressing: of(Verdict.Progressing), problems: of(Verdict.Problems) };
}

/** The exit code of the worst verdict: 1 when any rollout has problems, else 0. */
export function fleetExitCode(f: Fleet): number {
  return exitCodeOf(f.diagnoses.some((d) => d.verdict === Verdict.Problems) ? Verdict.Problems : Verdict.Healthy);
}

/** The worst verdict (Healthy for none). */
function worstVerdict(f: Fleet): Verdict {
  return [Verdict.Problems, Verdict.Progressing].find((v) => f.diagnoses.some((d) => d.verdict === v)) ?? Verdict.Healthy;
}

/** The -o json document (DIAGNOSIS_LIST_SCHEMA): counts, the summary rows, and each diagnosis'
 * document as one workload's -o json prints it (left out with --summary). */
export function fleetDocument(f: Fleet, o: { events: boolean; summaryOnly: boolean }): Record<string, unknown> {
  return {
    apiVersion: DIAGNOSIS_API_VERSION,
    kind: 'DiagnosisList',
    verdict: worstVerdict(f),
    exitCode: fleetExitCode(f),
    counts: fleetCounts(f),
    summary: summaryRows(f.diagnoses),
    ...(o.summaryOnly ? {} : { items: f.diagnoses.map((d) => diagnosisDocument(d, o.events)) }),
    notes: f.notes,
  };
}

/** How the text is written. */
export interface FleetTextOptions {
  color: boolean;
  events: boolean;
  now: Date;
  summaryOnly: boolean;
  /** -A: the summary names each row's namespace. */
  namespaces: boolean;
}

/** "12 rollouts: 9 healthy, 1 progressing, 2 with problems" (the counts that are not 0); "No rollouts found." */
function countsLine(f: Fleet): string {
  const c = fleetCounts(f);
  if (c.workloads === 0) return 'No rollouts found (no Deployment, StatefulSet or DaemonSet).';
  const parts = [
    ...(c.healthy ? [`${c.healthy} healthy`] : []),
    ...(c.progressing ? [`${c.progressing} progressing`] : []),
    ...(c.problems ? [`${c.problems} with problems`] : []),
  ];
  return `${c.workloads} rollout${c.workloads === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** The summary table, kubectl get's style. */
function summaryTable(rows: readonly SummaryRow[], o: FleetTextOptions): string[] {
  const p = paint(o.color);
  const header = [...(o.namespaces ? ['NAMESPACE'] : []), 'WORKLOAD', 'VERDICT', 'ROOT CAUSE', 'PODS', 'SUMMARY'];
  const cells = rows.map((r) => [...(o.namespaces ? [r.namespace] : []), resourceArg(r.kind, r.name), r.verdict, r.code, String(r.pods), r.summary]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const verdictAt = header.indexOf('VERDICT');
  const line = (c: string[], style: boolean) =>
    c
      .map((x, i) => {
        const padded = i === c.length - 1 ? x : x.padEnd(widths[i]!);
        if (!style || i !== verdictAt) return padded;
        return padded.replace(x, x === Verdict.Problems ? p.red(x) : p.cyan(x));
      })
      .join('  ')
      .trimEnd();
  return [line(header, false), ...cells.map((c) => line(c, true))];
}

/** The human report: the counts, the summary, then each diagnosis (or only the summary). */
export function fleetText(f: Fleet, o: FleetTextOptions): string {
  const p = paint(o.color);
  const rows = summaryRows(f.diagnoses);
  const lines = [p.bold(countsLine(f)), ...(rows.length ? summaryTable(rows, o) : []), ...f.notes.map((n) => p.dim(`Note: ${n}`))];
  let out = `${lines.join('\n')}\n`;
  if (o.summaryOnly) return out;
  for (const d of f.diagnoses) out += `\n${diagnosisText(d, { color: o.color, events: o.events, now: o.now })}`;
  return out;
}

/** A workload in a note: `deployment "web" in namespace "shop"`. */
export function described(kind: WorkloadKind, namespace: string, name: string): string {
  return `${RESOURCE_WORD[kind]} "${name}" in namespace "${namespace}"`;
}

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;

/** JSON Schema (2020-12) of `diagnose -o json` over several workloads; docs/json-output.md documents the same. */
export const DIAGNOSIS_LIST_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'kubectl paas diagnose -o json (several workloads)',
  type: 'object',
  required: ['apiVersion', 'kind', 'verdict', 'exitCode', 'counts', 'summary', 'notes'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: DIAGNOSIS_API_VERSION },
    kind: { const: 'DiagnosisList' },
    verdict: { enum: Object.values(Verdict) },
    exitCode: { enum: [0, 1] },
    counts: {
      type: 'object',
      required: ['workloads', 'healthy', 'progressing', 'problems'],
      additionalProperties: false,
      properties: { workloads: int, healthy: int, progressing: int, problems: int },
    },
    summary: {
      type: 'array',
      items: {
        type: 'object',
        required: ['kind', 'namespace', 'name', 'verdict', 'code', 'severity', 'summary', 'pods'],
        additionalProperties: false,
        properties: {
          kind: { enum: Object.values(WorkloadKind) },
          namespace: str,
          name: str,
          verdict: { enum: [Verdict.Problems, Verdict.Progressing] },
          code: str,
          severity: { enum: Object.values(Severity) },
          summary: str,
          pods: int,
        },
      },
    },
    items: { type: 'array', items: DIAGNOSIS_SCHEMA },
    notes: { type: 'array', items: str },
  },
} as const;
