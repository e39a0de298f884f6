// The workloads a command line names (`web`, `deployment/web`, `sts/db`, `ds/agent`) and how they
// go with -l and -A, for the commands that take several: `rollout status` and `diagnose`. A bad
// argument, or names with a selection, is a usage error naming it.
import { workloadRef } from '../kube/names.js';
import { workloadKey, type WorkloadRef } from '../kube/workloads.js';
import type { FrontDoor } from './front-door.js';

/** The positional words and the selection flags as yargs gives them. */
export interface WorkloadArgs {
  workloads?: unknown[];
  selector?: string;
  allNamespaces?: boolean;
}

/** Each workload named, once, in the order given; throws the usage error of the first that cannot be,
 * or of names given with -l or -A (as kubectl get refuses them: a name selects already, in one namespace). */
export function workloadsOf(a: WorkloadArgs, door: FrontDoor): WorkloadRef[] {
  const seen = new Set<string>();
  const refs: WorkloadRef[] = [];
  for (const arg of (a.workloads ?? []).map(String)) {
    const r = workloadRef(arg);
    if ('problem' in r) throw door.usage(r.problem);
    const key = workloadKey(r.kind, '', r.name);
    if (!seen.has(key)) refs.push(r);
    seen.add(key);
  }
  if (refs.length && a.selector) throw door.usage('name workloads or give -l/--selector, not both');
  if (refs.length && a.allNamespaces === true) throw door.usage('a workload is named in one namespace: give -n, not -A/--all-namespaces');
  return refs;
}
