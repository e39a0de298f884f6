// Detection of preStop hooks the kubelet could not run (FailedPreStopHook on pods on their way out):
// the pod got SIGTERM at once, without the drain the hook was there for. The kubelet's event says
// only "PreStopHook failed" (v1.37); the hook itself is read from the template of the pod's
// ReplicaSet. Pure.
import type { Container, LifecycleHandler } from '../kube/objects.js';
import { nsFlag, type RolloutContext } from './context.js';
import { dedupe, type EventRecord } from './events.js';
import { explainPreStopHook } from './explain.js';
import { Code, finding, Severity, type Finding } from './findings.js';
import type { ReplicaSet } from './model.js';
import { replicaSetOfPod } from '../kube/replica-sets.js';

/** The kubelet's reason for a preStop hook that failed. */
const FAILED_PRESTOP = 'FailedPreStopHook';

/** A hook in the words of the pod template: "exec sleep 5", "sleep 5s", "GET /drain on port 8080". */
export function hookText(h: LifecycleHandler): string {
  if (h.sleep) return `sleep ${h.sleep.seconds}s`;
  if (h.exec) return `exec ${(h.exec.command ?? []).join(' ')}`;
  if (h.httpGet) return `GET ${h.httpGet.path ?? '/'} on port ${h.httpGet.port ?? '?'}`;
  return 'a hook';
}

/** Pods whose preStop hook failed, with the hooks their template declares; undefined when none did. */
export function preStopHookFailed(ctx: RolloutContext, events: EventRecord[], replicaSets: readonly ReplicaSet[]): Finding | undefined {
  // The namespace's FailedPreStopHook events: only those of this Deployment's pods count.
  const failed = events.filter((e) => e.kind === 'Pod' && e.reason === FAILED_PRESTOP && replicaSetOfPod(e.name, replicaSets) !== undefined);
  if (failed.length === 0) return undefined;
  const pods = [...new Set(failed.map((e) => e.name))].sort();
  const templates = [...new Set(pods.map((p) => replicaSetOfPod(p, replicaSets)).filter((rs): rs is ReplicaSet => rs !== undefined))];
  const containers = (templates.length > 0 ? templates.map((rs) => rs.spec?.template?.spec) : [ctx.workload.spec?.template?.spec]).flatMap(
    (s) => s?.containers ?? [],
  );
  const hooks = preStopHooks(containers);
  const execSleep = containers.some((c) => /^(?:\/bin\/|\/usr\/bin\/)?sleep$/.test(c.lifecycle?.preStop?.exec?.command?.[0] ?? ''));
  const details = { pods, hooks, execSleep, kubeletMessage: failed[0]?.message ?? '' };
  return finding(Code.PreStopHookFailed, details, {
    severity: Severity.Warning,
    summary: `preStop hook failed on ${pods.length} pod(s) (${hooks.map((h) => `${h.container}: ${h.hook}`).join('; ') || 'hook not in the template'}): SIGTERM came at once, with no drain`,
    explanation: explainPreStopHook(details),
    evidence: dedupe(failed, pods),
    pods,
    suggestions: [`kubectl get events ${nsFlag(ctx)} --field-selector reason=${FAILED_PRESTOP}`],
  });
}

/** The preStop hooks of these containers, each (container, hook) once. */
export function preStopHooks(containers: readonly Container[]): { container: string; hook: string }[] {
  return dedupeHooks(containers.flatMap((c) => (c.lifecycle?.preStop ? [{ container: c.name, hook: hookText(c.lifecycle.preStop) }] : [])));
}

function dedupeHooks(hooks: { container: string; hook: string }[]): { container: string; hook: string }[] {
  const seen = new Set<string>();
  return hooks.filter((h) => {
    const k = `${h.container}|${h.hook}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
