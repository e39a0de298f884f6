// `kubectl paas audit`, the decisions: the policy engine run in memory on each live Deployment
// (checkDeployment, as `policy check` runs it on a manifest), its findings worded as the webhook's
// warn mode words them (core/policy/would.ts), the webhook's scope (scope.ts), and whether the
// webhook admitted the current pod template (its paas.io/deploy-id label). Pure: objects in, rows
// and counts out.
import type { PaasConfig } from '../../core/config.js';
import { ExitCode } from '../../core/errors.js';
import { LABEL } from '../../core/names.js';
import {
  checkDeployment,
  drainNotes,
  PolicyInputError,
  wouldLine,
  type ChangeKind,
  type ClusterFacts,
  type JsonObject,
  type Violation,
} from '../../core/policy/index.js';
import { OptOut, scopeOf, ScopeMode, type NamespaceLabels } from './scope.js';

/** What the audit says of one Deployment. */
export const Verdict = {
  /** The webhook sees it and would change nothing. */
  Meets: 'Meets',
  /** The webhook sees it (or its mode is unknown) and would change something. */
  FallsShort: 'FallsShort',
  /** The webhook sees it (or its mode is unknown) and the engine refuses it: an invalid paas.io/*
   * annotation or a malformed field (enforce mode refuses its writes). */
  Invalid: 'Invalid',
  /** The webhook never sees it (scope.ts's OptOut says why). */
  OptedOut: 'OptedOut',
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** One change the policy would make. */
export interface Change {
  kind: ChangeKind;
  /** e.g. spec.strategy.rollingUpdate.maxUnavailable */
  field: string;
  actual: string;
  expected: string;
  /** The webhook's warn-mode line: "paas: would change maxUnavailable 25% -> 0". */
  message: string;
}

/** One Deployment's row. */
export interface AuditRow {
  namespace: string;
  name: string;
  verdict: Verdict;
  /** What the webhook does with its writes: enforce, warn, none (opted out) or unknown. */
  mode: ScopeMode;
  optOut?: OptOut;
  /** Why it is opted out, or why its mode is unknown. */
  reason?: string;
  /** The webhook admitted its current pod template (paas.io/deploy-id is on it). */
  admitted: boolean;
  deployId?: string;
  /** What the policy would change, in the engine's order; for an opted-out Deployment, what it
   * would change were it in scope. */
  changes: Change[];
  /** The engine's advice that changes nothing (no port to probe, a surge pod that may not fit), and
   * what a node drain does to it (one replica survives none; warn mode: the budget it would get). */
  notes: string[];
  /** Invalid: the engine's message (the field, the value and why). */
  error?: string;
}

/** The policy the audit runs: paas.toml's [deploy] and [webhook], and the cluster's facts. */
export interface AuditPolicy {
  config: PaasConfig;
  facts: ClusterFacts;
}

/** The counts of the summary line. */
export interface AuditSummary {
  deployments: number;
  meets: number;
  fallsShort: number;
  invalid: number;
  optedOut: number;
  /** Deployments whose current pod template carries a deploy-id. */
  admitted: number;
  /** Deployments whose namespace's labels could not be read. */
  modeUnknown: number;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringsOf = (v: unknown): Record<string, string> =>
  isObject(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};

/** The template's deploy-id, when the webhook stamped one. */
function deployIdOf(object: JsonObject): string | undefined {
  const spec = object.spec;
  const template = isObject(spec) ? spec.template : undefined;
  const meta = isObject(template) ? template.metadata : undefined;
  const id = stringsOf(isObject(meta) ? meta.labels : undefined)[LABEL.deployId];
  return id === '' ? undefined : id;
}

/**
 * The object the engine judges: an apps/v1 Deployment (a list's items carry no kind), without
 * what makes the engine skip it (the opt-out label, a deletion under way), so that an opted-out
 * Deployment still shows what it would take to bring it in. The rest is shared, not copied.
 */
function judged(object: JsonObject, meta: JsonObject): JsonObject {
  const labels = stringsOf(meta.labels);
  const { [LABEL.rolloutPolicy]: _optOut, ...kept } = labels;
  const { deletionTimestamp: _deleting, ...rest } = meta;
  return { ...object, apiVersion: 'apps/v1', kind: 'Deployment', metadata: { ...rest, labels: kept } };
}

const changeOf = (v: Violation): Change => ({ kind: v.kind, field: v.field, actual: v.actual, expected: v.expected, message: wouldLine(v) });

/** The audit of one Deployment, as listed, whose namespace has `namespaceLabels` (undefined: unreadable). */
export function auditDeployment(object: JsonObject, namespaceLabels: NamespaceLabels, p: AuditPolicy): AuditRow {
  const meta = isObject(object.metadata) ? object.metadata : {};
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const name = typeof meta.name === 'string' ? meta.name : '';
  const deleting = meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null;
  const scope = scopeOf(p.config.webhook, { namespace, labels: stringsOf(meta.labels), deleting }, namespaceLabels);
  const deployId = deployIdOf(object);
  const row: AuditRow = {
    namespace,
    name,
    verdict: Verdict.Meets,
    mode: scope.mode,
    ...(scope.optOut ? { optOut: scope.optOut } : {}),
    ...(scope.reason ? { reason: scope.reason } : {}),
    admitted: deployId !== undefined,
    ...(deployId !== undefined ? { deployId } : {}),
    changes: [],
    notes: [],
  };
  try {
    const judgedObject = judged(object, meta);
    const check = checkDeployment(judgedObject, p.config.deploy, p.facts);
    row.changes = check.violations.map(changeOf);
    row.notes = [...check.notes, ...drainNotes(judgedObject, p.config.deploy, scope.mode === ScopeMode.warn)];
  } catch (err) {
    if (!(err instanceof PolicyInputError)) throw err;
    row.error = err.message;
  }
  row.verdict = scope.mode === ScopeMode.none ? Verdict.OptedOut : row.error ? Verdict.Invalid : row.changes.length > 0 ? Verdict.FallsShort : Verdict.Meets;
  return row;
}

/** Every Deployment's row, by namespace then name (kubectl get -A's order). */
export function auditAll(deployments: readonly JsonObject[], namespaces: ReadonlyMap<string, NamespaceLabels>, p: AuditPolicy): AuditRow[] {
  const rows = deployments.map((d) => {
    const ns = isObject(d.metadata) && typeof d.metadata.namespace === 'string' ? d.metadata.namespace : '';
    return auditDeployment(d, namespaces.get(ns), p);
  });
  return rows.sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1));
}

/** The counts of the rows. */
export function summarize(rows: readonly AuditRow[]): AuditSummary {
  const count = (v: Verdict) => rows.filter((r) => r.verdict === v).length;
  return {
    deployments: rows.length,
    meets: count(Verdict.Meets),
    fallsShort: count(Verdict.FallsShort),
    invalid: count(Verdict.Invalid),
    optedOut: count(Verdict.OptedOut),
    admitted: rows.filter((r) => r.admitted).length,
    modeUnknown: rows.filter((r) => r.mode === ScopeMode.unknown).length,
  };
}

/** The exit code: 1 when some Deployment in the webhook's scope (or of unknown scope) falls short
 * or is invalid; 0 otherwise (opted-out Deployments never count). */
export function exitCodeOf(s: AuditSummary): ExitCode {
  return s.fallsShort + s.invalid > 0 ? ExitCode.problems : ExitCode.ok;
}
