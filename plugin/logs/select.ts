// `kubectl paas logs`: which pods and containers make up one rollout, decided without I/O. A
// rollout is a ReplicaSet of the Deployment (the new one, the old ones, the one of a deploy-id or
// revision); its log streams are the containers of its pods that have run, one per container
// instance (a restart is a new stream).
import type { ContainerStatus, Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { deployIdOf, podsOfReplicaSet, revisionsOf, splitReplicaSets } from '../kube/replica-sets.js';

/** Which rollout's pods: --new (default), --old, --deploy-id ID, --revision N. */
export type Selection = { kind: 'new' } | { kind: 'old' } | { kind: 'deployId'; id: string } | { kind: 'revision'; revision: number };

/** Which containers of each pod: every one (--all-containers), one by name (-c), or kubectl's default. */
export type Containers = { kind: 'all' } | { kind: 'named'; name: string } | { kind: 'default' };

/** One container instance to read the log of. */
export interface LogStream {
  /** pod uid / container / restartCount: a new instance is a new stream. */
  key: string;
  pod: string;
  container: string;
}

/** kubectl's annotation naming a pod's default container (kubectl logs, exec). */
const DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';

/** The ReplicaSets of the selected rollout, or why there are none (one line naming the Deployment). */
export function selectReplicaSets(
  deployment: Deployment,
  replicaSets: readonly ReplicaSet[],
  sel: Selection,
): { replicaSets: ReplicaSet[] } | { error: string } {
  const name = `deployment "${deployment.metadata?.name ?? ''}"`;
  const { newRS, oldRSs } = splitReplicaSets(deployment, replicaSets);
  const all = [...(newRS ? [newRS] : []), ...oldRSs];
  switch (sel.kind) {
    case 'new':
      return newRS ? { replicaSets: [newRS] } : { error: `${name} has no ReplicaSet for its current template yet` };
    case 'old': {
      const running = oldRSs.filter((rs) => (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0);
      return running.length ? { replicaSets: running } : { error: `${name} has no old pods: no rollout is replacing them` };
    }
    case 'deployId': {
      const found = all.filter((rs) => deployIdOf(rs) === sel.id);
      return found.length ? { replicaSets: found } : { error: `no ReplicaSet of ${name} has deploy-id ${sel.id} (kubectl paas rollout history lists them)` };
    }
    case 'revision': {
      const found = all.filter((rs) => revisionsOf(rs).includes(sel.revision));
      return found.length ? { replicaSets: found } : { error: `${name} has no revision ${sel.revision} left (kubectl paas rollout history lists them)` };
    }
  }
}

/** The pods of the selected ReplicaSets, by name. */
export function podsOf(replicaSets: readonly ReplicaSet[], pods: readonly Pod[]): Pod[] {
  return replicaSets.flatMap((rs) => podsOfReplicaSet(rs, pods)).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}

/** The containers of a pod to read, init containers first, in the pod's order. */
function containersOf(pod: Pod, which: Containers): { name: string; status?: ContainerStatus }[] {
  const spec = pod.spec;
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const withStatus = (name: string) => ({ name, status: statuses.find((s) => s.name === name) });
  if (which.kind === 'named') return [withStatus(which.name)];
  if (which.kind === 'default') return [withStatus(pod.metadata?.annotations?.[DEFAULT_CONTAINER] ?? spec?.containers[0]?.name ?? '')];
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => withStatus(c.name));
}

/** Whether the kubelet has a log of the container: it runs or ran (now or, with `previous`, before the last restart). */
function hasLog(status: ContainerStatus | undefined, previous: boolean): boolean {
  if (!status) return false;
  if (previous) return status.lastState?.terminated !== undefined;
  return status.state?.running !== undefined || status.state?.terminated !== undefined || status.lastState?.terminated !== undefined;
}

/** The log streams of the pods, in pod then container order; containers that have not run yet are left for later. */
export function logStreams(pods: readonly Pod[], which: Containers, previous: boolean): LogStream[] {
  return pods.flatMap((pod) =>
    containersOf(pod, which)
      .filter((c) => hasLog(c.status, previous))
      .map((c) => ({
        key: `${pod.metadata?.uid ?? pod.metadata?.name ?? ''}/${c.name}/${c.status?.restartCount ?? 0}`,
        pod: pod.metadata?.name ?? '',
        container: c.name,
      })),
  );
}

/** Whether a followed rollout is over: its ReplicaSets (as they are now; deleted ones left out)
 * want no pod, and none of their pods is left, not even terminating. */
export function rolloutGone(replicaSets: readonly ReplicaSet[], pods: readonly Pod[]): boolean {
  return replicaSets.every((rs) => (rs.spec?.replicas ?? 0) === 0) && podsOf(replicaSets, pods).length === 0;
}

/** A log line as written: `[pod/NAME/CONTAINER] line` (kubectl's --prefix), the line, or a JSON object. */
export function formatLine(s: LogStream, line: string, o: { prefix: boolean; json: boolean }): string {
  if (o.json) return `${JSON.stringify({ pod: s.pod, container: s.container, line })}\n`;
  return o.prefix ? `[pod/${s.pod}/${s.container}] ${line}\n` : `${line}\n`;
}
