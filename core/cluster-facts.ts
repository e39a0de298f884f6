// What the policy learns about the cluster: the API server's version decides whether
// the native lifecycle.preStop.sleep can be used when the policy's prestop_mode is `auto`.
import type { ClusterFacts } from './policy/types.js';

/** The parts of GET /version the webhook and `kubectl paas audit` read. */
export interface ServerVersion {
  major?: string;
  minor?: string;
  gitVersion?: string;
}

/** The first release in which lifecycle.*.sleep is on by default (beta in 1.30, GA in 1.34). */
const NATIVE_SLEEP_SINCE = { major: 1, minor: 30 } as const;

/** Parses `{major: "1", minor: "30+"}` or gitVersion "v1.30.2-eks-..." into numbers. */
function parseVersion(v: ServerVersion): { major: number; minor: number } | undefined {
  const num = (s: string | undefined): number | undefined => {
    const m = /^(\d+)/.exec(s ?? '');
    return m ? Number(m[1]) : undefined;
  };
  const major = num(v.major);
  const minor = num(v.minor);
  if (major !== undefined && minor !== undefined) return { major, minor };
  const g = /^v?(\d+)\.(\d+)/.exec(v.gitVersion ?? '');
  return g ? { major: Number(g[1]), minor: Number(g[2]) } : undefined;
}

/**
 * Cluster facts from the version (or from the failure to read it): unknown means exec, which
 * works on every version, and the reason says so for the start-up log line.
 */
export function factsFromVersion(v: ServerVersion | undefined): { facts: ClusterFacts; reason: string } {
  if (v === undefined) return { facts: { nativeSleep: false }, reason: 'API server version unknown: preStop mode auto uses exec sleep' };
  const parsed = parseVersion(v);
  const shown = v.gitVersion ?? `${v.major ?? '?'}.${v.minor ?? '?'}`;
  if (parsed === undefined) return { facts: { nativeSleep: false }, reason: `API server version "${shown}" not understood: preStop mode auto uses exec sleep` };
  const native = parsed.major > NATIVE_SLEEP_SINCE.major || (parsed.major === NATIVE_SLEEP_SINCE.major && parsed.minor >= NATIVE_SLEEP_SINCE.minor);
  return {
    facts: { nativeSleep: native },
    reason: `API server ${shown}: preStop mode auto uses ${native ? 'the native lifecycle sleep' : 'exec sleep (native sleep needs 1.30+)'}`,
  };
}
