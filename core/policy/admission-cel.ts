// The rollout policy as CEL, for the MutatingAdmissionPolicy of admission-policy.ts: the variables
// and the mutations' expressions, each rule written to give what the engine (rules.ts,
// overrides.ts, values.ts) gives for the same Deployment. The API server evaluates them on the
// defaulted object, in order; each mutation sees the object the previous one produced.
// Kubernetes' CEL as of 1.36 is enough: two-variable comprehensions (transformList), the strings
// extension (split, trim, substring, strings.quote), regex find/matches, optional types. No
// function of the lists library (min, max) is used, so nothing depends on the library's version.
import { escapeToken } from './json.js';
import { ANNOTATION, LABEL, OPT_OUT_VALUE } from '../names.js';
import { annotationField } from './overrides.js';
import { graceSeconds, POD_TEMPLATE_HASH, PROBE_TIMING, SHUTDOWN_SECONDS, usesNativeSleep } from './rules.js';
import { BudgetMode, ProbeKind, SPREAD_OFF, type ClusterFacts, type IntOrPercent, type Policy, type ProbeHeader } from './types.js';

/** A named CEL expression: a policy variable or a match condition. */
export interface NamedExpression {
  name: string;
  expression: string;
}

/** A CEL string literal. JSON's quoting is CEL's too (\" \\ \n \uXXXX; TOML text has no lone surrogate). */
const lit = (s: string): string => JSON.stringify(s);
const v = (name: string): string => `variables.${name}`;
const ann = (key: string): string => `variables.annotations[${lit(key)}]`;
const present = (key: string): string => `${lit(key)} in variables.annotations`;

/** JavaScript's whitespace (String.prototype.trim, /\s/: tab, LF, VT, FF, CR, the Zs spaces, the
 * line and paragraph separators, BOM) as an RE2 class body. CEL's trim() would also strip U+0085
 * and keep U+FEFF, so the policy trims as the engine does. */
const JS_SPACE = String.raw`\s\v\p{Zs}\x{2028}\x{2029}\x{feff}`;
/** `x.trim()` of the engine: the span from the first to the last non-space character. */
const jsTrim = (x: string): string => `${x}.find(${lit(`[^${JS_SPACE}](?s:.*[^${JS_SPACE}])?`)})`;
/** showValue() of the engine for a string: JSON-quoted, cut to 77 characters and "..." past 80. */
const show = (x: string): string => `(size(strings.quote(${x})) > 80 ? strings.quote(${x}).substring(0, 77) + "..." : strings.quote(${x}))`;

const INT32_MAX = 2_147_483_647;
const DIGITS = '^(0|[1-9][0-9]{0,9})$';
const PERCENT = '^(0|[1-9][0-9]{0,9})%$';
const PORT_NAME = '^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$';
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$";
/** A decimal number as JavaScript's Number() reads one (exponents of up to two digits). */
const DECIMAL = '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]{1,2})?$';
const DEPLOY_ID_PATH = `/spec/template/metadata/labels/${escapeToken(LABEL.deployId)}`;

// The CEL types of the fields the patches write (Object.<path>, as the API server names them).
const CONTAINER = 'Object.spec.template.spec.containers';
const PROBE = `${CONTAINER}.readinessProbe`;
const HEADER = `${PROBE}.httpGet.httpHeaders`;
const SPREAD = 'Object.spec.template.spec.topologySpreadConstraints';
const SPREAD_SELECTOR = `${SPREAD}.labelSelector`;
const SPREAD_EXPRESSION = `${SPREAD_SELECTOR}.matchExpressions`;

/** values.ts' isLabelKey: an optional DNS subdomain prefix of at most 253 characters and a slash,
 * then a name of at most 63. */
const LABEL_KEY = String.raw`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`;

/** What the rendered CEL bakes in: the [deploy] policy and how an added preStop hook is written. */
export interface CelInput {
  policy: Policy;
  facts: ClusterFacts;
}

/** A port of a container that is TCP (the API server defaults protocol to TCP). */
const TCP = (p: string): string => `(!has(${p}.protocol) || ${p}.protocol == "TCP")`;

/** The engine's checkIntOrPercent(text, true, max): the reason it refuses `t`, or "". */
function intOrPercentReason(t: string, maxPercent?: number): string {
  const expected = lit('expected an integer >= 0 or a percentage like "25%"');
  const percent =
    maxPercent === undefined
      ? `${t}.matches(${lit(PERCENT)}) ? "" : ${expected}`
      : `!${t}.matches(${lit(PERCENT)}) ? ${expected} : int(${t}.substring(0, size(${t}) - 1)) > ${maxPercent} ? ${lit(`expected at most ${maxPercent}%`)} : ""`;
  return `${t}.matches(${lit(DIGITS)}) ? (int(${t}) <= ${INT32_MAX} ? "" : ${expected}) : ${percent}`;
}

/** A knob's literal, typed dyn: an int or a percentage string, either fits an IntOrString. */
const intOrPercent = (x: IntOrPercent): string => `dyn(${typeof x === 'number' ? String(x) : lit(x)})`;

/** The engine's checkPort: a number 1-65535 (leading zeros allowed) or an IANA service name. */
const portOk = (x: string): string =>
  `((${x}.matches("^0*[0-9]{1,5}$") && int(${x}) >= 1 && int(${x}) <= 65535) || (${x}.matches(${lit(PORT_NAME)}) && ${x}.matches("[a-z]") && !${x}.contains("--")))`;

/** The port part of one item of paas.io/readiness-probe-port: `8080`, or the `8080` of `app=8080`. */
const portPart = (i: string): string => `(${i}.indexOf("=") < 0 ? ${i} : ${jsTrim(`${i}.substring(${i}.indexOf("=") + 1)`)})`;

/** Why each paas.io/* annotation is invalid ("" when absent or valid): overrides.ts' checks. */
function reasonVariables(): NamedExpression[] {
  const surge = ann(ANNOTATION.surge);
  const maxUnavailable = ann(ANNOTATION.maxUnavailable);
  const timeout = ann(ANNOTATION.timeout);
  const path = ann(ANNOTATION.readinessProbePath);
  const spread = ann(ANNOTATION.topologySpread);
  const budget = ann(ANNOTATION.disruptionBudget);
  return [
    { name: 'surgeReason', expression: `!(${present(ANNOTATION.surge)}) ? "" : ${intOrPercentReason(surge)}` },
    { name: 'maxUnavailableReason', expression: `!(${present(ANNOTATION.maxUnavailable)}) ? "" : ${intOrPercentReason(maxUnavailable, 100)}` },
    {
      name: 'timeoutReason',
      expression: `!(${present(ANNOTATION.timeout)}) || (${timeout}.matches("^[0-9]{1,10}$") && int(${timeout}) >= 1 && int(${timeout}) <= ${INT32_MAX}) ? "" : "expected a whole number of seconds >= 1"`,
    },
    {
      name: 'spreadReason',
      expression: `!(${present(ANNOTATION.topologySpread)}) || ${spread} == ${lit(SPREAD_OFF)} || (${spread}.matches(${lit(LABEL_KEY)}) && ${spread}.indexOf("/") <= 253) ? "" : ${lit('expected "off" or a node label key such as "kubernetes.io/hostname" or "topology.kubernetes.io/zone"')}`,
    },
    {
      name: 'budgetReason',
      expression: `!(${present(ANNOTATION.disruptionBudget)}) || ${budget} == ${lit(BudgetMode.auto)} || ${budget} == ${lit(BudgetMode.off)} ? "" : ${lit(
        `expected one of ${Object.values(BudgetMode)
          .map((m) => JSON.stringify(m))
          .join(', ')}`,
      )}`,
    },
    {
      name: 'probePathReason',
      expression: `!(${present(ANNOTATION.readinessProbePath)}) || (${path}.startsWith("/") && !${path}.matches(${lit(`[${JS_SPACE}]`)})) ? "" : ${lit('expected an HTTP path starting with "/"')}`,
    },
  ];
}

/** paas.io/readiness-probe-headers ("Name=value,Name=value"): its items, pairs and reason. */
function headerVariables(): NamedExpression[] {
  const text = ann(ANNOTATION.readinessProbeHeaders);
  const pair = (item: string) => `[${jsTrim(`${item}.substring(0, ${item}.indexOf("="))`)}, ${item}.substring(${item}.indexOf("=") + 1)]`;
  const pairReason = [
    `!p[0].matches(${lit(HEADER_NAME)}) ? "\\"" + p[0] + "\\" is not an HTTP header name"`,
    `p[1].matches(${lit(String.raw`[\r\n\x00]`)}) ? "the value of " + p[0] + " has a line break"`,
    `${v('headerPairs')}.exists(j, q, j < i && q[0].lowerAscii() == p[0].lowerAscii()) ? "header " + p[0] + " given twice"`,
    '""',
  ].join('\n  : ');
  return [
    { name: 'headerItems', expression: `${present(ANNOTATION.readinessProbeHeaders)} && ${jsTrim(text)} != "" ? ${text}.split(",") : []` },
    { name: 'headerPairs', expression: `${v('headerItems')}.filter(i, i.indexOf("=") > 0).map(i, ${pair('i')})` },
    { name: 'headerPairReasons', expression: `${v('headerPairs')}.transformList(i, p,\n  ${pairReason}).filter(r, r != "")` },
    {
      name: 'headerReason',
      expression: [
        `!${v('headerItems')}.all(i, i.indexOf("=") > 0) ? ${lit('expected Name=value pairs separated by commas ("X-Forwarded-Proto=https,X-Forwarded-Ssl=on")')}`,
        `size(${v('headerPairs')}) > 10 ? "at most 10 headers"`,
        `size(${v('headerPairReasons')}) > 0 ? ${v('headerPairReasons')}[0]`,
        '""',
      ].join('\n  : '),
    },
  ];
}

/** paas.io/readiness-probe-port (`8080`, `http`, `app=8080,worker=9090` or `none`): items and reason. */
function portVariables(): NamedExpression[] {
  const key = ANNOTATION.readinessProbePort;
  const text = ann(key);
  return [
    { name: 'portItems', expression: `${present(key)} && ${jsTrim(text)} != "none" ? ${text}.split(",").map(s, ${jsTrim('s')}) : []` },
    {
      name: 'portPairs',
      expression: `${v('portItems')}.filter(i, i.indexOf("=") >= 0).map(i, [${jsTrim('i.substring(0, i.indexOf("="))')}, ${portPart('i')}])`,
    },
    { name: 'portBare', expression: `${v('portItems')}.filter(i, i.indexOf("=") < 0)` },
    { name: 'portTexts', expression: `${v('portItems')}.map(i, ${portPart('i')})` },
    {
      name: 'portReason',
      expression: [
        `${v('portTexts')}.all(t, ${portOk('t')})`,
        `size(${v('portBare')}) <= 1`,
        `${v('portPairs')}.all(p, p[0] != "" && size(${v('portPairs')}.filter(q, q[0] == p[0])) == 1)`,
      ]
        .join('\n  && ')
        .concat(`\n  ? "" : ${lit('expected a port ("8080", "http"), container=port pairs ("app=8080,worker=9090") or "none"')}`),
    },
  ];
}

/** The policy for this Deployment: paas.toml's values, or its valid annotations' (overrides.ts). */
function effectiveVariables(policy: Policy): NamedExpression[] {
  const valid = (key: string, reason: string) => `${present(key)} && ${v(reason)} == ""`;
  const surge = (key: string) => `(${ann(key)}.matches(${lit(DIGITS)}) ? dyn(int(${ann(key)})) : dyn(${ann(key)}))`;
  // [name, value] pairs: variables cannot build Object.* values (only mutations have those types).
  const header = (h: ProbeHeader) => `[${lit(h.name)}, ${lit(h.value)}]`;
  return [
    { name: 'surge', expression: `${valid(ANNOTATION.surge, 'surgeReason')} ? ${surge(ANNOTATION.surge)} : ${intOrPercent(policy.surge)}` },
    {
      name: 'maxUnavailable',
      expression: `${valid(ANNOTATION.maxUnavailable, 'maxUnavailableReason')} ? ${surge(ANNOTATION.maxUnavailable)} : ${intOrPercent(policy.maxUnavailable)}`,
    },
    { name: 'timeout', expression: `${valid(ANNOTATION.timeout, 'timeoutReason')} ? int(${ann(ANNOTATION.timeout)}) : ${policy.timeout}` },
    {
      name: 'probePath',
      expression: `${valid(ANNOTATION.readinessProbePath, 'probePathReason')} ? string(${ann(ANNOTATION.readinessProbePath)}) : ${lit(policy.readinessProbePath)}`,
    },
    {
      name: 'probeHeaders',
      expression: `${valid(ANNOTATION.readinessProbeHeaders, 'headerReason')}\n  ? ${v('headerPairs')}.map(p, [p[0], ${jsTrim('p[1]')}])\n  : [${policy.readinessProbeHeaders.map(header).join(', ')}]`,
    },
    {
      name: 'spreadKey',
      expression: `${valid(ANNOTATION.topologySpread, 'spreadReason')} ? string(${ann(ANNOTATION.topologySpread)}) : ${lit(policy.topologySpread)}`,
    },
    { name: 'probePairs', expression: `${v('portReason')} == "" ? ${v('portPairs')} : []` },
    { name: 'portless', expression: `${v('portReason')} == "" && size(${v('portBare')}) == 1 ? ${v('portBare')}[0] : ""` },
  ];
}

/** The port each regular container's added probe targets, as text ("" for none; probePortFor). */
function probePortVariables(): NamedExpression[] {
  const tcp = `${v('tcpPorts')}[i]`;
  const first = `${tcp}[0]`;
  return [
    { name: 'tcpPorts', expression: `${v('pod')}.containers.map(c, has(c.ports) ? c.ports.filter(p, ${TCP('p')}) : [])` },
    {
      name: 'probePorts',
      expression: [
        `${v('pod')}.containers.transformList(i, c,`,
        `  ${v('probePairs')}.exists(p, p[0] == c.name) ? ${v('probePairs')}.filter(p, p[0] == c.name)[0][1]`,
        `  : size(${tcp}) > 0 ? (${tcp}.exists(p, has(p.name) && p.name == "http") ? "http"`,
        `    : has(${first}.name) && ${first}.name != "" ? ${first}.name : string(${first}.containerPort))`,
        `  : ${v('portless')})`,
      ].join('\n'),
    },
    { name: 'probePortValues', expression: `${v('probePorts')}.map(t, t.matches("^[0-9]+$") ? dyn(int(t)) : dyn(t))` },
  ];
}

/** HTTPS or HTTP for each regular container's added HTTP probe (isHttps in rules.ts). */
function schemeVariables(): NamedExpression[] {
  const port = `${v('probePortValues')}[i]`;
  const info = `${v('probeInfos')}[i]`;
  const httpsProbe = (k: string) =>
    `(has(c.${k}) && has(c.${k}.httpGet) && has(c.${k}.httpGet.scheme) && c.${k}.httpGet.scheme == "HTTPS" && (c.${k}.httpGet.port == ${port}` +
    ` || (size(${info}) > 0 && ((has(${info}[0].name) && c.${k}.httpGet.port == ${info}[0].name) || c.${k}.httpGet.port == ${info}[0].containerPort))))`;
  return [
    {
      name: 'probeInfos',
      expression: `${v('pod')}.containers.transformList(i, c, has(c.ports) ? c.ports.filter(p, (has(p.name) && p.name == ${port}) || p.containerPort == ${port}) : [])`,
    },
    {
      name: 'probeHttps',
      expression: [
        `${v('pod')}.containers.transformList(i, c,`,
        `  (size(${info}) > 0 && has(${info}[0].name) && ${info}[0].name.matches("^https($|-)"))`,
        `  || (size(${info}) > 0 ? ${info}[0].containerPort : ${port}) == 443`,
        `  || ${httpsProbe('livenessProbe')}`,
        `  || ${httpsProbe('startupProbe')})`,
      ].join('\n'),
    },
  ];
}

/** The engine's refusals, in its order, each as the webhook words it ("" entries dropped). */
function problemsVariable(policy: Policy): NamedExpression[] {
  const message = (key: string, reason: string) =>
    `${v(reason)} == "" ? "" : ${lit(annotationField(key))} + ": " + ${v(reason)} + ", got " + ${show(ann(key))}`;
  const zero = (x: string) => `(${x} == 0 || ${x} == "0%")`;
  const bothZero = (key: string) =>
    `${lit(annotationField(key))} + ": surge and max-unavailable cannot both be 0 (no rollout could make progress), got " + ${show(ann(key))}`;
  const portField = lit(annotationField(ANNOTATION.readinessProbePort));
  const unknown = `${v('probePairs')}.filter(p, !${v('pod')}.containers.exists(c, c.name == p[0]))`;
  const checks = [
    message(ANNOTATION.surge, 'surgeReason'),
    message(ANNOTATION.maxUnavailable, 'maxUnavailableReason'),
    message(ANNOTATION.timeout, 'timeoutReason'),
    message(ANNOTATION.readinessProbePath, 'probePathReason'),
    message(ANNOTATION.readinessProbeHeaders, 'headerReason'),
    message(ANNOTATION.topologySpread, 'spreadReason'),
    message(ANNOTATION.disruptionBudget, 'budgetReason'),
    message(ANNOTATION.readinessProbePort, 'portReason'),
    `${zero(v('surge'))} && ${zero(v('maxUnavailable'))} ? (${present(ANNOTATION.maxUnavailable)} ? ${bothZero(ANNOTATION.maxUnavailable)} : ${bothZero(ANNOTATION.surge)}) : ""`,
    `has(object.spec.minReadySeconds) && object.spec.minReadySeconds >= ${v('timeout')} ? "spec.minReadySeconds: must be less than the policy's progressDeadlineSeconds " + string(${v('timeout')}) + ${lit(` (set annotation ${ANNOTATION.timeout}), got `)} + string(object.spec.minReadySeconds) : ""`,
    `size(${unknown}) > 0 ? ${portField} + ": no regular container has that name, got " + ${show(`${unknown}[0][0]`)} : ""`,
  ];
  if (policy.readinessProbe !== ProbeKind.off) checks.push(`size(${v('undeclaredPorts')}) > 0 ? ${v('undeclaredPorts')}[0] : ""`);
  const ref = `request.namespace + "/" + (has(request.name) && request.name != "" ? request.name : has(object.metadata.generateName) ? object.metadata.generateName + "*" : "<unnamed>")`;
  const undeclared = [
    `${v('pod')}.containers.transformList(i, c,`,
    `  !has(c.readinessProbe) && ${v('probePorts')}[i] != "" && !${v('probePorts')}[i].matches("^[0-9]+$")`,
    `    && !(has(c.ports) && c.ports.exists(p, has(p.name) && p.name == ${v('probePorts')}[i])),`,
    `  ${portField} + ": container " + c.name + " declares no port of that name, got " + ${show(`${v('probePorts')}[i]`)})`,
  ].join('\n');
  return [
    ...(policy.readinessProbe !== ProbeKind.off ? [{ name: 'undeclaredPorts', expression: undeclared }] : []),
    { name: 'problems', expression: `[\n  ${checks.join(',\n  ')}\n].filter(m, m != "").map(m, "paas: deployment " + ${ref} + ": " + m)` },
  ];
}

/** The seconds each container's and native sidecar's preStop hook sleeps (hookSleepSeconds,
 * rounded up), and the grace period they and the policy ask for (graceSeconds). */
function graceVariables(policy: Policy): NamedExpression[] {
  const sidecars = `(has(${v('pod')}.initContainers) ? ${v('pod')}.initContainers.filter(c, has(c.restartPolicy) && c.restartPolicy == "Always") : [])`;
  const have = `(has(${v('pod')}.terminationGracePeriodSeconds) ? int(${v('pod')}.terminationGracePeriodSeconds) : 30)`;
  const arg = `${v('execSleeps')}[i]`;
  const seconds = `double(${arg})`;
  return [
    {
      name: 'preStops',
      expression: `(${v('pod')}.containers + ${sidecars}).map(c, has(c.lifecycle) && has(c.lifecycle.preStop) ? c.lifecycle.preStop : {})`,
    },
    {
      // The N of an exec of `sleep N`, as text ("" for any other hook).
      name: 'execSleeps',
      expression: [
        `${v('preStops')}.map(h, has(h.exec) && has(h.exec.command) && size(h.exec.command) == 2`,
        `  && h.exec.command[0].matches("^(/usr/bin/|/bin/)?sleep$") ? ${jsTrim('h.exec.command[1]')} : "")`,
      ].join('\n'),
    },
    {
      name: 'hookSleeps',
      expression: [
        `${v('preStops')}.transformList(i, h, has(h.sleep) ? int(h.sleep.seconds)`,
        `  : ${arg}.matches(${lit(DECIMAL)}) && ${seconds} > 0.0 && ${seconds} <= 1e15`,
        `    ? (double(int(${seconds})) < ${seconds} ? int(${seconds}) + 1 : int(${seconds})) : 0)`,
      ].join('\n'),
    },
    {
      name: 'graceCandidates',
      expression: `[${have}, ${graceSeconds(policy)}] + ${v('hookSleeps')}.filter(s, s > 0).map(s, s + ${SHUTDOWN_SECONDS})`,
    },
    { name: 'grace', expression: `${v('graceCandidates')}.filter(g, ${v('graceCandidates')}.all(x, x <= g))[0]` },
  ];
}

/** The label keys the Deployment's selector reads (spreadConstraint in rules.ts counts them). */
function spreadVariables(): NamedExpression[] {
  return [
    {
      name: 'selectorKeys',
      expression: [
        '(has(object.spec.selector) && has(object.spec.selector.matchLabels) ? object.spec.selector.matchLabels.map(k, k) : [])',
        '+ (has(object.spec.selector) && has(object.spec.selector.matchExpressions) ? object.spec.selector.matchExpressions.map(e, e.key) : [])',
      ].join('\n'),
    },
  ];
}

/** The deploy-id labels of the incoming and stored templates, and whether the template changed. */
function deployIdVariables(): NamedExpression[] {
  const id = lit(LABEL.deployId);
  const same = (a: string, b: string, ignore: string) =>
    `${v(a)}.all(k, k == ${ignore} || (k in ${v(b)} && ${v(a)}[k] == ${v(b)}[k])) && ${v(b)}.all(k, k == ${ignore} || k in ${v(a)})`;
  return [
    { name: 'templateMeta', expression: 'has(object.spec.template.metadata) ? object.spec.template.metadata : {}' },
    { name: 'templateLabels', expression: `has(${v('templateMeta')}.labels) ? ${v('templateMeta')}.labels : {}` },
    { name: 'oldTemplateMeta', expression: 'oldObject != null && has(oldObject.spec.template.metadata) ? oldObject.spec.template.metadata : {}' },
    { name: 'oldTemplateLabels', expression: `has(${v('oldTemplateMeta')}.labels) ? ${v('oldTemplateMeta')}.labels : {}` },
    { name: 'deployIdIn', expression: `${id} in ${v('templateLabels')} ? string(${v('templateLabels')}[${id}]) : ""` },
    { name: 'deployIdOld', expression: `${id} in ${v('oldTemplateLabels')} ? string(${v('oldTemplateLabels')}[${id}]) : ""` },
    {
      name: 'sameTemplate',
      expression: [
        'oldObject != null && object.spec.template.spec == oldObject.spec.template.spec',
        same('templateMeta', 'oldTemplateMeta', '"labels"'),
        same('templateLabels', 'oldTemplateLabels', id),
      ].join('\n  && '),
    },
  ];
}

/** Every variable the mutations read, in dependency order (a variable sees only earlier ones). */
export function policyVariables(input: CelInput): NamedExpression[] {
  const { policy } = input;
  const probes = policy.readinessProbe === ProbeKind.off ? [] : probePortVariables();
  return [
    { name: 'annotations', expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}' },
    { name: 'pod', expression: 'object.spec.template.spec' },
    ...reasonVariables(),
    ...headerVariables(),
    ...portVariables(),
    ...effectiveVariables(policy),
    ...probes,
    ...(policy.readinessProbe === ProbeKind.http ? schemeVariables() : []),
    ...problemsVariable(policy),
    ...graceVariables(policy),
    ...spreadVariables(),
    ...deployIdVariables(),
  ];
}

/** The conditions the webhook's engine skips a Deployment on (skipReason in engine.ts). */
export function matchConditions(): NamedExpression[] {
  const label = lit(LABEL.rolloutPolicy);
  return [
    // A Deployment being deleted is only losing finalizers: never block the garbage collector.
    { name: 'not-being-deleted', expression: '!has(object.metadata.deletionTimestamp)' },
    // The objectSelector also matches when only the stored object lacks the label: the engine
    // reads the incoming one.
    {
      name: 'not-opted-out',
      expression: `!has(object.metadata.labels) || !(${label} in object.metadata.labels) || object.metadata.labels[${label}] != ${lit(OPT_OUT_VALUE)}`,
    },
  ];
}

/** A JSON Patch mutation's expression, or an apply configuration's. */
export type MutationExpression = { patchType: 'JSONPatch'; expression: string } | { patchType: 'ApplyConfiguration'; expression: string };

/**
 * A MutatingAdmissionPolicy cannot deny. With failurePolicy Fail a failed evaluation does, and
 * the lookup of a key a map does not hold fails with "no such key: <key>": the refusal's words.
 */
export function refusalMutation(): MutationExpression {
  return { patchType: 'JSONPatch', expression: `${v('problems')}.map(m, {"": JSONPatch{op: "test", path: "/kind", value: "Deployment"}}[m])` };
}

/** RollingUpdate with the policy's maxSurge and maxUnavailable; the progress deadline. */
export function strategyMutation(): MutationExpression {
  return {
    patchType: 'ApplyConfiguration',
    expression: [
      'Object{spec: Object.spec{',
      `  strategy: Object.spec.strategy{type: "RollingUpdate", rollingUpdate: Object.spec.strategy.rollingUpdate{maxSurge: ${v('surge')}, maxUnavailable: ${v('maxUnavailable')}}},`,
      `  progressDeadlineSeconds: ${v('timeout')}`,
      '}}',
    ].join('\n'),
  };
}

/** The preStop hook on containers and native sidecars without one; none when prestop_sleep is 0.
 * JSON Patch, because exec.command is an atomic list an apply configuration may not set. */
export function preStopMutation(input: CelInput): MutationExpression | undefined {
  const { prestopSleep } = input.policy;
  if (prestopSleep === 0) return undefined;
  const native = usesNativeSleep(input.policy, input.facts);
  const patches = (list: 'containers' | 'initContainers', filter: string) => {
    const type = `Object.spec.template.spec.${list}.lifecycle`;
    const hook = native
      ? `${type}.preStop{sleep: ${type}.preStop.sleep{seconds: ${prestopSleep}}}`
      : `${type}.preStop{exec: ${type}.preStop.exec{command: ["sleep", ${lit(String(prestopSleep))}]}}`;
    const at = `"/spec/template/spec/${list}/" + string(i) + "/lifecycle"`;
    return [
      `${v('pod')}.${list}.transformList(i, c, ${filter}(!has(c.lifecycle) || !has(c.lifecycle.preStop)),`,
      `  has(c.lifecycle)`,
      `    ? JSONPatch{op: "add", path: ${at} + "/preStop", value: ${hook}}`,
      `    : JSONPatch{op: "add", path: ${at}, value: ${type}{preStop: ${hook}}})`,
    ].join('\n');
  };
  const sidecars = patches('initContainers', 'has(c.restartPolicy) && c.restartPolicy == "Always" && ');
  return { patchType: 'JSONPatch', expression: `${patches('containers', '')}\n+ (has(${v('pod')}.initContainers) ? ${sidecars} : [])` };
}

/** terminationGracePeriodSeconds raised to cover the longest preStop sleep plus the app's
 * shutdown; never lowered. Runs after preStopMutation, so it sees the hooks just added. */
export function graceMutation(): MutationExpression {
  return {
    patchType: 'ApplyConfiguration',
    expression: `Object{spec: Object.spec{template: Object.spec.template{spec: Object.spec.template.spec{terminationGracePeriodSeconds: ${v('grace')}}}}}`,
  };
}

/** A readiness probe on each regular container that has none and a port to probe. */
export function readinessMutation(input: CelInput): MutationExpression | undefined {
  const kind = input.policy.readinessProbe;
  if (kind === ProbeKind.off) return undefined;
  const port = `${v('probePortValues')}[i]`;
  const timing = Object.entries(PROBE_TIMING)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  const handler =
    kind === ProbeKind.http
      ? `httpGet: ${PROBE}.httpGet{path: ${v('probePath')}, port: ${port}, scheme: ${v('probeHttps')}[i] ? "HTTPS" : "HTTP", httpHeaders: ${v('probeHeaders')}.map(h, ${HEADER}{name: h[0], value: h[1]})}`
      : `tcpSocket: ${PROBE}.tcpSocket{port: ${port}}`;
  return {
    patchType: 'JSONPatch',
    expression: [
      `${v('pod')}.containers.transformList(i, c, !has(c.readinessProbe) && ${v('probePorts')}[i] != "",`,
      `  JSONPatch{op: "add", path: "/spec/template/spec/containers/" + string(i) + "/readinessProbe",`,
      `    value: ${PROBE}{${handler},`,
      `      ${timing}}})`,
    ].join('\n'),
  };
}

/**
 * A topology spread constraint where the pod template has none (spreadRule in rules.ts): across
 * the effective key, maxSkew 1, ScheduleAnyway, a copy of the Deployment's selector (each
 * requirement rebuilt as the field's type; values only where the selector has them), and
 * matchLabelKeys pod-template-hash unless the selector reads that key. JSON Patch: the list is
 * atomic, added whole (an empty list of the user's is replaced, as the engine does).
 */
export function spreadMutation(): MutationExpression {
  const sel = 'object.spec.selector';
  const exprs = `${sel}.matchExpressions.map(e, has(e.values) ? ${SPREAD_EXPRESSION}{key: e.key, operator: e.operator, values: e.values} : ${SPREAD_EXPRESSION}{key: e.key, operator: e.operator})`;
  const selector = [
    `has(${sel}.matchLabels) && has(${sel}.matchExpressions) ? ${SPREAD_SELECTOR}{matchLabels: ${sel}.matchLabels, matchExpressions: ${exprs}}`,
    `      : has(${sel}.matchLabels) ? ${SPREAD_SELECTOR}{matchLabels: ${sel}.matchLabels}`,
    `      : ${SPREAD_SELECTOR}{matchExpressions: ${exprs}}`,
  ].join('\n');
  const common = `maxSkew: 1, topologyKey: ${v('spreadKey')}, whenUnsatisfiable: "ScheduleAnyway",\n    labelSelector: ${selector}`;
  const hash = lit(POD_TEMPLATE_HASH);
  return {
    patchType: 'JSONPatch',
    expression: [
      `${v('spreadKey')} == ${lit(SPREAD_OFF)} || size(${v('selectorKeys')}) == 0`,
      `  || (has(${v('pod')}.topologySpreadConstraints) && size(${v('pod')}.topologySpreadConstraints) > 0) ? []`,
      `: [JSONPatch{op: "add", path: "/spec/template/spec/topologySpreadConstraints", value: [`,
      `  ${v('selectorKeys')}.exists(k, k == ${hash})`,
      `  ? ${SPREAD}{${common}}`,
      `  : ${SPREAD}{${common},\n    matchLabelKeys: [${hash}]}`,
      ']}]',
    ].join('\n'),
  };
}

/**
 * The deploy-id label, as far as CEL can keep it (it cannot mint one): a template that is
 * unchanged gets the stored id back (or none, if the stored one had none), as from the webhook;
 * a changed template that inherited the stored id loses it, so no two rollouts share an id. An
 * incoming id that differs from the stored one (rollout undo) is kept. CREATE: left alone.
 */
export function deployIdMutation(): MutationExpression {
  const remove = `JSONPatch{op: "remove", path: ${lit(DEPLOY_ID_PATH)}}`;
  const old = v('deployIdOld');
  const set = [
    `has(object.spec.template.metadata) && has(object.spec.template.metadata.labels)`,
    `      ? JSONPatch{op: "add", path: ${lit(DEPLOY_ID_PATH)}, value: ${old}}`,
    `      : has(object.spec.template.metadata)`,
    `        ? JSONPatch{op: "add", path: "/spec/template/metadata/labels", value: {${lit(LABEL.deployId)}: ${old}}}`,
    `        : JSONPatch{op: "add", path: "/spec/template/metadata", value: Object.spec.template.metadata{labels: {${lit(LABEL.deployId)}: ${old}}}}`,
  ].join('\n');
  return {
    patchType: 'JSONPatch',
    expression: [
      'oldObject == null ? []',
      `: ${v('sameTemplate')}`,
      `  ? (${v('deployIdIn')} == ${old} ? [] : ${old} == "" ? [${remove}] : [${set}])`,
      `  : (${v('deployIdIn')} != "" && ${v('deployIdIn')} == ${old} ? [${remove}] : [])`,
    ].join('\n'),
  };
}
