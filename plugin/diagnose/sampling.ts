// Which pods' events to read when many pods fail: pods whose statuses look alike (same waiting
// reasons, same last termination, same readiness) almost always fail for the same cause, so a
// few of each kind stand for all. Pure; shared by gather (what to read) and the analysis (whose
// findings an unread pod shares).
import { ConditionType } from '../kube/objects.js';
import type { Pod } from './model.js';

/** What a pod's status says, without what differs between pods of one rollout (names, times). */
export function podSignature(pod: Pod): string {
  const scheduled = pod.status?.conditions?.find((c) => c.type === ConditionType.PodScheduled)?.status ?? '';
  const containers = (cs: NonNullable<Pod['status']>['containerStatuses']) =>
    (cs ?? []).map((c) =>
      [
        c.name,
        c.ready ? 'ready' : 'unready',
        c.state?.waiting?.reason ??
          (c.state?.running ? 'running' : c.state?.terminated ? `terminated:${c.state.terminated.reason}:${c.state.terminated.exitCode}` : ''),
        c.lastState?.terminated ? `${c.lastState.terminated.reason}:${c.lastState.terminated.exitCode}` : '',
        (c.restartCount ?? 0) > 0 ? 'restarted' : '',
      ].join('/'),
    );
  return JSON.stringify([
    scheduled,
    pod.metadata.deletionTimestamp ? 'terminating' : '',
    containers(pod.status?.initContainerStatuses),
    containers(pod.status?.containerStatuses),
  ]);
}

/** Up to `perKind` pods of each signature, then round-robin, at most `max` in all; input order kept within a kind. */
export function samplePods(pods: readonly Pod[], perKind: number, max: number): Pod[] {
  const kinds = new Map<string, Pod[]>();
  for (const p of pods) {
    const k = podSignature(p);
    kinds.set(k, [...(kinds.get(k) ?? []), p]);
  }
  const out: Pod[] = [];
  for (let round = 0; round < perKind && out.length < max; round++) {
    for (const group of kinds.values()) {
      if (out.length >= max) break;
      const p = group[round];
      if (p) out.push(p);
    }
  }
  return out;
}
