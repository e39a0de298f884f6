// Parsers for the messages Kubernetes components write into events and statuses: kube-scheduler's
// FailedScheduling, the ReplicaSet controller's FailedCreate (quota, admission), the kubelet's
// config, probe and volume errors, the runtime's start failures. Each returns plain data, or
// undefined when the message is not of its kind, so callers can try them in turn. (Image pulls
// are plugin/kube/image-pull.ts's: rollout status judges them too.)
import { EventReason } from '../kube/event-reasons.js';

/** Why the container runtime could not create or start a container. */
export const StartFailure = {
  /** The command's executable is not in the image (or not on its PATH). */
  ExecutableNotFound: 'executable-not-found',
  /** The executable is there but may not be executed (mode, noexec mount). */
  PermissionDenied: 'permission-denied',
  /** Neither the image nor the pod spec names a command. */
  NoCommand: 'no-command',
  /** The executable was built for another architecture (or is not a program at all). */
  ExecFormat: 'exec-format',
  Other: 'other',
} as const;
export type StartFailure = (typeof StartFailure)[keyof typeof StartFailure];

export interface StartError {
  kind: StartFailure;
  /** The executable the runtime tried, as runc quotes it ("/nope"). */
  executable?: string;
  /** The runtime's words that decided the kind: `exec: "/nope": stat /nope: no such file or directory`. */
  detail?: string;
}

// runc's "unable to start container process: exec: "<path>": <why>", and containerd's own refusals.
const START_PATTERNS: [StartFailure, RegExp][] = [
  [StartFailure.ExecutableNotFound, /exec: "([^"]*)": (?:stat [^:]*: no such file or directory|executable file not found in \$PATH)/],
  [StartFailure.PermissionDenied, /exec: "([^"]*)": permission denied/],
  [StartFailure.NoCommand, /no command specified/],
  // runc's own words when execve refuses the binary, at create time or in the container's log.
  [StartFailure.ExecFormat, /exec:? "?([^":]+)"?: exec format error/],
];

/** Classifies the runtime's message of RunContainerError / CreateContainerError / StartError. */
export function parseStartMessage(message: string): StartError {
  for (const [kind, re] of START_PATTERNS) {
    const m = re.exec(message);
    if (m) return { kind, ...(m[1] ? { executable: m[1] } : {}), detail: m[0] };
  }
  return { kind: StartFailure.Other };
}

/** One reason of "0/N nodes are available: …": a Filter plugin's, counted over the nodes it turned
 * down ({ count: 3, reason: "Insufficient cpu", kind: "insufficient-cpu" }), or a PreFilter
 * plugin's, about the pod itself, which the message gives without a count ("pod has unbound
 * immediate PersistentVolumeClaims"): it turns down every node, so `count` is all of them and
 * `preFilter` is true. */
export interface SchedulingReason {
  count: number;
  reason: string;
  kind: string;
  preFilter?: true;
}

export interface SchedulingFailure {
  available: number;
  total: number;
  reasons: SchedulingReason[];
  /** What the scheduler's PostFilter step said, if anything: DefaultPreemption's "preemption: …"
   * (less that word), or words of their own ("not found"). */
  postFilter?: string;
}

function schedulingKind(reason: string): string {
  const r = reason.toLowerCase();
  const insufficient = /^insufficient (.+)$/.exec(r);
  if (insufficient) return `insufficient-${insufficient[1]!.replace(/[^a-z0-9.]+/g, '-')}`;
  if (r.includes('taint')) return 'taint';
  if (r.includes('volume') || r.includes('persistentvolumeclaim')) return 'volume';
  if (r.includes('anti-affinity')) return 'anti-affinity';
  if (r.includes('affinity') || r.includes('selector')) return 'affinity';
  if (r.includes('too many pods')) return 'too-many-pods';
  if (r.includes('were unschedulable') || r.includes('was unschedulable')) return 'cordoned';
  if (r.includes('free ports')) return 'host-ports';
  if (r.includes('topology spread')) return 'topology-spread';
  return 'other';
}

/** `text` cut where the sticky `at` matches outside braces and brackets (a taint's `{k: v, w}`, a
 * plugin list `[A, B]` hold the separators too), each part trimmed, empty ones left out. */
function splitOutside(text: string, at: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && depth > 0) depth--;
    at.lastIndex = i;
    const m = depth === 0 ? at.exec(text) : null;
    if (m) {
      parts.push(text.slice(start, i));
      start = i + m[0].length;
      i = start - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** A Filter plugins' sentence: "<count> <reason>" clauses joined by ", ". */
const COUNTED = /^(\d+) (.+)$/s;

function countedReasons(sentence: string): SchedulingReason[] {
  return splitOutside(sentence, /,\s*(?=\d+ )/y).flatMap((clause) => {
    const m = COUNTED.exec(clause);
    return m ? [{ count: Number(m[1]), reason: m[2]!, kind: schedulingKind(m[2]!) }] : [];
  });
}

/**
 * Parses kube-scheduler's FitError, "0/N nodes are available: <PreFilter>. <Filter>. <PostFilter>"
 * (pkg/scheduler/framework FitError.Error): after the head, either a PreFilter plugin's words
 * about the pod (no count: "pod has unbound immediate PersistentVolumeClaims.") or the Filter
 * plugins' counted reasons ("1 Insufficient cpu, 2 node(s) had untolerated taint {…}."), then
 * whatever PostFilter said ("preemption: 0/3 nodes are available: …", or "not found"). Older
 * schedulers gave a PreFilter reason counted like a Filter one ("1 pod has unbound immediate
 * PersistentVolumeClaims."), or both ways at once; "no nodes available to schedule pods" when
 * the cluster has none.
 */
export function parseSchedulingMessage(message: string): SchedulingFailure | undefined {
  const head = /(\d+)\/(\d+) nodes are available:?/.exec(message);
  if (!head) {
    if (/no nodes available to schedule pods/i.test(message))
      return { available: 0, total: 0, reasons: [{ count: 0, reason: 'no nodes available to schedule pods', kind: 'no-nodes' }] };
    return undefined;
  }
  const total = Number(head[2]);
  let rest = message.slice(head.index + head[0].length);
  const after: string[] = [];
  const p = rest.search(/\s*preemption:/);
  if (p >= 0) {
    after.push(
      rest
        .slice(p)
        .replace(/^\s*preemption:\s*/, '')
        .trim(),
    );
    rest = rest.slice(0, p);
  }
  const [first, ...others] = splitOutside(rest, /\.(?:\s+|$)/y);
  const reasons: SchedulingReason[] =
    first === undefined ? [] : COUNTED.test(first) ? countedReasons(first) : [{ count: total, reason: first, kind: schedulingKind(first), preFilter: true }];
  // Counted sentences after the first: an older scheduler's Filter reasons (the PreFilter one again).
  let i = 0;
  for (; i < others.length && COUNTED.test(others[i]!); i++) {
    for (const r of countedReasons(others[i]!)) if (!reasons.some((x) => x.reason === r.reason)) reasons.push(r);
  }
  const postFilter = [...others.slice(i), ...after].filter(Boolean).join('. ');
  return { available: Number(head[1]), total, reasons, ...(postFilter ? { postFilter } : {}) };
}

/** How a quota refused a pod. */
export const QuotaRefusal = { Exceeded: 'exceeded', MustSpecify: 'must-specify' } as const;
export type QuotaRefusal = (typeof QuotaRefusal)[keyof typeof QuotaRefusal];

/** A quota refusal: `exceeded quota: q, requested: …, used: …, limited: …` or `failed quota: q: must specify …`. */
export interface QuotaFailure {
  quota: string;
  kind: QuotaRefusal;
  requested: Record<string, string>;
  used: Record<string, string>;
  limited: Record<string, string>;
  /** For must-specify: "limits.cpu for: app; requests.cpu for: app". */
  missing?: string;
}

function resourceList(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Parses the quota admission plugin's refusal, as the ReplicaSet controller reports it in FailedCreate. */
export function parseQuotaMessage(message: string): QuotaFailure | undefined {
  const m = /exceeded quota: ([^,]+), requested: (.*?), used: (.*?), limited: ([^\s]*)/.exec(message);
  if (m) return { quota: m[1]!.trim(), kind: QuotaRefusal.Exceeded, requested: resourceList(m[2]), used: resourceList(m[3]), limited: resourceList(m[4]) };
  const f = /failed quota: ([^:]+): must specify (.*)$/.exec(message);
  if (f) return { quota: f[1]!.trim(), kind: QuotaRefusal.MustSpecify, requested: {}, used: {}, limited: {}, missing: f[2]!.trim() };
  return undefined;
}

/** Who refused a pod at admission. */
export const AdmissionBy = {
  Webhook: 'webhook',
  WebhookUnreachable: 'webhook-unreachable',
  PodSecurity: 'pod-security',
  ValidatingAdmissionPolicy: 'validating-admission-policy',
  LimitRange: 'limit-range',
} as const;
export type AdmissionBy = (typeof AdmissionBy)[keyof typeof AdmissionBy];

/** A refusal at admission and who made it. */
export interface AdmissionFailure {
  by: AdmissionBy;
  /** The webhook's or the policy's name, or the Pod Security level ("restricted:latest"). */
  name?: string;
  binding?: string;
  reason: string;
}

/** Parses FailedCreate messages from admission: webhooks, PodSecurity, ValidatingAdmissionPolicy, LimitRanger. */
export function parseAdmissionMessage(message: string): AdmissionFailure | undefined {
  let m = /admission webhook "([^"]+)" denied the request:?\s*(.*)$/s.exec(message);
  if (m) return { by: AdmissionBy.Webhook, name: m[1]!, reason: m[2]!.trim() };
  m = /failed calling webhook "([^"]+)":?\s*(.*)$/s.exec(message);
  if (m) return { by: AdmissionBy.WebhookUnreachable, name: m[1]!, reason: m[2]!.trim() };
  m = /violates PodSecurity "([^"]+)":?\s*(.*)$/s.exec(message);
  if (m) return { by: AdmissionBy.PodSecurity, name: m[1]!, reason: m[2]!.trim() };
  m = /ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request:?\s*(.*)$/s.exec(message);
  if (m) return { by: AdmissionBy.ValidatingAdmissionPolicy, name: m[1]!, binding: m[2]!, reason: m[3]!.trim() };
  m = /(?:maximum|minimum) (?:cpu|memory|ephemeral-storage) usage per (?:Container|Pod) is .*$/s.exec(message);
  if (m) return { by: AdmissionBy.LimitRange, reason: m[0].trim() };
  return undefined;
}

/** What a CreateContainerConfigError names as missing. */
export const ConfigMissing = { ConfigMap: 'configmap', Secret: 'secret', ConfigMapKey: 'configmap-key', SecretKey: 'secret-key', Other: 'other' } as const;
export type ConfigMissing = (typeof ConfigMissing)[keyof typeof ConfigMissing];

/** The object or key a CreateContainerConfigError names, and its words. */
export interface ConfigFailure {
  kind: ConfigMissing;
  name?: string;
  key?: string;
  reason: string;
}

/** Parses the kubelet's container config errors: `configmap "x" not found`, `couldn't find key K in Secret ns/name`. */
export function parseConfigMessage(message: string): ConfigFailure {
  const reason = message.replace(/^Error:\s*/, '').trim();
  let m = /(configmap|secret) "([^"]+)" not found/i.exec(reason);
  if (m) return { kind: m[1]!.toLowerCase() === 'secret' ? ConfigMissing.Secret : ConfigMissing.ConfigMap, name: m[2]!, reason };
  m = /couldn't find key (\S+) in (ConfigMap|Secret) ([^\s]+)/i.exec(reason);
  if (m) {
    const name = m[3]!.includes('/') ? m[3]!.slice(m[3]!.indexOf('/') + 1) : m[3]!;
    return { kind: m[2]!.toLowerCase() === 'secret' ? ConfigMissing.SecretKey : ConfigMissing.ConfigMapKey, name, key: m[1]!, reason };
  }
  return { kind: ConfigMissing.Other, reason };
}

/** Which probe of a container. */
export const ProbeName = { Readiness: 'readiness', Liveness: 'liveness', Startup: 'startup' } as const;
export type ProbeName = (typeof ProbeName)[keyof typeof ProbeName];

/** How a probe failed: an HTTP status, a redirect (a 3xx, or one to https), nothing listening, too slow, an exec's output. */
export const ProbeFailureKind = {
  Status: 'status',
  Redirect: 'redirect',
  ConnectionRefused: 'connection-refused',
  Timeout: 'timeout',
  Exec: 'exec',
  Other: 'other',
} as const;
export type ProbeFailureKind = (typeof ProbeFailureKind)[keyof typeof ProbeFailureKind];

/** A probe failure from an Unhealthy event: "Readiness probe failed: HTTP probe failed with statuscode: 503". */
export interface ProbeFailure {
  probe: ProbeName;
  statusCode?: number;
  kind: ProbeFailureKind;
  output: string;
}

/** Parses the kubelet's Unhealthy / ProbeWarning messages. */
export function parseProbeMessage(message: string): ProbeFailure | undefined {
  const m = /^(Readiness|Liveness|Startup) probe (?:failed|errored|warning):?\s*(.*)$/s.exec(message.trim());
  if (!m) return undefined;
  const probe = m[1]!.toLowerCase() as ProbeName;
  const output = m[2]!.trim();
  const code = /statuscode: (\d{3})/.exec(output);
  if (code) {
    const statusCode = Number(code[1]);
    return { probe, statusCode, kind: statusCode >= 300 && statusCode < 400 ? ProbeFailureKind.Redirect : ProbeFailureKind.Status, output };
  }
  if (/terminated redirects|Get "https:\/\//i.test(output)) return { probe, kind: ProbeFailureKind.Redirect, output };
  if (/connection refused/i.test(output)) return { probe, kind: ProbeFailureKind.ConnectionRefused, output };
  if (/timeout|deadline exceeded|timed out/i.test(output)) return { probe, kind: ProbeFailureKind.Timeout, output };
  if (output) return { probe, kind: ProbeFailureKind.Exec, output };
  return { probe, kind: ProbeFailureKind.Other, output };
}

/** A probe the kubelet could not run ("... probe errored and resulted in unknown state: <error>"). */
export interface ProbeError {
  probe: ProbeName;
  error: string;
  /** The executable the runtime could not find or run, when that is the error. */
  executable?: string;
}

/** Parses the kubelet's Unhealthy message for a probe that errored rather than failed. */
export function parseProbeError(message: string): ProbeError | undefined {
  const m = /^(Readiness|Liveness|Startup) probe errored(?: and resulted in \w+ state)?:?\s*(.*)$/s.exec(message.trim());
  if (!m) return undefined;
  const error = m[2]!.trim();
  const executable = parseStartMessage(error).executable;
  return { probe: m[1]!.toLowerCase() as ProbeName, error, ...(executable ? { executable } : {}) };
}

/** How a volume failed a pod. */
export const VolumeFailureKind = { MultiAttach: 'multi-attach', Mount: 'mount', Attach: 'attach', Timeout: 'timeout' } as const;
export type VolumeFailureKind = (typeof VolumeFailureKind)[keyof typeof VolumeFailureKind];

/** A volume problem from FailedMount / FailedAttachVolume. */
export interface VolumeFailure {
  kind: VolumeFailureKind;
  volume?: string;
  /** Multi-Attach: the pods that hold the volume. */
  usedBy?: string[];
}

/** Parses the attach/detach controller's and the kubelet's volume errors. */
export function parseVolumeMessage(reason: string, message: string): VolumeFailure | undefined {
  const volume = /volume "([^"]+)"/.exec(message)?.[1];
  if (/Multi-Attach error/i.test(message)) {
    const used = /already used by pod\(s\) (.+?)(?:$|\s*\.?$)/.exec(message)?.[1];
    return {
      kind: VolumeFailureKind.MultiAttach,
      ...(volume ? { volume } : {}),
      ...(used
        ? {
            usedBy: used
              .split(/,\s*/)
              .map((s) => s.trim())
              .filter(Boolean),
          }
        : {}),
    };
  }
  if (reason === EventReason.FailedAttachVolume) return { kind: VolumeFailureKind.Attach, ...(volume ? { volume } : {}) };
  if (reason === EventReason.FailedMount) {
    if (/timed out|unmounted volumes=/i.test(message) && !volume) {
      const unmounted = /unmounted volumes=\[([^\]]*)\]/.exec(message)?.[1];
      return { kind: VolumeFailureKind.Timeout, ...(unmounted ? { volume: unmounted } : {}) };
    }
    return { kind: VolumeFailureKind.Mount, ...(volume ? { volume } : {}) };
  }
  return undefined;
}

/** Kubernetes quantities ("500m", "2", "8Gi", "1e3") as a number of base units, for comparison. */
export function parseQuantity(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const mult: Record<string, number> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
  };
  return n * (m[2] ? mult[m[2]]! : 1);
}

/** A pod refused at creation because an object it names does not exist. */
export type MissingReference = { kind: 'serviceaccount' | 'priorityclass'; name: string };

// The ServiceAccount admission plugin and the Priority admission plugin, as kube-apiserver words them.
const MISSING_REFERENCE: [MissingReference['kind'], RegExp][] = [
  ['serviceaccount', /error looking up service account [^:]*: serviceaccount "([^"]+)" not found/],
  ['priorityclass', /no PriorityClass with name (\S+) was found/],
];

/** The ServiceAccount or PriorityClass a FailedCreate message says is missing; undefined otherwise. */
export function parseMissingReference(message: string): MissingReference | undefined {
  for (const [kind, re] of MISSING_REFERENCE) {
    const m = re.exec(message);
    if (m?.[1]) return { kind, name: m[1] };
  }
  return undefined;
}
