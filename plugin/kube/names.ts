// Object names as kubectl takes them on the command line.
import { RESOURCE_WORD, WorkloadKind, type WorkloadRef } from './workloads.js';

/** A DNS-1123 subdomain, the rule for a Deployment's name (lowercase, '-' and '.', at most 253). */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

const validName = (name: string): boolean => SUBDOMAIN.test(name) && name.length <= 253;

/**
 * The Deployment name in a command-line argument (`web`, `deploy/web`, `deployments.apps/web`),
 * or undefined when it cannot be the name of a Deployment.
 */
export function deploymentName(arg: string): string | undefined {
  const name = arg.replace(/^(deployments?|deploy)(\.apps)?\//, '');
  return validName(name) ? name : undefined;
}

/** The resource words kubectl takes for each kind, with their short names (`sts`, `ds`). */
const TYPES: readonly [RegExp, WorkloadKind][] = [
  [/^(?:deployments?|deploy)(?:\.apps)?$/, WorkloadKind.Deployment],
  [/^(?:statefulsets?|sts)(?:\.apps)?$/, WorkloadKind.StatefulSet],
  [/^(?:daemonsets?|ds)(?:\.apps)?$/, WorkloadKind.DaemonSet],
];

/**
 * The workload a command-line argument names: `web` (a Deployment, as this plugin always took
 * it), or kubectl's TYPE/NAME: `deployment/web`, `statefulset/db`, `sts/db`, `daemonset/agent`,
 * `ds/agent` (plurals and `.apps` too). `{ problem }` when it names another kind or an invalid name.
 */
export function workloadRef(arg: string): WorkloadRef | { problem: string } {
  const slash = arg.indexOf('/');
  if (slash < 0) return validName(arg) ? { kind: WorkloadKind.Deployment, name: arg } : { problem: `invalid deployment name "${arg}"` };
  const type = arg.slice(0, slash);
  const name = arg.slice(slash + 1);
  const kind = TYPES.find(([re]) => re.test(type))?.[1];
  if (kind === undefined) return { problem: `invalid resource "${arg}": name a deployment, statefulset (sts) or daemonset (ds), as TYPE/NAME` };
  return validName(name) ? { kind, name } : { problem: `invalid ${RESOURCE_WORD[kind]} name "${name}"` };
}
