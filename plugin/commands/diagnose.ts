// `kubectl paas diagnose [TYPE/NAME..]`: parse → validate → run. The flags (declared in
// commands/table.ts) become DiagnoseOptions here, a bad value a usage error naming the flag;
// plugin/diagnose/run.ts gathers, judges and prints.
import type { DiagnoseOptions } from '../diagnose/run.js';
import type { FrontDoor, Run } from './front-door.js';
import { DIAGNOSE_LOG_LINES } from './table.js';
import { workloadsOf } from './workload-args.js';

/** The flags as yargs gives them. */
interface DiagnoseArgs {
  workloads?: unknown[];
  selector?: string;
  allNamespaces?: boolean;
  summary?: boolean;
  events?: boolean;
  logs?: number;
  noLogs?: boolean;
}

/** The options the flags ask for; throws the usage error naming the first that cannot be. */
export function diagnoseOptions(a: DiagnoseArgs, door: FrontDoor): DiagnoseOptions {
  const logLines = a.noLogs === true ? 0 : (a.logs ?? DIAGNOSE_LOG_LINES.default);
  if (!Number.isInteger(logLines) || logLines < 0 || logLines > DIAGNOSE_LOG_LINES.max) {
    throw door.usage(`invalid value "${a.logs}" for --logs: a number of lines from 0 to ${DIAGNOSE_LOG_LINES.max}`);
  }
  const targets = workloadsOf(a, door);
  return {
    targets,
    ...(a.selector ? { selector: a.selector } : {}),
    allNamespaces: a.allNamespaces === true,
    summary: a.summary === true,
    output: door.output,
    events: a.events === true,
    logLines,
    color: door.color,
  };
}

/** Runs `diagnose`; resolves to its exit code. */
export const run: Run = async (argv, door, deps) => {
  const options = diagnoseOptions(argv, door);
  const [{ runDiagnose }, kube] = await Promise.all([import('../diagnose/run.js'), door.kube()]);
  return runDiagnose(options, { ...kube, out: deps.out, now: () => new Date(deps.now()) });
};
