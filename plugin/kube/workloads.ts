// The workloads whose rollouts the plugin follows and diagnoses: Deployments, StatefulSets and
// DaemonSets, as kubectl's `rollout status` takes them. Their kinds, the words kubectl uses for
// each, and the one key a workload is known by across namespaces. Pure.

/** The kinds `rollout status` and `diagnose` take. */
export const WorkloadKind = { Deployment: 'Deployment', StatefulSet: 'StatefulSet', DaemonSet: 'DaemonSet' } as const;
export type WorkloadKind = (typeof WorkloadKind)[keyof typeof WorkloadKind];

/** Every kind, in the order lists and reads take them. */
export const WORKLOAD_KINDS: readonly WorkloadKind[] = [WorkloadKind.Deployment, WorkloadKind.StatefulSet, WorkloadKind.DaemonSet];

/** One workload: its kind, name and (once known) namespace. */
export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  namespace?: string;
}

/** kubectl's resource word for a kind (`kubectl rollout undo statefulset/db`). */
export const RESOURCE_WORD: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemonset',
};

/** The words kubectl's rollout status messages name a kind with (`daemon set "x" successfully rolled out`). */
export const MESSAGE_WORD: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'deployment',
  StatefulSet: 'statefulset',
  DaemonSet: 'daemon set',
};

/** The one key of a workload: kind, namespace and name. */
export function workloadKey(kind: WorkloadKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** `deployment/web`, `statefulset/db`: the workload as kubectl's commands take it. */
export function resourceArg(kind: WorkloadKind, name: string): string {
  return `${RESOURCE_WORD[kind]}/${name}`;
}
