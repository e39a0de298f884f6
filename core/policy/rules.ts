// The policy's rules over one Deployment. Each rule reads the raw JSON, appends the patch
// operations that make the object obey it, and records one finding per change (the warning the
// user sees, and the violation `policy check` reports). Advice that changes nothing goes to notes.
import { PolicyInputError, showValue } from './errors.js';
import { fieldName, isObject, plainText } from './json.js';
import {
  API_DEFAULTS,
  containerPorts,
  optArray,
  optInt,
  optObject,
  optString,
  pointer,
  show,
  StrategyType,
  type ContainerRef,
  type PortInfo,
  type Segments,
} from './k8s.js';
import { ANNOTATION, LABEL, OPT_OUT_VALUE } from '../names.js';
import { annotationField, type EffectivePolicy } from './overrides.js';
import { mergeInto } from './patch.js';
import { ChangeKind, PreStopMode, ProbeKind, SPREAD_OFF, type ClusterFacts, type JsonObject, type JsonValue, type PatchOp, type Policy } from './types.js';
import { isZeroIntOrPercent } from './values.js';

/** One place where the object differs from the policy, and the change that fixes it. */
export interface Finding {
  kind: ChangeKind;
  /** e.g. spec.strategy.rollingUpdate.maxUnavailable */
  field: string;
  /** The value in the object (after API defaults), e.g. "25%" or "unset". */
  actual: string;
  /** The value the policy sets. */
  expected: string;
  /** One line for kubectl: "paas: maxUnavailable 25% -> 0". */
  message: string;
}

/** The state the rules share while walking one Deployment. */
export interface RuleContext {
  spec: JsonObject;
  podSpec: JsonObject;
  podSpecAt: Segments;
  containers: ContainerRef[];
  eff: EffectivePolicy;
  facts: ClusterFacts;
  ops: PatchOp[];
  findings: Finding[];
  notes: string[];
}

/** Probe timing where the policy adds a readiness probe. The API server's defaults for
 * timeoutSeconds and successThreshold are spelled out, so the added probe equals its stored
 * form and a later UPDATE compares equal (no spurious rollout). */
export const PROBE_TIMING = {
  initialDelaySeconds: 5,
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
} as const;

/** The app's own shutdown time the grace period keeps after the preStop sleep. */
export const SHUTDOWN_SECONDS = 25;

/** Records one change: where, the value found and the one the policy sets, the warning's words. */
function find(ctx: RuleContext, change: { kind: ChangeKind; at: Segments; actual: string; expected: string; message: string }): void {
  const { kind, at, actual, expected, message } = change;
  ctx.findings.push({ kind, field: fieldName(at), actual, expected, message: `paas: ${message}` });
}

/** RollingUpdate with the policy's maxSurge and maxUnavailable; Recreate is converted. */
export function strategyRule(ctx: RuleContext): void {
  const { policy } = ctx.eff;
  const at = ['spec', 'strategy'];
  const strategy = optObject(ctx.spec, 'strategy', ['spec']);
  const type = (strategy && optString(strategy, 'type', at)) ?? API_DEFAULTS.strategyType;
  let changed = false;
  if (type !== StrategyType.RollingUpdate) {
    changed = true;
    find(ctx, {
      kind: ChangeKind.strategy,
      at: [...at, 'type'],
      actual: type,
      expected: StrategyType.RollingUpdate,
      message: `strategy ${type} -> RollingUpdate (maxSurge ${show(policy.surge)}, maxUnavailable ${show(policy.maxUnavailable)})`,
    });
    recreateNotes(ctx);
  } else {
    const ru = strategy ? optObject(strategy, 'rollingUpdate', at) : undefined;
    const pairs: [key: string, have: JsonValue, want: JsonValue][] = [
      ['maxSurge', ru?.maxSurge ?? API_DEFAULTS.maxSurge, policy.surge],
      ['maxUnavailable', ru?.maxUnavailable ?? API_DEFAULTS.maxUnavailable, policy.maxUnavailable],
    ];
    for (const [key, have, want] of pairs) {
      if (have === want) continue;
      changed = true;
      find(ctx, {
        kind: ChangeKind.strategy,
        at: [...at, 'rollingUpdate', key],
        actual: show(have),
        expected: show(want),
        message: `${key} ${show(have)} -> ${show(want)}`,
      });
    }
  }
  if (changed) {
    mergeInto(ctx.ops, ctx.spec, '/spec', {
      strategy: { type: StrategyType.RollingUpdate, rollingUpdate: { maxSurge: policy.surge, maxUnavailable: policy.maxUnavailable } },
    });
  }
}

function recreateNotes(ctx: RuleContext): void {
  for (const v of optArray(ctx.podSpec, 'volumes', ctx.podSpecAt)) {
    const claim = isObject(v) && isObject(v.persistentVolumeClaim) ? v.persistentVolumeClaim.claimName : undefined;
    if (typeof claim !== 'string' || isZeroIntOrPercent(ctx.eff.policy.surge)) continue;
    ctx.notes.push(`paas: PVC ${claim}: if ReadWriteOnce, the surge pod may wait for it; opt out: ` + `label ${LABEL.rolloutPolicy}=${OPT_OUT_VALUE}`);
  }
}

/** spec.progressDeadlineSeconds from the policy's timeout. */
export function deadlineRule(ctx: RuleContext): void {
  const want = ctx.eff.policy.timeout;
  const minReady = optInt(ctx.spec, 'minReadySeconds', ['spec']) ?? 0;
  if (minReady >= want) {
    // The API server rejects progressDeadlineSeconds <= minReadySeconds; say why here instead.
    throw new PolicyInputError(
      'spec.minReadySeconds',
      String(minReady),
      `must be less than the policy's progressDeadlineSeconds ${want} (set annotation ${ANNOTATION.timeout})`,
    );
  }
  const have = optInt(ctx.spec, 'progressDeadlineSeconds', ['spec']) ?? API_DEFAULTS.progressDeadlineSeconds;
  if (have === want) return;
  find(ctx, {
    kind: ChangeKind.progressDeadline,
    at: ['spec', 'progressDeadlineSeconds'],
    actual: show(have),
    expected: show(want),
    message: `progressDeadlineSeconds ${have} -> ${want}`,
  });
  mergeInto(ctx.ops, ctx.spec, '/spec', { progressDeadlineSeconds: want });
}

/** Whether the added preStop hook is the native sleep action (else exec of `sleep`). */
export function usesNativeSleep(policy: Pick<Policy, 'prestopMode'>, facts: ClusterFacts): boolean {
  return policy.prestopMode === PreStopMode.sleep || (policy.prestopMode === PreStopMode.auto && facts.nativeSleep);
}

/**
 * A preStop sleep on every container and native sidecar that has no preStop hook (a user's hook
 * is never replaced). Returns the longest sleep any preStop hook will do, for the grace period.
 */
export function preStopRule(ctx: RuleContext): number {
  const { prestopSleep } = ctx.eff.policy;
  const native = usesNativeSleep(ctx.eff.policy, ctx.facts);
  let longest = 0;
  for (const c of ctx.containers) {
    const lifecycle = optObject(c.container, 'lifecycle', c.at);
    const existing = lifecycle?.preStop;
    if (existing !== undefined && existing !== null) {
      longest = Math.max(longest, hookSleepSeconds(existing));
      continue;
    }
    if (prestopSleep === 0) continue;
    const hook: JsonObject = native ? { sleep: { seconds: prestopSleep } } : { exec: { command: ['sleep', String(prestopSleep)] } };
    mergeInto(ctx.ops, c.container, c.ptr, { lifecycle: { preStop: hook } });
    const what = native ? `sleep ${prestopSleep}` : `exec "sleep ${prestopSleep}" (image needs a sleep binary)`;
    find(ctx, {
      kind: ChangeKind.prestop,
      at: [...c.at, 'lifecycle', 'preStop'],
      actual: 'unset',
      expected: native ? `sleep ${prestopSleep}` : `exec sleep ${prestopSleep}`,
      message: `preStop ${what} added to ${c.sidecar ? 'sidecar' : 'container'} ${c.name}`,
    });
    longest = Math.max(longest, prestopSleep);
  }
  return longest;
}

/** Seconds a preStop hook sleeps: the native sleep action, or exec of `sleep N`. */
function hookSleepSeconds(hook: JsonValue): number {
  if (!isObject(hook)) return 0;
  if (isObject(hook.sleep) && typeof hook.sleep.seconds === 'number') return hook.sleep.seconds;
  const cmd = isObject(hook.exec) ? hook.exec.command : undefined;
  if (Array.isArray(cmd) && cmd.length === 2 && /^(\/usr\/bin\/|\/bin\/)?sleep$/.test(plainText(cmd[0]))) {
    const n = Number(cmd[1]);
    return Number.isFinite(n) && n > 0 ? n : 0;
  }
  return 0;
}

/**
 * The least terminationGracePeriodSeconds the policy accepts: the configured minimum, and room
 * for the preStop sleep (the policy's own, or the longest a container's hook sleeps, whichever
 * is longer) plus the app's shutdown. `policy show` states the same figure.
 */
export function graceSeconds(policy: Pick<Policy, 'terminationGracePeriod' | 'prestopSleep'>, longestSleep = 0): number {
  return Math.max(
    policy.terminationGracePeriod,
    policy.prestopSleep > 0 ? policy.prestopSleep + SHUTDOWN_SECONDS : 0,
    longestSleep > 0 ? Math.ceil(longestSleep) + SHUTDOWN_SECONDS : 0,
  );
}

/** terminationGracePeriodSeconds raised to cover the preStop sleep plus the app's shutdown;
 * never lowered. */
export function graceRule(ctx: RuleContext, longestSleep: number): void {
  const want = graceSeconds(ctx.eff.policy, longestSleep);
  const have = optInt(ctx.podSpec, 'terminationGracePeriodSeconds', ctx.podSpecAt) ?? API_DEFAULTS.terminationGracePeriodSeconds;
  if (have >= want) return;
  find(ctx, {
    kind: ChangeKind.gracePeriod,
    at: [...ctx.podSpecAt, 'terminationGracePeriodSeconds'],
    actual: show(have),
    expected: show(want),
    message: `terminationGracePeriodSeconds ${have} -> ${want}`,
  });
  mergeInto(ctx.ops, ctx.podSpec, pointer(ctx.podSpecAt), { terminationGracePeriodSeconds: want });
}

/** A readiness probe on each regular container that has none and declares (or is given) a port. */
export function readinessRule(ctx: RuleContext): void {
  const { policy, probePort } = ctx.eff;
  const regular = ctx.containers.filter((c) => !c.sidecar);
  for (const name of probePort.byContainer.keys()) {
    if (!regular.some((c) => c.name === name)) {
      throw new PolicyInputError(annotationField(ANNOTATION.readinessProbePort), showValue(name), 'no regular container has that name');
    }
  }
  if (policy.readinessProbe === ProbeKind.off) return;
  for (const c of regular) {
    const existing = c.container.readinessProbe;
    if (existing !== undefined && existing !== null) continue;
    const ports = containerPorts(c);
    const port = probePortFor(c, ports, ctx.eff);
    if (port === undefined) {
      if (probePort.none) continue;
      ctx.notes.push(`paas: container ${c.name} has no TCP port: no readiness probe added (annotate ${ANNOTATION.readinessProbePort})`);
      continue;
    }
    const portText = typeof port === 'number' ? String(port) : port;
    let probe: JsonObject;
    let what: string;
    if (policy.readinessProbe === ProbeKind.http) {
      const scheme = isHttps(c.container, port, ports) ? 'HTTPS' : 'HTTP';
      const headers = policy.readinessProbeHeaders.map((h) => ({ name: h.name, value: h.value }));
      probe = { httpGet: { path: policy.readinessProbePath, port, scheme, ...(headers.length > 0 ? { httpHeaders: headers } : {}) }, ...PROBE_TIMING };
      what = `${scheme === 'HTTPS' ? 'HTTPS ' : ''}GET ${policy.readinessProbePath} on port ${portText}${headers.length > 0 ? ` with ${headers.map((h) => `${h.name}: ${h.value}`).join(', ')}` : ''}`;
    } else {
      probe = { tcpSocket: { port }, ...PROBE_TIMING };
      what = `TCP on port ${portText}`;
    }
    mergeInto(ctx.ops, c.container, c.ptr, { readinessProbe: probe });
    find(ctx, {
      kind: ChangeKind.readinessProbe,
      at: [...c.at, 'readinessProbe'],
      actual: 'unset',
      expected: what,
      message: `readinessProbe ${what} added to container ${c.name}`,
    });
    livenessNote(ctx, c, policy.readinessProbe === ProbeKind.http ? policy.readinessProbePath : undefined, port);
  }
}

/** When the user's HTTP liveness probe checks another endpoint than the readiness probe the
 * policy adds, say so: the added one may hit a path the app does not serve (a metrics port). */
function livenessNote(ctx: RuleContext, c: ContainerRef, path: string | undefined, port: number | string): void {
  const live = c.container.livenessProbe;
  const get = isObject(live) && isObject(live.httpGet) ? live.httpGet : undefined;
  if (!get || (get.port === port && (path === undefined || (get.path ?? '/') === path))) return;
  ctx.notes.push(
    `paas: container ${c.name}: liveness uses ${plainText(get.path ?? '/')}:${plainText(get.port)}; ` +
      `if readiness fails, set ${ANNOTATION.readinessProbePort}/-path`,
  );
}

/** The port to probe: the annotation's choice, else the first TCP port (one named http first),
 * by name when it has one; undefined when there is none. */
function probePortFor(c: ContainerRef, ports: PortInfo[], eff: EffectivePolicy): number | string | undefined {
  const chosen = eff.probePort.byContainer.get(c.name);
  const tcp = ports.filter((p) => p.protocol === 'TCP');
  let port: number | string | undefined;
  if (chosen !== undefined) port = chosen;
  else if (tcp.length > 0) {
    const p = tcp.find((x) => x.name === 'http') ?? tcp[0]!;
    return p.name ?? p.containerPort;
  } else port = eff.probePort.portless;
  if (typeof port === 'string' && !ports.some((p) => p.name === port)) {
    throw new PolicyInputError(annotationField(ANNOTATION.readinessProbePort), showValue(port), `container ${c.name} declares no port of that name`);
  }
  return port;
}

/** HTTPS when the port is named https*, is 443, or an HTTPS liveness/startup probe targets it. */
function isHttps(container: JsonObject, port: number | string, ports: PortInfo[]): boolean {
  const info = ports.find((p) => p.name === port || p.containerPort === port);
  if ((info?.name && /^https($|-)/.test(info.name)) || (info?.containerPort ?? port) === 443) return true;
  for (const key of ['livenessProbe', 'startupProbe']) {
    const probe = container[key];
    const get = isObject(probe) && isObject(probe.httpGet) ? probe.httpGet : undefined;
    if (!get || get.scheme !== 'HTTPS') continue;
    if (get.port === port || (info && (get.port === info.name || get.port === info.containerPort))) return true;
  }
  return false;
}

/** The label the ReplicaSet controller puts on its pods, one value per pod template. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

/** The label keys a label selector reads. */
function selectorKeys(selector: JsonObject): string[] {
  const labels = isObject(selector.matchLabels) ? Object.keys(selector.matchLabels) : [];
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  return [...labels, ...exprs.flatMap((e) => (isObject(e) && typeof e.key === 'string' ? [e.key] : []))];
}

/**
 * The topology spread constraint the policy adds: at most one pod more in any domain of `key`
 * than in another, a preference (ScheduleAnyway: a one-node cluster still schedules), counted
 * over the Deployment's pods (its selector) of the same ReplicaSet (matchLabelKeys: a rollout's
 * new pods spread among themselves). The API server refuses matchLabelKeys over a key the
 * selector reads, so none then.
 */
export function spreadConstraint(key: string, selector: JsonObject): JsonObject {
  return {
    maxSkew: 1,
    topologyKey: key,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: structuredClone(selector),
    ...(selectorKeys(selector).includes(POD_TEMPLATE_HASH) ? {} : { matchLabelKeys: [POD_TEMPLATE_HASH] }),
  };
}

/** A topology spread constraint where the pod template has none of its own (one of the user's,
 * whatever its key, is never changed), so that a node drain never takes every replica at once. */
export function spreadRule(ctx: RuleContext): void {
  const key = ctx.eff.policy.topologySpread;
  if (key === SPREAD_OFF) return;
  if (optArray(ctx.podSpec, 'topologySpreadConstraints', ctx.podSpecAt).length > 0) return;
  const selector = optObject(ctx.spec, 'selector', ['spec']);
  // No selector (or an empty one) is a Deployment the API server refuses: nothing to count pods by.
  if (!selector || selectorKeys(selector).length === 0) return;
  mergeInto(ctx.ops, ctx.podSpec, pointer(ctx.podSpecAt), { topologySpreadConstraints: [spreadConstraint(key, selector)] });
  find(ctx, {
    kind: ChangeKind.topologySpread,
    at: [...ctx.podSpecAt, 'topologySpreadConstraints'],
    actual: 'unset',
    expected: `${key} maxSkew 1 ScheduleAnyway`,
    message: `topology spread across ${key} (maxSkew 1, ScheduleAnyway) added to pod template`,
  });
}

/** Advice where maxUnavailable 0 can stall a rollout: the surge pod needs a node the old pods
 * do not block (node ports taken by hostNetwork or hostPort, required anti-affinity per node). */
export function schedulingNotes(ctx: RuleContext): void {
  const { policy } = ctx.eff;
  if (!isZeroIntOrPercent(policy.maxUnavailable) || isZeroIntOrPercent(policy.surge)) return;
  const hostNetwork = ctx.podSpec.hostNetwork === true;
  const bound = new Set<number>();
  for (const c of ctx.containers) {
    for (const p of containerPorts(c)) {
      if (hostNetwork) bound.add(p.containerPort);
      else if (p.hostPort !== undefined) bound.add(p.hostPort);
    }
  }
  const fix = `else set ${ANNOTATION.maxUnavailable}`;
  if (bound.size > 0) {
    const list = [...bound].slice(0, 3).join(',') + (bound.size > 3 ? ',...' : '');
    ctx.notes.push(`paas: node port ${list} (${hostNetwork ? 'hostNetwork' : 'hostPort'}) + maxUnavailable 0: ` + `the surge pod needs a free node; ${fix}`);
  }
  if (requiresOnePodPerNode(ctx.podSpec)) {
    ctx.notes.push(`paas: required anti-affinity per node + maxUnavailable 0: surge pod needs a spare node; ${fix}`);
  }
}

function requiresOnePodPerNode(podSpec: JsonObject): boolean {
  const affinity = podSpec.affinity;
  const anti = isObject(affinity) && isObject(affinity.podAntiAffinity) ? affinity.podAntiAffinity : undefined;
  const terms = anti?.requiredDuringSchedulingIgnoredDuringExecution;
  return Array.isArray(terms) && terms.some((t) => isObject(t) && t.topologyKey === 'kubernetes.io/hostname');
}
