// `kubectl paas audit [deployments..]`: parse → validate → run. The flags (declared in
// commands/table.ts) become AuditOptions here, a bad value a usage error naming the flag;
// plugin/audit/run.ts reads, judges and prints.
import { deploymentName } from '../kube/names.js';
import type { AuditOptions } from '../audit/run.js';
import type { FrontDoor, Run } from './front-door.js';

/** The flags as yargs gives them. */
interface AuditArgs {
  deployments?: unknown[];
  selector?: string;
  allNamespaces?: boolean;
  config?: string;
}

/** The options the flags ask for; throws the usage error naming the first that cannot be. */
export function auditOptions(a: AuditArgs, door: FrontDoor): AuditOptions {
  const names = (a.deployments ?? []).map(String).map((arg) => {
    const n = deploymentName(arg);
    if (n === undefined) throw door.usage(`invalid deployment name "${arg}"`);
    return n;
  });
  // kubectl get's own refusals: a name is looked up in one namespace, and a name selects already.
  if (names.length > 0 && a.allNamespaces === true) throw door.usage('a Deployment is named in one namespace: give -n, not -A/--all-namespaces');
  if (names.length > 0 && a.selector) throw door.usage('name Deployments or give -l/--selector, not both');
  if (a.config === '') throw door.usage('--config: name a paas.toml file');
  return {
    names: [...new Set(names)],
    ...(a.selector ? { selector: a.selector } : {}),
    allNamespaces: a.allNamespaces === true,
    ...(a.config !== undefined ? { configPath: a.config } : {}),
    output: door.output,
    color: door.color,
  };
}

/** Runs `audit`; resolves to its exit code. */
export const run: Run = async (argv, door, deps) => {
  const options = auditOptions(argv, door);
  const [{ runAudit }, kube] = await Promise.all([import('../audit/run.js'), door.kube()]);
  return runAudit(options, { ...kube, out: deps.out, files: deps.files });
};
