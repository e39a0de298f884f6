// Detection at the ReplicaSet: the new ReplicaSet cannot create its pods (a quota, admission, any
// other refusal), read from its FailedCreate events and the ReplicaFailure conditions. Refusals
// older than the new ReplicaSet, or since cleared, are not findings. A StatefulSet's or
// DaemonSet's controller reports the same refusals as FailedCreate events on the set itself
// (`create Pod db-1 in StatefulSet db failed error: …`): the same words, the same findings. Pure.
import { EventReason } from '../kube/event-reasons.js';
import { admissionCommands, describeReplicaSet, workloadArg } from './commands.js';
import { WorkloadKind } from '../kube/workloads.js';
import { nsFlag, type RolloutContext } from './context.js';
import type { DetailsByCode } from './details.js';
import { dedupe, time, type EventRecord } from './events.js';
import { explainCreateFailure, admissionWho } from './explain.js';
import { Code, finding, Severity, type Evidence, type Finding } from './findings.js';
import { parseAdmissionMessage, parseMissingReference, parseQuotaMessage, QuotaRefusal, type MissingReference } from './messages.js';
import { ConditionStatus, ConditionType, timeText } from '../kube/objects.js';
import type { Condition, Deployment, ReplicaSet } from './model.js';

/** One refusal, before refusals of the same kind are grouped. */
type Refusal =
  | { code: 'QuotaExceeded'; details: DetailsByCode['QuotaExceeded'] }
  | { code: 'AdmissionDenied'; details: DetailsByCode['AdmissionDenied'] }
  | { code: 'ServiceAccountMissing'; details: DetailsByCode['ServiceAccountMissing'] }
  | { code: 'PriorityClassMissing'; details: DetailsByCode['PriorityClassMissing'] }
  | { code: 'PodCreateFailed'; details: DetailsByCode['PodCreateFailed'] };

interface Group {
  refusal: Refusal;
  label: string;
  suggestions: string[];
  events: EventRecord[];
}

const replicaFailure = (conditions: Condition[] | undefined): Condition | undefined =>
  conditions?.find((c) => c.type === ConditionType.ReplicaFailure && c.status === ConditionStatus.True);

/** Where the refusals were read: the ReplicaSet that makes the pods (none for a StatefulSet or a
 * DaemonSet, which make their own), how many pods are missing, and what stands as evidence when no
 * event says it. */
interface Refused {
  newRS: ReplicaSet | undefined;
  missing: number;
  fallback: Evidence[];
}

/** Groups the refusals by kind of refusal, one finding each. */
function refusalFindings(ctx: RolloutContext, messages: { message: string; ev?: EventRecord }[], r: Refused): Finding[] {
  const groups = new Map<string, Group>();
  for (const { message, ev } of messages) {
    const { key, group } = classify(ctx, message, r.newRS?.metadata.name);
    const g = groups.get(key) ?? group;
    if (ev) g.events.push(ev);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => toFinding(ctx, g, r));
}

/** Findings for new pods the new ReplicaSet could not create; none while it has all of them. */
export function createFailureFindings(ctx: RolloutContext, dep: Deployment, newRS: ReplicaSet | undefined): Finding[] {
  const want = newRS?.spec?.replicas ?? 0;
  const have = newRS?.status?.replicas ?? 0;
  const failures = [replicaFailure(newRS?.status?.conditions), replicaFailure(dep.status?.conditions)];
  if (have >= want && failures.every((c) => c === undefined)) return [];
  return refusalFindings(ctx, refusals(ctx, dep, newRS, failures), { newRS, missing: Math.max(want - have, 1), fallback: conditionEvidence(dep, newRS) });
}

/** Findings for pods a StatefulSet or DaemonSet could not create (`missing` of them): its own
 * FailedCreate events seen since it last made a pod (`since`, ms: one seen before was overcome);
 * none while it has all its pods. */
export function setCreateFailureFindings(ctx: RolloutContext, missing: number, since: number): Finding[] {
  if (missing <= 0) return [];
  const w = ctx.workload;
  const messages = ctx
    .eventsOf(ctx.kind, w.metadata.name, w.metadata.uid)
    .filter((e) => e.reason === EventReason.FailedCreate && time(e.lastSeen) >= since)
    .map((ev) => ({ message: ev.message, ev }));
  return refusalFindings(ctx, messages, { newRS: undefined, missing, fallback: [] });
}

/** The refusals since the new ReplicaSet appeared: its FailedCreate events (and the Deployment's),
 * then the ReplicaFailure conditions' messages no event carries. */
function refusals(
  ctx: RolloutContext,
  dep: Deployment,
  newRS: ReplicaSet | undefined,
  failures: (Condition | undefined)[],
): { message: string; ev?: EventRecord }[] {
  const since = time(newRS?.metadata.creationTimestamp);
  const events = [
    ...(newRS ? ctx.eventsOf('ReplicaSet', newRS.metadata.name, newRS.metadata.uid) : []),
    ...ctx.eventsOf('Deployment', dep.metadata.name, dep.metadata.uid),
  ].filter((e) => (e.reason === EventReason.FailedCreate || e.reason === EventReason.ReplicaSetCreateError) && time(e.lastSeen) >= since);
  const messages: { message: string; ev?: EventRecord }[] = events.map((e) => ({ message: e.message, ev: e }));
  for (const c of failures) if (c?.message && !messages.some((m) => m.message.includes(c.message!))) messages.push({ message: c.message });
  return messages;
}

function toFinding(ctx: RolloutContext, g: Group, rs: Refused): Finding {
  const rsName = rs.newRS?.metadata.name;
  const describe = rsName
    ? [describeReplicaSet(ctx, rsName)]
    : ctx.kind === WorkloadKind.Deployment
      ? []
      : [`kubectl describe ${workloadArg(ctx)} ${nsFlag(ctx)}`];
  const body = {
    severity: Severity.Error,
    summary: `${rs.missing} new pod(s) not created: ${g.label}`,
    explanation: explainCreateFailure(g.refusal),
    evidence: g.events.length > 0 ? dedupe(g.events, []) : rs.fallback,
    pods: [],
    suggestions: [...g.suggestions, ...describe].filter((s, i, a) => a.indexOf(s) === i),
  };
  switch (g.refusal.code) {
    case 'QuotaExceeded':
      return finding(Code.QuotaExceeded, g.refusal.details, body);
    case 'AdmissionDenied':
      return finding(Code.AdmissionDenied, g.refusal.details, body);
    case 'ServiceAccountMissing':
      return finding(Code.ServiceAccountMissing, g.refusal.details, body);
    case 'PriorityClassMissing':
      return finding(Code.PriorityClassMissing, g.refusal.details, body);
    case 'PodCreateFailed':
      return finding(Code.PodCreateFailed, g.refusal.details, body);
  }
}

/** What creates the pods: a Deployment's ReplicaSet, or the StatefulSet or DaemonSet itself. */
const maker = (ctx: RolloutContext): string => (ctx.kind === WorkloadKind.Deployment ? 'ReplicaSet' : ctx.kind);

/** A StatefulSet controller's words around the API server's (`create Pod db-1 in StatefulSet db failed error: …`). */
const SET_PREFIX = /^create (?:Pod|Claim) \S+ (?:for Pod \S+ )?in StatefulSet \S+ failed error: /;

/** The kind of one refusal message, the key its group shares, and its words. */
function classify(ctx: RolloutContext, raw: string, rsName: string | undefined): { key: string; group: Group } {
  const message = raw.replace(SET_PREFIX, '');
  const replicaSet = rsName ?? null;
  const quota = parseQuotaMessage(message);
  if (quota) return quotaGroup(ctx, quota, replicaSet);
  const missing = parseMissingReference(message);
  if (missing) return missingReference(ctx, missing, message, replicaSet);
  const adm = parseAdmissionMessage(message);
  if (adm) {
    const details: DetailsByCode['AdmissionDenied'] = {
      by: adm.by,
      ...(adm.name ? { name: adm.name } : {}),
      ...(adm.binding ? { binding: adm.binding } : {}),
      reason: adm.reason,
      replicaSet,
    };
    return {
      key: `a|${adm.by}|${adm.name ?? ''}`,
      group: {
        refusal: { code: Code.AdmissionDenied, details },
        label: `${maker(ctx)} cannot create pods: denied by ${admissionWho(details)}: ${adm.reason}`,
        suggestions: admissionCommands(ctx, details),
        events: [],
      },
    };
  }
  return {
    key: `o|${message.replace(/pods "[^"]*"/g, 'pods')}`,
    group: {
      refusal: { code: Code.PodCreateFailed, details: { message, replicaSet } },
      label: `${maker(ctx)} cannot create pods: ${message.replace(/^Error creating: /, '')}`,
      suggestions: rsName ? [describeReplicaSet(ctx, rsName)] : [],
      events: [],
    },
  };
}

/** A refusal by a ResourceQuota: its figures, and the quota's own status when it was read. */
function quotaGroup(ctx: RolloutContext, quota: NonNullable<ReturnType<typeof parseQuotaMessage>>, replicaSet: string | null): { key: string; group: Group } {
  const res = Object.keys(quota.requested);
  const figures = res.map((r) => `${r}: requested ${quota.requested[r]}, used ${quota.used[r] ?? '?'}, limited ${quota.limited[r] ?? '?'}`).join('; ');
  const details: DetailsByCode['QuotaExceeded'] = {
    quota: quota.quota,
    kind: quota.kind,
    requested: quota.requested,
    used: quota.used,
    limited: quota.limited,
    ...(quota.missing ? { mustSpecify: quota.missing } : {}),
    replicaSet,
    quotaStatus: quotaStatus(ctx, quota.quota),
  };
  const label =
    quota.kind === QuotaRefusal.Exceeded
      ? `${maker(ctx)} cannot create pods: exceeded quota ${quota.quota} (${figures})`
      : `${maker(ctx)} cannot create pods: quota ${quota.quota} requires ${quota.missing}`;
  return {
    key: `q|${quota.quota}|${quota.kind}|${res.join(',')}`,
    group: {
      refusal: { code: Code.QuotaExceeded, details },
      label,
      suggestions: [`kubectl describe resourcequota ${quota.quota} ${nsFlag(ctx)}`],
      events: [],
    },
  };
}

/** A refusal for a ServiceAccount or PriorityClass the pod template names and nobody created. */
function missingReference(ctx: RolloutContext, m: MissingReference, message: string, replicaSet: string | null): { key: string; group: Group } {
  const label = `${maker(ctx)} cannot create pods: ${m.kind === 'serviceaccount' ? `ServiceAccount "${m.name}"` : `PriorityClass "${m.name}"`} does not exist`;
  const refusal: Refusal =
    m.kind === 'serviceaccount'
      ? { code: Code.ServiceAccountMissing, details: { serviceAccount: m.name, replicaSet, message } }
      : { code: Code.PriorityClassMissing, details: { priorityClass: m.name, replicaSet, message } };
  const look = m.kind === 'serviceaccount' ? `kubectl get serviceaccounts ${nsFlag(ctx)}` : 'kubectl get priorityclasses';
  return { key: `m|${m.kind}|${m.name}`, group: { refusal, label, suggestions: [look], events: [] } };
}

/** The ReplicaFailure condition as evidence, when no event was read. */
function conditionEvidence(dep: Deployment, rs: ReplicaSet | undefined): Evidence[] {
  const c =
    rs?.status?.conditions?.find((x) => x.type === ConditionType.ReplicaFailure) ??
    dep.status?.conditions?.find((x) => x.type === ConditionType.ReplicaFailure);
  return c ? [fromCondition(rs ? 'ReplicaSet' : 'Deployment', rs?.metadata.name ?? dep.metadata.name, c, c.reason ?? 'ReplicaFailure', 'Warning')] : [];
}

/** A condition as evidence: first seen at its transition, last seen at its last update. */
export function fromCondition(kind: string, name: string, c: Condition, reason: string, type: string): Evidence {
  const first = c.lastTransitionTime ?? c.lastUpdateTime;
  const last = c.lastUpdateTime ?? c.lastTransitionTime;
  return {
    kind,
    objects: [name],
    reason,
    message: c.message ?? '',
    type,
    count: 1,
    ...(first ? { firstSeen: timeText(first) } : {}),
    ...(last ? { lastSeen: timeText(last) } : {}),
  };
}

function quotaStatus(ctx: RolloutContext, name: string): DetailsByCode['QuotaExceeded']['quotaStatus'] {
  const q = ctx.quotas.find((x) => x.metadata?.name === name);
  if (!q) return null;
  return { hard: q.status?.hard ?? q.spec?.hard ?? {}, used: q.status?.used ?? {} };
}
