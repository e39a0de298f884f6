// Parsers for the messages Kubernetes components write into events and statuses: kube-scheduler's
// FailedScheduling, the ReplicaSet controller's FailedCreate (quota, admission), the kubelet's
// config, probe and volume errors, the runtime's start failures. Each returns plain data, or
// undefined when the message is not of its kind, so callers can try them in turn. (Image pulls
// are plugin/kube/image-pull.ts's: rollout status judges them too.)

/** Why the container runtime could not create or start a container. */
export const StartFailure = {
  /** The command's executable is not in the image (or not on its PATH). */
  ExecutableNotFound: 'executable-not-found',
  /** The executable is there but may not be executed (mode, noexec mount). */
  PermissionDenied: 'permission-denied',
  /** Neither the image nor the pod spec names a command. */
  NoCommand: 'no-command',
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
];

/** Classifies the runtime's message of RunContainerError / CreateContainerError / StartError. */
export function parseStartMessage(message: string): StartError {
  for (const [kind, re] of START_PATTERNS) {
    const m = re.exec(message);
    if (m) return { kind, ...(m[1] ? { executable: m[1] } : {}), detail: m[0] };
  }
  return { kind: StartFailure.Other };
}

/** One clause of "0/N nodes are available: …", e.g. { count: 3, reason: "Insufficient cpu", kind: "insufficient-cpu" }. */
export interface SchedulingReason {
  count: number;
  reason: string;
  kind: string;
}

export interface SchedulingFailure {
  available: number;
  total: number;
  reasons: SchedulingReason[];
  /** What the scheduler said about preemption, if anything. */
  preemption?: string;
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

/** Parses kube-scheduler's "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {…}. preemption: …". */
export function parseSchedulingMessage(message: string): SchedulingFailure | undefined {
  const head = /(\d+)\/(\d+) nodes are available(?::\s*)?/.exec(message);
  if (!head) {
    if (/no nodes available to schedule pods/i.test(message)) return { available: 0, total: 0, reasons: [{ count: 0, reason: 'no nodes available to schedule pods', kind: 'no-nodes' }] };
    return undefined;
  }
  let rest = message.slice(head.index + head[0].length);
  let preemption: string | undefined;
  const p = rest.search(/\s*preemption:/);
  if (p >= 0) {
    preemption = rest.slice(p).replace(/^\s*preemption:\s*/, '').trim();
    rest = rest.slice(0, p);
  }
  rest = rest.trim().replace(/\.$/, '');
  // Clauses are "<count> <reason>" joined by ", ", but a taint's braces may hold ", " too.
  const reasons: SchedulingReason[] = [];
  for (const m of rest.matchAll(/(\d+) ((?:[^,{]|\{[^}]*\})+)/g)) {
    const reason = m[2]!.trim();
    reasons.push({ count: Number(m[1]), reason, kind: schedulingKind(reason) });
  }
  return { available: Number(head[1]), total: Number(head[2]), reasons, ...(preemption ? { preemption } : {}) };
}

/** A quota refusal: `exceeded quota: q, requested: …, used: …, limited: …` or `failed quota: q: must specify …`. */
export interface QuotaFailure {
  quota: string;
  kind: 'exceeded' | 'must-specify';
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
  if (m) return { quota: m[1]!.trim(), kind: 'exceeded', requested: resourceList(m[2]), used: resourceList(m[3]), limited: resourceList(m[4]) };
  const f = /failed quota: ([^:]+): must specify (.*)$/.exec(message);
  if (f) return { quota: f[1]!.trim(), kind: 'must-specify', requested: {}, used: {}, limited: {}, missing: f[2]!.trim() };
  return undefined;
}

/** Who refused a pod at admission. */
export interface AdmissionFailure {
  by: 'webhook' | 'webhook-unreachable' | 'pod-security' | 'validating-admission-policy' | 'limit-range' | 'other';
  /** The webhook's or the policy's name, or the Pod Security level ("restricted:latest"). */
  name?: string;
  binding?: string;
  reason: string;
}

/** Parses FailedCreate messages from admission: webhooks, PodSecurity, ValidatingAdmissionPolicy, LimitRanger. */
export function parseAdmissionMessage(message: string): AdmissionFailure | undefined {
  let m = /admission webhook "([^"]+)" denied the request:?\s*(.*)$/s.exec(message);
  if (m) return { by: 'webhook', name: m[1]!, reason: m[2]!.trim() };
  m = /failed calling webhook "([^"]+)":?\s*(.*)$/s.exec(message);
  if (m) return { by: 'webhook-unreachable', name: m[1]!, reason: m[2]!.trim() };
  m = /violates PodSecurity "([^"]+)":?\s*(.*)$/s.exec(message);
  if (m) return { by: 'pod-security', name: m[1]!, reason: m[2]!.trim() };
  m = /ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request:?\s*(.*)$/s.exec(message);
  if (m) return { by: 'validating-admission-policy', name: m[1]!, binding: m[2]!, reason: m[3]!.trim() };
  m = /(?:maximum|minimum) (?:cpu|memory|ephemeral-storage) usage per (?:Container|Pod) is .*$/s.exec(message);
  if (m) return { by: 'limit-range', reason: m[0].trim() };
  return undefined;
}

/** What a CreateContainerConfigError names as missing. */
export interface ConfigFailure {
  kind: 'configmap' | 'secret' | 'configmap-key' | 'secret-key' | 'other';
  name?: string;
  key?: string;
  reason: string;
}

/** Parses the kubelet's container config errors: `configmap "x" not found`, `couldn't find key K in Secret ns/name`. */
export function parseConfigMessage(message: string): ConfigFailure {
  const reason = message.replace(/^Error:\s*/, '').trim();
  let m = /(configmap|secret) "([^"]+)" not found/i.exec(reason);
  if (m) return { kind: m[1]!.toLowerCase() as 'configmap' | 'secret', name: m[2]!, reason };
  m = /couldn't find key (\S+) in (ConfigMap|Secret) ([^\s]+)/i.exec(reason);
  if (m) {
    const name = m[3]!.includes('/') ? m[3]!.slice(m[3]!.indexOf('/') + 1) : m[3]!;
    return { kind: m[2]!.toLowerCase() === 'secret' ? 'secret-key' : 'configmap-key', name, key: m[1]!, reason };
  }
  return { kind: 'other', reason };
}

/** A probe failure from an Unhealthy event: "Readiness probe failed: HTTP probe failed with statuscode: 503". */
export interface ProbeFailure {
  probe: 'readiness' | 'liveness' | 'startup';
  statusCode?: number;
  /** connection-refused, timeout, status, exec, redirect (a 3xx, or a redirect to https). */
  kind: 'status' | 'redirect' | 'connection-refused' | 'timeout' | 'exec' | 'other';
  output: string;
}

/** Parses the kubelet's Unhealthy / ProbeWarning messages. */
export function parseProbeMessage(message: string): ProbeFailure | undefined {
  const m = /^(Readiness|Liveness|Startup) probe (?:failed|errored|warning):?\s*(.*)$/s.exec(message.trim());
  if (!m) return undefined;
  const probe = m[1]!.toLowerCase() as ProbeFailure['probe'];
  const output = m[2]!.trim();
  const code = /statuscode: (\d{3})/.exec(output);
  if (code) {
    const statusCode = Number(code[1]);
    return { probe, statusCode, kind: statusCode >= 300 && statusCode < 400 ? 'redirect' : 'status', output };
  }
  if (/terminated redirects|Get "https:\/\//i.test(output)) return { probe, kind: 'redirect', output };
  if (/connection refused/i.test(output)) return { probe, kind: 'connection-refused', output };
  if (/timeout|deadline exceeded|timed out/i.test(output)) return { probe, kind: 'timeout', output };
  if (output) return { probe, kind: 'exec', output };
  return { probe, kind: 'other', output };
}

/** A volume problem from FailedMount / FailedAttachVolume. */
export interface VolumeFailure {
  kind: 'multi-attach' | 'mount' | 'attach' | 'timeout';
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
      kind: 'multi-attach',
      ...(volume ? { volume } : {}),
      ...(used ? { usedBy: used.split(/,\s*/).map((s) => s.trim()).filter(Boolean) } : {}),
    };
  }
  if (reason === 'FailedAttachVolume') return { kind: 'attach', ...(volume ? { volume } : {}) };
  if (reason === 'FailedMount') {
    if (/timed out|unmounted volumes=/i.test(message) && !volume) {
      const unmounted = /unmounted volumes=\[([^\]]*)\]/.exec(message)?.[1];
      return { kind: 'timeout', ...(unmounted ? { volume: unmounted } : {}) };
    }
    return { kind: 'mount', ...(volume ? { volume } : {}) };
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
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  return n * (m[2] ? mult[m[2]]! : 1);
}
