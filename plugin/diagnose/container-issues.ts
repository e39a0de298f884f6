// Detection, one container at a time: what its status and its events say is wrong (an image that
// cannot be pulled, missing configuration, a start the runtime refuses, a crash loop, a probe that
// fails, a waiting reason nobody taught us). Each detector returns the issue with typed details,
// or undefined when the container shows no such problem. Pure.
import { EventReason, EventType } from '../kube/event-reasons.js';
import { START_REASONS, TerminationReason, WaitingReason } from '../kube/container-states.js';
import { pullFailureOf } from '../kube/image-pull.js';
import { ContainerCondition, type ContainerJudgement } from '../kube/pod-state.js';
import type { ContainerStatus, Probe } from '../kube/objects.js';
import { aboutContainer, containerSpec, newest, type RolloutContext } from './context.js';
import type { DetailsByCode, ProbeSpec } from './details.js';
import { time, type EventRecord } from './events.js';
import { Code, Severity } from './findings.js';
import {
  ConfigMissing,
  parseConfigMessage,
  parseProbeError,
  parseProbeMessage,
  parseStartMessage,
  ProbeFailureKind,
  ProbeName,
  StartFailure,
  type ProbeFailure,
  type StartError,
} from './messages.js';
import type { PodIssueOf } from './pod-issue.js';

/** The kubelet's events about a pull. */
const PULL_EVENTS: ReadonlySet<string> = new Set([EventReason.Failed, EventReason.BackOff, EventReason.InspectFailed, EventReason.ErrImageNeverPull]);

/** Liveness kills older than this no longer explain anything. */
const RECENT_KILL_S = 15 * 60;

/** The probe as the template declares it, with the API defaults filled in. */
function describeProbe(p: Probe | undefined): ProbeSpec | undefined {
  if (!p) return undefined;
  let kind: Omit<ProbeSpec, 'initialDelaySeconds' | 'periodSeconds' | 'timeoutSeconds' | 'failureThreshold'> = {};
  if (p.httpGet) {
    const headers = p.httpGet.httpHeaders?.length ? { headers: p.httpGet.httpHeaders.map((h) => `${h.name}: ${h.value}`) } : {};
    kind = { type: 'httpGet', scheme: p.httpGet.scheme ?? 'HTTP', path: p.httpGet.path ?? '/', port: p.httpGet.port, ...headers };
  } else if (p.tcpSocket) kind = { type: 'tcpSocket', port: p.tcpSocket.port };
  else if (p.exec) kind = { type: 'exec', command: p.exec.command ?? [] };
  else if (p.grpc) kind = { type: 'grpc', port: p.grpc.port };
  return {
    ...kind,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** An image the kubelet cannot pull (init containers are marked by the caller). */
export function imagePullIssue(ctx: RolloutContext, cs: ContainerStatus, events: EventRecord[]): PodIssueOf<'ImagePullFailed'> {
  const waiting = cs.state?.waiting;
  const pullEvents = events.filter((e) => PULL_EVENTS.has(e.reason) && /image|pull/i.test(e.message) && aboutContainer(e, cs.name));
  const failure = newest(pullEvents.filter((e) => /Failed to pull image|couldn't parse|invalid reference/i.test(e.message)));
  const source = failure?.message ?? waiting?.message ?? '';
  const parsed = pullFailureOf(waiting?.reason, source);
  const image = parsed.image ?? cs.image ?? containerSpec(ctx.workload, cs.name)?.image;
  return {
    code: Code.ImagePullFailed,
    key: `${parsed.kind}|${image}`,
    label: `${waiting?.reason ?? WaitingReason.ErrImagePull} (${parsed.detail ?? parsed.kind})`,
    severity: Severity.Error,
    details: { container: cs.name, image, pullFailure: parsed.kind, ...(source ? { kubeletMessage: source } : {}) },
    events: pullEvents,
    container: cs.name,
  };
}

const KIND_NAME: Record<string, string> = {
  [ConfigMissing.ConfigMap]: 'ConfigMap',
  [ConfigMissing.Secret]: 'Secret',
  [ConfigMissing.ConfigMapKey]: 'ConfigMap',
  [ConfigMissing.SecretKey]: 'Secret',
};

/** Configuration the kubelet cannot build: a ConfigMap, Secret or key that does not exist. */
export function configIssue(cs: ContainerStatus, events: EventRecord[]): PodIssueOf<'ConfigError'> {
  const waiting = cs.state?.waiting;
  const reason = waiting?.reason ?? WaitingReason.CreateContainerConfigError;
  const related = events.filter((e) => e.reason === EventReason.Failed && /^Error: /.test(e.message) && !/ErrImagePull|ImagePullBackOff/.test(e.message));
  const parsed = parseConfigMessage(waiting?.message ?? related[0]?.message ?? '');
  const isObject = parsed.kind === ConfigMissing.ConfigMap || parsed.kind === ConfigMissing.Secret;
  const isKey = parsed.kind === ConfigMissing.ConfigMapKey || parsed.kind === ConfigMissing.SecretKey;
  const what = isObject
    ? `${KIND_NAME[parsed.kind]} "${parsed.name}" not found`
    : isKey
      ? `key ${parsed.key} missing in ${KIND_NAME[parsed.kind]} "${parsed.name}"`
      : parsed.reason || reason;
  return {
    code: Code.ConfigError,
    key: `${parsed.kind}|${parsed.name ?? ''}|${parsed.key ?? ''}|${parsed.kind === ConfigMissing.Other ? parsed.reason : ''}`,
    label: `${reason} (${what})`,
    severity: Severity.Error,
    details: {
      container: cs.name,
      missing: parsed.kind,
      ...(parsed.name ? { name: parsed.name } : {}),
      ...(parsed.key ? { key: parsed.key } : {}),
      reason: parsed.reason,
    },
    events: related,
    container: cs.name,
  };
}

/** The failed start of a container: the runtime's waiting state, or the StartError termination
 * (the state between two attempts, or the last one behind a back-off); undefined when it started. */
function failedStart(cs: ContainerStatus): { reason: string; message?: string; exitCode?: number } | undefined {
  if (cs.state?.running) return undefined;
  const waiting = cs.state?.waiting;
  const term = [cs.state?.terminated, cs.lastState?.terminated].find((t) => t?.reason === TerminationReason.StartError);
  if (waiting?.reason !== undefined && START_REASONS.has(waiting.reason)) {
    return { reason: waiting.reason, message: waiting.message ?? term?.message, exitCode: term?.exitCode };
  }
  return term ? { reason: TerminationReason.StartError, message: term.message, exitCode: term.exitCode } : undefined;
}

/** A container the runtime cannot create or start. It never ran, so it has no logs; every
 * attempt fails the same way until the image or the pod template changes. */
export function startIssue(ctx: RolloutContext, cs: ContainerStatus, events: EventRecord[], init = false): PodIssueOf<'StartFailed'> | undefined {
  const start = failedStart(cs);
  if (!start) return undefined;
  const mine = events.filter((e) => aboutContainer(e, cs.name));
  const failed = mine.filter((e) => e.reason === EventReason.Failed && /^Error: /.test(e.message) && !/ErrImagePull|ImagePullBackOff/.test(e.message));
  const backoff = mine.filter((e) => e.reason === EventReason.BackOff && /restarting failed container/i.test(e.message));
  const message = start.message ?? newest(failed)?.message.replace(/^Error: /, '') ?? '';
  const parsed = parseStartMessage(message);
  // runc wraps its reason in the layers it passed through; the last layer is the telling one.
  const words = parsed.detail ?? (message.replace(/^.*unable to start container process: /, '').replace(/: unknown$/, '') || 'no message from the runtime');
  return {
    code: Code.StartFailed,
    key: `${init}|${cs.name}|${parsed.kind}|${parsed.executable ?? (parsed.kind === StartFailure.Other ? start.reason : '')}`,
    label: init ? `Init:${start.reason} (init container ${cs.name}: ${words})` : `${start.reason} (${words})`,
    severity: Severity.Error,
    details: startDetails(ctx, cs, { ...start, message, parsed }, init),
    events: [...failed, ...backoff],
    container: cs.name,
  };
}

function startDetails(
  ctx: RolloutContext,
  cs: ContainerStatus,
  start: { reason: string; message: string; exitCode?: number; parsed: StartError },
  init: boolean,
): DetailsByCode['StartFailed'] {
  const spec = containerSpec(ctx.workload, cs.name, init);
  return {
    container: cs.name,
    image: spec?.image ?? cs.image ?? null,
    command: spec?.command ?? null,
    args: spec?.args ?? null,
    reason: start.reason,
    startFailure: start.parsed.kind,
    ...(start.parsed.executable ? { executable: start.parsed.executable } : {}),
    exitCode: start.exitCode ?? null,
    runtimeMessage: start.message,
    restarts: cs.restartCount ?? 0,
    ...(init ? { initContainer: true as const } : {}),
  };
}

/** A container whose process the kernel refused to run (exec format error): the runtime started
 * it, so it looks like a crash (exit 1 under runc) and only its log says why. */
export function execFormatIssue(ctx: RolloutContext, pod: string, cs: ContainerStatus, events: EventRecord[]): PodIssueOf<'StartFailed'> | undefined {
  const line = ctx.logOf(pod, cs.name)?.lines.find((l) => /exec format error/.test(l));
  if (!line) return undefined;
  const parsed = parseStartMessage(line);
  const term = cs.lastState?.terminated ?? cs.state?.terminated;
  const reason = cs.state?.waiting?.reason ?? term?.reason ?? TerminationReason.Error;
  return {
    code: Code.StartFailed,
    key: `false|${cs.name}|${StartFailure.ExecFormat}|${parsed.executable ?? ''}`,
    label: `${reason} (${line.trim()})`,
    severity: Severity.Error,
    details: startDetails(
      ctx,
      cs,
      {
        reason,
        message: line.trim(),
        ...(term?.exitCode !== undefined ? { exitCode: term.exitCode } : {}),
        parsed: { ...parsed, kind: StartFailure.ExecFormat },
      },
      false,
    ),
    events: events.filter((e) => e.reason === EventReason.BackOff && aboutContainer(e, cs.name)),
    container: cs.name,
  };
}

/** A waiting reason diagnose does not judge: said as it is, never taken for progress. */
export function unknownWaitingIssue(
  cs: ContainerStatus,
  events: EventRecord[],
  known: ReadonlySet<string>,
  init = false,
): PodIssueOf<'UnknownWaitingReason'> | undefined {
  const waiting = cs.state?.waiting;
  if (!waiting?.reason || known.has(waiting.reason)) return undefined;
  return {
    code: Code.UnknownWaitingReason,
    key: `${init}|${cs.name}|${waiting.reason}`,
    label: `${init ? 'Init:' : ''}${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`,
    severity: Severity.Warning,
    details: { container: cs.name, reason: waiting.reason, message: waiting.message ?? null, ...(init ? { initContainer: true as const } : {}) },
    events: events.filter((e) => e.type === EventType.Warning && aboutContainer(e, cs.name)),
    container: cs.name,
  };
}

/** The events of a container that restarts: liveness or startup kills and failures, back-offs. */
interface RestartEvidence {
  kills: EventRecord[];
  probeFailures: EventRecord[];
  backoff: EventRecord[];
}

function restartEvidence(cs: ContainerStatus, events: EventRecord[]): RestartEvidence {
  const mine = events.filter((e) => aboutContainer(e, cs.name));
  return {
    kills: mine.filter((e) => e.reason === EventReason.Killing && /failed (?:liveness|startup) probe/i.test(e.message)),
    probeFailures: mine.filter((e) => e.reason === EventReason.Unhealthy && /^(Liveness|Startup) probe/.test(e.message)),
    backoff: mine.filter((e) => e.reason === EventReason.BackOff && /restarting failed container/i.test(e.message)),
  };
}

/** A container that keeps exiting: killed for memory, killed by its liveness probe, or crashing.
 * `j` is the one judgement of its state (plugin/kube/pod-state.ts): Exited (in a back-off, or
 * between two runs) is an error; Restarting (running again after a recent exit) a warning. */
export function crashIssue(
  ctx: RolloutContext,
  cs: ContainerStatus,
  events: EventRecord[],
  j: ContainerJudgement,
): PodIssueOf<'OOMKilled' | 'LivenessProbeKilling' | 'CrashLoop'> | undefined {
  const crashing = j.condition === ContainerCondition.Exited;
  const restarting = j.condition === ContainerCondition.Restarting;
  const ev = restartEvidence(cs, events);
  const recentKill = ev.kills.some((e) => ctx.now - time(e.lastSeen) < RECENT_KILL_S * 1000);
  if (!crashing && !restarting && !recentKill) return undefined;
  const term = cs.lastState?.terminated ?? cs.state?.terminated;
  const severity = crashing ? Severity.Error : Severity.Warning;
  if (term?.reason === TerminationReason.OOMKilled) return oomIssue(ctx, cs, term.exitCode, ev, severity);
  if (ev.kills.length > 0 || (ev.probeFailures.length > 0 && crashing)) return livenessIssue(ctx, cs, crashing, ev);
  return crashLoopIssue(cs, term, ev, crashing);
}

type Terminated = NonNullable<NonNullable<ContainerStatus['state']>['terminated']>;

function crashLoopIssue(cs: ContainerStatus, term: Terminated | undefined, ev: RestartEvidence, crashing: boolean): PodIssueOf<'CrashLoop'> {
  const reason = term?.reason ?? TerminationReason.Error;
  const exitCode = term?.exitCode;
  const restarts = cs.restartCount ?? 0;
  const last = `last exit: ${reason}, exit code ${exitCode ?? '?'}`;
  return {
    code: Code.CrashLoop,
    key: `${cs.name}|${reason}|${exitCode ?? ''}|${crashing}`,
    label: crashing
      ? `${cs.state?.waiting?.reason ?? TerminationReason.Error} (${last})`
      : `Running again after exiting: restarted ${restarts} time${restarts === 1 ? '' : 's'} (${last})`,
    severity: crashing ? Severity.Error : Severity.Warning,
    details: {
      container: cs.name,
      lastTerminationReason: reason,
      exitCode: exitCode ?? null,
      restarts,
      ...(term?.message ? { terminationMessage: term.message } : {}),
      running: !crashing,
    },
    events: ev.backoff,
    container: cs.name,
  };
}

function oomIssue(ctx: RolloutContext, cs: ContainerStatus, exit: number | undefined, ev: RestartEvidence, severity: Severity): PodIssueOf<'OOMKilled'> {
  const spec = containerSpec(ctx.workload, cs.name);
  const limit = spec?.resources?.limits?.memory;
  const exitCode = exit ?? 137;
  return {
    code: Code.OOMKilled,
    key: cs.name,
    label: `OOMKilled (exit code ${exitCode}${limit ? `, memory limit ${limit}` : ', no memory limit'})`,
    severity,
    details: {
      container: cs.name,
      exitCode,
      memoryLimit: limit ?? null,
      memoryRequest: spec?.resources?.requests?.memory ?? null,
      restarts: cs.restartCount ?? 0,
    },
    events: ev.backoff,
    container: cs.name,
  };
}

function livenessIssue(ctx: RolloutContext, cs: ContainerStatus, crashing: boolean, ev: RestartEvidence): PodIssueOf<'LivenessProbeKilling'> {
  const probeEvent = newest(ev.probeFailures);
  const parsed: ProbeFailure | undefined = probeEvent ? parseProbeMessage(probeEvent.message) : undefined;
  const probe = parsed?.probe ?? ProbeName.Liveness;
  return {
    code: Code.LivenessProbeKilling,
    key: `${cs.name}|${parsed?.kind ?? ''}|${parsed?.statusCode ?? ''}`,
    label: `killed by its ${probe} probe (${parsed ? parsed.output.replace(/Get "[^"]*": /, '') : 'failed liveness probe'})`,
    severity: crashing ? Severity.Error : Severity.Warning,
    details: {
      container: cs.name,
      probe,
      probeSpec: killingProbe(ctx, cs.name, parsed) ?? null,
      restarts: cs.restartCount ?? 0,
      ...(parsed?.statusCode ? { statusCode: parsed.statusCode } : {}),
    },
    events: [...ev.probeFailures, ...ev.kills, ...ev.backoff],
    container: cs.name,
  };
}

/** The probe that kills the container: the startup probe when its failures say so, else liveness (or startup). */
function killingProbe(ctx: RolloutContext, container: string, parsed: ProbeFailure | undefined): ProbeSpec | undefined {
  const spec = containerSpec(ctx.workload, container);
  return describeProbe(parsed?.probe === ProbeName.Startup ? spec?.startupProbe : (spec?.livenessProbe ?? spec?.startupProbe));
}

/** How a readiness probe failed, in the terms of the finding: a failing GET to https:// is only
 * a redirect's trace when the probe itself speaks HTTP. */
function readinessFailure(parsed: ProbeFailure | undefined, probeSpec: ProbeSpec | undefined): { redirect: boolean; failure: ProbeFailureKind; what: string } {
  const redirected = parsed?.kind === ProbeFailureKind.Redirect;
  const redirect = redirected && (parsed.statusCode !== undefined || probeSpec?.scheme !== 'HTTPS');
  const failure = redirected && !redirect ? ProbeFailureKind.Other : (parsed?.kind ?? ProbeFailureKind.Other);
  if (parsed?.statusCode) return { redirect, failure, what: `HTTP ${parsed.statusCode}${redirect ? ', a redirect' : ''}` };
  return { redirect, failure, what: redirect ? 'redirected to HTTPS' : failure.replace('-', ' ') };
}

/** A running container whose readiness (or startup) probe fails, so the pod never turns Ready. */
export function readinessIssue(ctx: RolloutContext, cs: ContainerStatus, events: EventRecord[]): PodIssueOf<'ReadinessProbeFailing'> | undefined {
  const mine = events.filter(
    (e) =>
      (e.reason === EventReason.Unhealthy || e.reason === EventReason.ProbeWarning) &&
      /^(Readiness|Startup) probe/.test(e.message) &&
      !parseProbeError(e.message) &&
      aboutContainer(e, cs.name),
  );
  const last = newest(mine);
  if (!last) return undefined;
  const parsed = parseProbeMessage(last.message);
  const spec = containerSpec(ctx.workload, cs.name);
  const probeSpec = describeProbe(parsed?.probe === ProbeName.Startup ? spec?.startupProbe : spec?.readinessProbe);
  const { redirect, failure, what } = readinessFailure(parsed, probeSpec);
  const probe = parsed?.probe ?? ProbeName.Readiness;
  return {
    code: Code.ReadinessProbeFailing,
    key: `${cs.name}|${failure}|${parsed?.statusCode ?? ''}`,
    label: `Running, not Ready: ${probe} probe failing (${what})`,
    severity: Severity.Error,
    details: {
      container: cs.name,
      probe,
      failure,
      ...(parsed?.statusCode ? { statusCode: parsed.statusCode } : {}),
      probeSpec: probeSpec ?? null,
      redirect,
      probeOutput: parsed?.output ?? last.message,
    },
    events: mine,
    container: cs.name,
  };
}

/** Errored probe results older than this no longer say the probe cannot run (the kubelet's event
 * spam filter lets one event a pod through every five minutes once a burst is spent). */
const RECENT_PROBE_ERROR_S = 10 * 60;

/** A probe the kubelet cannot run at all (an exec probe whose command the image lacks): its result
 * is thrown away, so a liveness probe never restarts the container and a readiness or startup
 * probe never passes. A warning while the container is ready, an error when it keeps it unready. */
export function probeErrorIssue(ctx: RolloutContext, cs: ContainerStatus, events: EventRecord[]): PodIssueOf<'ProbeErrored'> | undefined {
  const errored = events.filter((e) => e.reason === EventReason.Unhealthy && aboutContainer(e, cs.name) && parseProbeError(e.message));
  const recent = errored.filter((e) => ctx.now - time(e.lastSeen) < RECENT_PROBE_ERROR_S * 1000);
  // A probe that keeps the container unready explains more than a liveness probe beside it.
  const blocking = cs.ready ? [] : recent.filter((e) => !/^Liveness/.test(e.message));
  const last = newest(blocking.length > 0 ? blocking : recent);
  if (!last) return undefined;
  const parsed = parseProbeError(last.message)!;
  const spec = containerSpec(ctx.workload, cs.name);
  const probeSpec = describeProbe(
    parsed.probe === ProbeName.Liveness ? spec?.livenessProbe : parsed.probe === ProbeName.Startup ? spec?.startupProbe : spec?.readinessProbe,
  );
  const ready = cs.ready === true;
  return {
    code: Code.ProbeErrored,
    key: `${cs.name}|${parsed.probe}|${parsed.executable ?? parsed.error}`,
    label: `${parsed.probe} probe cannot run (${parsed.executable ? `no ${parsed.executable} in the image` : parsed.error})`,
    severity: ready || parsed.probe === ProbeName.Liveness ? Severity.Warning : Severity.Error,
    details: {
      container: cs.name,
      probe: parsed.probe,
      probeSpec: probeSpec ?? null,
      error: parsed.error,
      ...(parsed.executable ? { executable: parsed.executable } : {}),
      ready,
    },
    events: errored.filter((e) => parseProbeError(e.message)?.probe === parsed.probe),
    container: cs.name,
  };
}
