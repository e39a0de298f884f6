// How an image pull failed, and whether waiting can fix it: the one judgement `rollout status`
// (fail fast when every new pod is stuck on a permanent error) and `diagnose` (the finding's
// pullFailure and advice) both make. Pure.
import { WaitingReason } from './container-states.js';

/** How an image pull failed, from the kubelet's "Failed to pull image" or the waiting message. */
export const PullFailure = {
  NotFound: 'not-found',
  /** imagePullPolicy: Never and the image is not on the node: nothing was pulled. */
  NeverPull: 'never-pull',
  Unauthorized: 'unauthorized',
  Timeout: 'timeout',
  /** The registry refused the connection or could not be reached at all. */
  Unreachable: 'unreachable',
  InvalidName: 'invalid-name',
  Other: 'other',
} as const;
export type PullFailure = (typeof PullFailure)[keyof typeof PullFailure];

export interface PullError {
  kind: PullFailure;
  image?: string;
  /** The registry's words that decided the kind: "manifest unknown", "401 Unauthorized"... */
  detail?: string;
}

// Tried in order; within a kind, the most telling phrase first (it becomes the detail shown).
const PULL_PATTERNS: [PullFailure, RegExp][] = [
  [PullFailure.NeverPull, /not present with pull policy of Never/i],
  [PullFailure.InvalidName, /invalid reference format/i],
  [PullFailure.InvalidName, /couldn't parse image (?:name|reference)|InvalidImageName/i],
  [PullFailure.Unauthorized, /pull access denied/i],
  [
    PullFailure.Unauthorized,
    /401 Unauthorized|403 Forbidden|insufficient_scope|authorization failed|authentication required|denied: requested access|\bunauthorized\b/i,
  ],
  [PullFailure.NotFound, /manifest unknown/i],
  [PullFailure.NotFound, /name unknown|no such host|repository does not exist/i],
  [PullFailure.NotFound, /\bnot found\b/i],
  [PullFailure.Unreachable, /connection refused|no route to host|network is unreachable|connection reset by peer/i],
  [PullFailure.Timeout, /i\/o timeout|TLS handshake timeout|deadline exceeded|timed out|timeout/i],
];

/** Classifies an image pull error message into not found / unauthorized / timeout / invalid name. */
export function parsePullError(message: string): PullError {
  const image = /(?:image|pulling image|default image tag) "([^"]+)"/i.exec(message)?.[1];
  for (const [kind, re] of PULL_PATTERNS) {
    const m = re.exec(message);
    if (m) return { kind, ...(image ? { image } : {}), detail: m[0] };
  }
  return { kind: PullFailure.Other, ...(image ? { image } : {}) };
}

/**
 * How the pull of a waiting container failed: InvalidImageName and ErrImageNeverPull say it
 * themselves, whatever the message; for the others the message (the kubelet's event, or the
 * waiting state's) decides.
 */
export function pullFailureOf(reason: string | undefined, message: string): PullError {
  const parsed = parsePullError(message);
  if (reason === WaitingReason.InvalidImageName) return { ...parsed, kind: PullFailure.InvalidName };
  if (reason === WaitingReason.ErrImageNeverPull) return { ...parsed, kind: PullFailure.NeverPull, detail: 'not on the node, imagePullPolicy: Never' };
  return parsed;
}

/**
 * Whether the next pull attempt fails the same way: a registry that answered "no such image" or
 * "not for you" will answer it again, as will an invalid reference or a Never policy, until the
 * pod template (or its pull secret) changes. Timeouts and errors nobody recognised may clear.
 */
export function isPermanentPullFailure(kind: PullFailure): boolean {
  return kind !== PullFailure.Timeout && kind !== PullFailure.Unreachable && kind !== PullFailure.Other;
}
