// The Helm chart's MutatingAdmissionPolicy (templates/mutating-admission-policy.yaml, installed
// with `mode: admission-policy`), generated from core/policy so that the chart cannot say other
// than admissionPolicyObjects. The objects are rendered once for every combination of the values
// that change their shape (readiness_probe; whether, and how, a preStop hook is added; [webhook]
// mode and namespaces), with markers where a value only changes a literal (surge, timeout, the
// probe's path and headers, the grace period, the sleep, the excluded namespaces). The renderings
// are merged into one template: what all share is written once, each list item that only some
// have gets an {{ if }} over the values that pick it, and the markers become the chart's values.
// Pure: text out. `make admission-policy-overlay` writes it; test/unit/release/helm-admission-
// policy.test.ts regenerates it and compares, and renders the chart with `helm template` against
// admissionPolicyObjects for the same values.
import { stringify } from 'yaml';
import { Mode, NamespaceSelection } from '../../core/config.js';
import {
  admissionPolicyObjects,
  DEFAULT_ADMISSION_POLICY_SCOPE,
  DEFAULT_POLICY,
  PreStopMode,
  ProbeKind,
  SHUTDOWN_SECONDS,
  type JsonObject,
  type JsonValue,
  type Policy,
} from '../../core/policy/index.js';

/** The generated file, relative to the repository's root. */
export const CHART_POLICY_FILE = 'manifests/helm/paas-webhook/templates/mutating-admission-policy.yaml';

/** Whether, and how, the policy adds a preStop hook: the chart's $prestop. */
const PreStop = { none: 'none', sleep: 'sleep', exec: 'exec' } as const;

/** The values that change the policy's shape: the Helm expression that reads each, every value it takes. */
const DIMENSIONS = {
  readinessProbe: { helm: '$d.readiness_probe', values: Object.values(ProbeKind) },
  prestop: { helm: '$prestop', values: Object.values(PreStop) },
  mode: { helm: '$w.mode', values: Object.values(Mode) },
  namespaces: { helm: '$w.namespaces', values: Object.values(NamespaceSelection) },
} as const;
type Dimension = keyof typeof DIMENSIONS;
type Variant = { [D in Dimension]: (typeof DIMENSIONS)[D]['values'][number] };

/** Stand-ins for the values that only change a literal: strings none of the CEL holds, numbers none of it writes. */
const MARK = {
  surge: '@@surge@@',
  maxUnavailable: '@@max_unavailable@@',
  probePath: '@@readiness_probe_path@@',
  header: { name: '@@header_name@@', value: '@@header_value@@' },
  excluded: '@@excluded@@',
  own: '@@own@@',
  timeout: 1357913579,
  grace: 1246802468,
  sleep: 97531,
} as const;

/** Each marker's text in an expression and the chart's words for it (helpers of _helpers.tpl). */
const LITERALS: readonly (readonly [RegExp, string])[] = [
  [literal(`dyn(${JSON.stringify(MARK.surge)})`), '{{ include "paas.celDyn" $d.surge }}'],
  [literal(`dyn(${JSON.stringify(MARK.maxUnavailable)})`), '{{ include "paas.celDyn" $d.max_unavailable }}'],
  [literal(JSON.stringify(MARK.probePath)), '{{ toRawJson $d.readiness_probe_path }}'],
  [literal(`[${JSON.stringify([MARK.header.name, MARK.header.value]).replace(',', ', ')}]`), '[{{ include "paas.celHeaders" $d.readiness_probe_headers }}]'],
  [new RegExp(`\\b${MARK.timeout}\\b`, 'g'), '{{ $d.timeout | int64 }}'],
  [new RegExp(`\\b${MARK.grace}\\b`, 'g'), '{{ $grace }}'],
  [new RegExp(`\\b${MARK.sleep}\\b`, 'g'), '{{ $d.prestop_sleep | int64 }}'],
];
/** Whole values the chart writes itself: the excluded namespaces, the webhook's own last (namespaceSelectors' order). */
const VALUES: ReadonlyMap<string, string> = new Map([
  [JSON.stringify([MARK.excluded, MARK.own]), '{{ append (without .Values.excludedNamespaces $ns) $ns | toJson }}'],
]);

/** A pattern for `text` as it is, everywhere it occurs. */
function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
}

/** Every combination of the dimensions' values, the first dimension slowest. */
function variants(): Variant[] {
  let out: Partial<Variant>[] = [{}];
  for (const [d, spec] of Object.entries(DIMENSIONS) as [Dimension, (typeof DIMENSIONS)[Dimension]][]) {
    out = out.flatMap((v) => spec.values.map((x) => ({ ...v, [d]: x })));
  }
  return out as Variant[];
}

/** The policy and binding of one variant, with the markers in place. */
function rendering(v: Variant): JsonObject[] {
  const deploy: Policy = {
    ...DEFAULT_POLICY,
    surge: MARK.surge,
    maxUnavailable: MARK.maxUnavailable,
    timeout: MARK.timeout,
    readinessProbe: v.readinessProbe,
    readinessProbePath: MARK.probePath,
    readinessProbeHeaders: [MARK.header],
    prestopSleep: v.prestop === PreStop.none ? 0 : MARK.sleep,
    prestopMode: v.prestop === PreStop.exec ? PreStopMode.exec : PreStopMode.sleep,
    terminationGracePeriod: MARK.grace,
  };
  const scope = { ...DEFAULT_ADMISSION_POLICY_SCOPE, excludedNamespaces: [MARK.excluded], ownNamespace: MARK.own, mode: v.mode, namespaces: v.namespaces };
  // Every cluster that serves the v1 policy has the native sleep action.
  return admissionPolicyObjects({ deploy }, { nativeSleep: true }, scope);
}

// ---- merging the renderings ----------------------------------------------------------------

/** A part of the template: the same in every rendering, a map of parts, or a list whose items some renderings lack. */
type Part = { literal: JsonValue } | { map: [string, Part][] } | { list: { value: JsonValue; in: ReadonlySet<number> }[] };

const canonical = (v: JsonValue): string => JSON.stringify(v);
const isMap = (v: JsonValue): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One part from the same place in every rendering. */
function merge(values: readonly JsonValue[], at: string): Part {
  const first = values[0]!;
  if (values.every((v) => canonical(v) === canonical(first))) return { literal: first };
  if (values.every((v): v is JsonValue[] => Array.isArray(v))) return { list: mergeLists(values) };
  const keys = isMap(first) ? Object.keys(first).join() : undefined;
  if (keys !== undefined && values.every((v) => isMap(v) && Object.keys(v).join() === keys)) {
    return {
      map: Object.keys(first).map((k) => [
        k,
        merge(
          values.map((v) => (v as JsonObject)[k]!),
          `${at}.${k}`,
        ),
      ]),
    };
  }
  throw new Error(`${at}: the renderings differ other than by list items; the chart's template cannot pick between them`);
}

/** Every item of the lists once, in an order each list keeps, with the renderings that have it. */
function mergeLists(lists: readonly JsonValue[][]): { value: JsonValue; in: ReadonlySet<number> }[] {
  const items = new Map<string, { value: JsonValue; in: Set<number>; rank: [number, number]; after: Set<string> }>();
  for (const [r, list] of lists.entries()) {
    for (const [i, value] of list.entries()) {
      const key = canonical(value);
      const item = items.get(key) ?? { value, in: new Set<number>(), rank: [r, i] as [number, number], after: new Set<string>() };
      items.set(key, item);
      item.in.add(r);
      if (i > 0) item.after.add(canonical(list[i - 1]!));
    }
  }
  // Kahn's order: among the items whose predecessors are placed, the earliest of the earliest rendering.
  const out: { value: JsonValue; in: ReadonlySet<number> }[] = [];
  const placed = new Set<string>();
  while (placed.size < items.size) {
    const ready = [...items].filter(([k, x]) => !placed.has(k) && [...x.after].every((p) => placed.has(p)));
    if (ready.length === 0) throw new Error('the renderings order their list items differently');
    const earlier = (a: [number, number], b: [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
    const [key, next] = ready.reduce((a, b) => (earlier(b[1].rank, a[1].rank) ? b : a));
    placed.add(key);
    out.push({ value: next.value, in: next.in });
  }
  return out;
}

// ---- conditions ----------------------------------------------------------------------------

type Test = { dimension: Dimension; values: readonly string[] };

/** The chart's words for "the dimension has one of these values". */
function testText({ dimension, values }: Test): string {
  const { helm, values: all } = DIMENSIONS[dimension];
  if (values.length === 1) return `eq ${helm} "${values[0]!}"`;
  if (values.length === all.length - 1) return `ne ${helm} "${all.find((x) => !values.includes(x))!}"`;
  return `has ${helm} (list ${values.map((x) => `"${x}"`).join(' ')})`;
}

/** Every non-empty proper subset of a dimension's values, as tests. */
function tests(d: Dimension): Test[] {
  const all: readonly string[] = DIMENSIONS[d].values;
  const out: Test[] = [];
  for (let mask = 1; mask < (1 << all.length) - 1; mask++) out.push({ dimension: d, values: all.filter((_, i) => mask & (1 << i)) });
  return out;
}

/** The simplest condition true for exactly the renderings `set`: one test, two joined by and, or the negation of either. */
function condition(set: ReadonlySet<number>, all: readonly Variant[]): string | undefined {
  if (set.size === all.length) return undefined;
  const holds = (ts: Test[], v: Variant) => ts.every((t) => t.values.includes(v[t.dimension]));
  const exactly = (ts: Test[], negated: boolean) => all.every((v, i) => (holds(ts, v) !== negated) === set.has(i));
  const singles = (Object.keys(DIMENSIONS) as Dimension[]).flatMap((d) => tests(d).map((t) => [t]));
  const pairs = singles.flatMap((a, i) => singles.slice(i + 1).flatMap((b) => (a[0]!.dimension === b[0]!.dimension ? [] : [[...a, ...b]])));
  const words = (ts: Test[]) => (ts.length === 1 ? testText(ts[0]!) : `and (${ts.map(testText).join(') (')})`);
  for (const negated of [false, true]) {
    const found = [...singles, ...pairs].find((ts) => exactly(ts, negated));
    if (found) return negated ? `not (${words(found)})` : words(found);
  }
  throw new Error('a list item is in a set of renderings no condition of one or two values picks');
}

// ---- writing YAML --------------------------------------------------------------------------

const pad = (n: number): string => ' '.repeat(n);

/** A scalar on one line, as the yaml library quotes it (or not). */
function scalar(v: string | number | boolean | null): string {
  const text = stringify(v, { lineWidth: 0 }).trimEnd();
  if (text.includes('\n')) throw new Error(`${JSON.stringify(v)}: not a one-line scalar`);
  return text;
}

/** A CEL expression as a literal block, its markers made the chart's values: written as the API server reads it. */
function expression(text: string, indent: number): string[] {
  const control = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)).some((c) => c !== 0x0a && (c < 0x20 || c === 0x7f));
  if (control || /^\s|\s$/.test(text)) throw new Error(`an expression a literal block cannot hold as it is: ${text.slice(0, 60)}`);
  if (text.includes('{{')) throw new Error(`an expression the chart would read as its own: ${text.slice(0, 60)}`);
  let out = text;
  for (const [marker, helm] of LITERALS) out = out.replace(marker, helm);
  const left = /@@\w+@@/.exec(out) ?? new RegExp(`\\b(${MARK.timeout}|${MARK.grace}|${MARK.sleep})\\b`).exec(out);
  if (left) throw new Error(`a marker the chart has no words for: ${left[0]}`);
  return out.split('\n').map((l) => (l === '' ? '' : pad(indent) + l));
}

/** `key: value` at `indent`. */
function entry(key: string, v: JsonValue, indent: number): string[] {
  const head = `${pad(indent)}${key}:`;
  const chart = VALUES.get(canonical(v));
  if (chart !== undefined) return [`${head} ${chart}`];
  if (key === 'expression' && typeof v === 'string') return [`${head} |-`, ...expression(v, indent + 2)];
  if (Array.isArray(v)) return v.length === 0 ? [`${head} []`] : [head, ...v.flatMap((x) => item(x, indent + 2))];
  if (isMap(v)) return Object.keys(v).length === 0 ? [`${head} {}`] : [head, ...Object.entries(v).flatMap(([k, x]) => entry(k, x, indent + 2))];
  return [`${head} ${scalar(v)}`];
}

/** `- value` at `indent`. */
function item(v: JsonValue, indent: number): string[] {
  if (!isMap(v)) {
    if (Array.isArray(v)) throw new Error('a list in a list');
    return [`${pad(indent)}- ${scalar(v)}`];
  }
  const lines = Object.entries(v).flatMap(([k, x]) => entry(k, x, indent + 2));
  lines[0] = `${pad(indent)}- ${lines[0]!.slice(indent + 2)}`;
  return lines;
}

/** A part as `key: ...` at `indent`, its list items that only some renderings have under {{ if }}s. */
function partLines(key: string, part: Part, indent: number, all: readonly Variant[]): string[] {
  if ('literal' in part) return entry(key, part.literal, indent);
  const head = `${pad(indent)}${key}:`;
  if ('map' in part) return [head, ...part.map.flatMap(([k, p]) => partLines(k, p, indent + 2, all))];
  const out = [head];
  let open: string | undefined;
  for (const x of part.list) {
    const when = condition(x.in, all);
    if (when !== open) {
      if (open !== undefined) out.push('{{- end }}');
      if (when !== undefined) out.push(`{{- if ${when} }}`);
      open = when;
    }
    out.push(...item(x.value, indent + 2));
  }
  if (open !== undefined) out.push('{{- end }}');
  return out;
}

/** One object of the template: its kind, its name with the chart's labels, its spec merged from every rendering. */
function objectLines(objects: readonly JsonObject[], all: readonly Variant[]): string[] {
  const first = objects[0]!;
  for (const o of objects) {
    if (canonical(o.metadata!) !== canonical(first.metadata!) || o.kind !== first.kind) throw new Error('the renderings name their objects differently');
  }
  return [
    `apiVersion: ${scalar(first.apiVersion as string)}`,
    `kind: ${scalar(first.kind as string)}`,
    'metadata:',
    `  name: ${scalar((first.metadata as JsonObject).name as string)}`,
    '  {{- include "paas.metadata" (dict "root" $) | nindent 2 }}',
    ...partLines(
      'spec',
      merge(
        objects.map((o) => o.spec!),
        'spec',
      ),
      0,
      all,
    ),
  ];
}

const HEADER = [
  '{{- /* Generated by `make admission-policy-overlay` (plugin/release/helm-admission-policy.ts) from',
  'core/policy/admission-policy.ts: do not edit. mode admission-policy: the rollout policy of config.deploy',
  'as a MutatingAdmissionPolicy and its binding (Kubernetes >= 1.36), run by the API server itself',
  'instead of the webhook, where config.webhook (mode, namespaces) and excludedNamespaces say; the',
  'webhook would never mutate namespace.name, nor does the policy. What it cannot do as the webhook',
  'does: docs/admission-policy.md. */ -}}',
];

/** The chart's names for what the template reads: how the policy adds a preStop hook
 * (core/policy/rules.ts: usesNativeSleep on a cluster with the sleep action) and the grace period
 * it asks for (graceSeconds). */
const PREAMBLE = [
  '{{- if eq .Values.mode "admission-policy" }}',
  '{{- $d := .Values.config.deploy }}',
  '{{- $w := .Values.config.webhook }}',
  '{{- $ns := include "paas.namespace" . }}',
  `{{- $prestop := "${PreStop.sleep}" }}`,
  `{{- if eq (int64 $d.prestop_sleep) 0 }}{{ $prestop = "${PreStop.none}" }}{{ else if eq $d.prestop_mode "${PreStopMode.exec}" }}{{ $prestop = "${PreStop.exec}" }}{{ end }}`,
  '{{- $grace := int64 $d.termination_grace_period }}',
  `{{- if and (gt (int64 $d.prestop_sleep) 0) (gt (add $d.prestop_sleep ${SHUTDOWN_SECONDS}) $grace) }}{{ $grace = add $d.prestop_sleep ${SHUTDOWN_SECONDS} | int64 }}{{ end }}`,
];

/** templates/mutating-admission-policy.yaml, as committed. */
export function chartPolicyTemplate(): string {
  const all = variants();
  const renderings = all.map(rendering);
  const count = renderings[0]!.length;
  const objects = Array.from({ length: count }, (_, i) =>
    objectLines(
      renderings.map((r) => r[i]!),
      all,
    ),
  );
  return [...HEADER, ...PREAMBLE, ...objects.flatMap((o, i) => (i === 0 ? o : ['---', ...o])), '{{- end }}', ''].join('\n');
}
