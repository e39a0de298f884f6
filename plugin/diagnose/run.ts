// `kubectl paas diagnose` at run time, the edge. One named workload: read one snapshot of it
// (gather.ts for a Deployment, gather-sets.ts for a StatefulSet or DaemonSet), judge it (the pure
// diagnose() of analyse.ts, analyse-sets.ts) and write the diagnosis as text, JSON or YAML
// (print.ts). Several, -l, -A or none named: list (or read) the workloads, read further only
// those not rolled out (or named), at most WORKLOADS_AT_ONCE at once and REQUESTS_AT_ONCE
// requests in flight in all, and write the summary and the diagnoses (fleet.ts). The worst verdict
// gives the exit code.
import { apiPath, Resource, type ResourceType } from '../../kube-client/paths.js';
import { HttpError, limitedRest, type Kube, type KubeEdge, type Rest } from '../kube/rest.js';
import { listItems } from '../kube/list.js';
import { limiter, mapLimit } from '../lib/limit.js';
import { OutputFormat } from '../lib/output.js';
import { MESSAGE_WORD, WORKLOAD_KINDS, WorkloadKind, type WorkloadRef } from '../kube/workloads.js';
import type { GatherLimits } from './gather.js';
import type { Diagnosis } from './diagnosis.js';
import type { Listed } from './fleet.js';

/** The parsed and validated flags of `diagnose`. */
export interface DiagnoseOptions {
  /** The workloads named (none: every one the selection finds). */
  targets: WorkloadRef[];
  selector?: string;
  /** -A: every namespace. */
  allNamespaces?: boolean;
  /** With several: only the summary. */
  summary?: boolean;
  output: OutputFormat;
  events: boolean;
  /** Lines of each failing container's log shown as evidence (0: none). */
  logLines: number;
  color: boolean;
}

/** The edges `diagnose` runs against. */
export interface DiagnoseDeps extends KubeEdge {
  out: { write(s: string): unknown };
  now(): Date;
}

/** Workloads diagnosed at once, over several. */
export const WORKLOADS_AT_ONCE = 8;
/** Requests in flight at once over several (the client's connections to one API server). */
export const REQUESTS_AT_ONCE = 8;

const RESOURCE: Readonly<Record<WorkloadKind, ResourceType>> = {
  Deployment: Resource.deployments,
  StatefulSet: Resource.statefulSets,
  DaemonSet: Resource.daemonSets,
};

const isSingle = (opts: DiagnoseOptions): boolean => opts.targets.length === 1 && !opts.selector && opts.allNamespaces !== true && opts.summary !== true;

/** Gathers, diagnoses and prints; resolves to the exit code (0 healthy or progressing, 1 problems). */
export async function runDiagnose(opts: DiagnoseOptions, deps: DiagnoseDeps): Promise<number> {
  return isSingle(opts) ? runOne(opts, opts.targets[0]!, deps) : runMany(opts, deps);
}

/** A document as YAML: exactly the JSON's (what JSON leaves out, YAML does too), through the YAML
 * library, loaded only when asked for. */
async function yamlOf(doc: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  return stringify(JSON.parse(JSON.stringify(doc)));
}

/** The limits of one workload's reads. */
async function limitsOf(opts: DiagnoseOptions): Promise<GatherLimits> {
  const { DEFAULT_LIMITS } = await import('./gather.js');
  return { ...DEFAULT_LIMITS, logLines: opts.logLines };
}

/** Reads and judges one workload already read (or, a Deployment, by name as before). */
async function diagnoseListed(rest: Rest, w: Listed, opts: DiagnoseOptions, now: () => Date): Promise<Diagnosis> {
  const limits = await limitsOf(opts);
  const gatherOpts = { timeline: opts.events };
  if (w.kind === WorkloadKind.Deployment) {
    const [{ gatherDeployment }, { diagnose }] = await Promise.all([import('./gather.js'), import('./analyse.js')]);
    return diagnose(await gatherDeployment(rest, w.object, gatherOpts, limits), now());
  }
  const [{ gatherStatefulSet, gatherDaemonSet }, { diagnoseStatefulSet, diagnoseDaemonSet }] = await Promise.all([
    import('./gather-sets.js'),
    import('./analyse-sets.js'),
  ]);
  if (w.kind === WorkloadKind.StatefulSet) return diagnoseStatefulSet(await gatherStatefulSet(rest, w.object, gatherOpts, limits), now());
  return diagnoseDaemonSet(await gatherDaemonSet(rest, w.object, gatherOpts, limits), now());
}

/** GETs one named workload, named (metadata.name checked). */
async function readNamed(rest: Rest, ns: string, ref: WorkloadRef): Promise<Listed> {
  const { named } = await import('./gather.js');
  const o = named(await rest.get<{ metadata?: { name?: string } }>(apiPath(RESOURCE[ref.kind], { namespace: ns, name: ref.name })), ref.kind);
  return { kind: ref.kind, object: o };
}

/** One workload: today's single document, text or YAML. */
async function runOne(opts: DiagnoseOptions, ref: WorkloadRef, deps: DiagnoseDeps): Promise<number> {
  const print = await import('./print.js');
  const { kube, rest } = await deps.connect();
  let d: Diagnosis;
  try {
    if (ref.kind === WorkloadKind.Deployment) {
      // A Deployment as always: one GET by name, then its reads.
      const [{ gather }, { diagnose }] = await Promise.all([import('./gather.js'), import('./analyse.js')]);
      d = diagnose(await gather(rest, kube.namespace, ref.name, { timeline: opts.events }, await limitsOf(opts)), deps.now());
    } else d = await diagnoseListed(rest, await readNamed(rest, kube.namespace, ref), opts, () => deps.now());
  } catch (err) {
    throw deps.describeError(err, kube, `${MESSAGE_WORD[ref.kind]} "${ref.name}"`);
  } finally {
    rest.close();
  }
  const now = deps.now();
  if (opts.output === OutputFormat.json) deps.out.write(print.diagnosisJson(d, opts.events));
  else if (opts.output === OutputFormat.yaml) deps.out.write(await yamlOf(print.diagnosisDocument(d, opts.events)));
  else deps.out.write(print.diagnosisText(d, { color: opts.color, events: opts.events, now }));
  return print.exitCodeOf(d.verdict);
}

const PLURAL: Readonly<Record<WorkloadKind, string>> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

/** Every workload of the selection (the namespace, or all with -A; -l): each kind's list, every
 * page. StatefulSets or DaemonSets the user may not list (403) are left out, said. */
async function listWorkloads(rest: Rest, ns: string | undefined, opts: DiagnoseOptions): Promise<{ workloads: Listed[]; notes: string[] }> {
  const { named } = await import('./gather.js');
  const notes: string[] = [];
  const lists = await Promise.all(
    WORKLOAD_KINDS.map(async (kind) => {
      try {
        const items = await listItems<{ metadata?: { name?: string } }>(rest, apiPath(RESOURCE[kind], ns === undefined ? {} : { namespace: ns }), {
          ...(opts.selector ? { labelSelector: opts.selector } : {}),
        });
        return items.map((o) => ({ kind, object: named(o, kind) }));
      } catch (err) {
        if (kind === WorkloadKind.Deployment || !(err instanceof HttpError) || (err.status !== 403 && err.status !== 401)) throw err;
        notes.push(`cannot list ${PLURAL[kind]} (forbidden): they are left out`);
        return [];
      }
    }),
  );
  return { workloads: lists.flat(), notes };
}

/** Several: read, judge what needs it, print the summary and the diagnoses. */
async function runMany(opts: DiagnoseOptions, deps: DiagnoseDeps): Promise<number> {
  const fleet = await import('./fleet.js');
  const { kube, rest: raw } = await deps.connect();
  const rest = limitedRest(raw, limiter(REQUESTS_AT_ONCE));
  const ns = opts.allNamespaces ? undefined : kube.namespace;
  let result: import('./fleet.js').Fleet;
  try {
    const { workloads, notes } = opts.targets.length
      ? { workloads: await readAllNamed(rest, kube, opts.targets, deps), notes: [] }
      : await listWorkloads(rest, ns, opts).catch((err: unknown) => {
          throw deps.describeError(err, kube, opts.selector ? `workloads matching "${opts.selector}"` : 'workloads');
        });
    const toRead = opts.targets.length ? workloads : workloads.filter((w) => !fleet.rolledOutByStatus(w));
    const read = await mapLimit(toRead, WORKLOADS_AT_ONCE, (w) => diagnoseOrGone(rest, w, opts, deps, kube));
    const gone = toRead
      .filter((_, i) => read[i] === undefined)
      .map((w) => `${fleet.described(w.kind, w.object.metadata.namespace ?? '', w.object.metadata.name)} went away while read`);
    result = {
      workloads: workloads.length - gone.length,
      diagnoses: read.filter((d): d is Diagnosis => d !== undefined),
      healthyByStatus: workloads.length - toRead.length,
      notes: [...notes, ...gone],
    };
  } finally {
    raw.close();
  }
  if (opts.output === OutputFormat.text) {
    deps.out.write(
      fleet.fleetText(result, { color: opts.color, events: opts.events, now: deps.now(), summaryOnly: opts.summary === true, namespaces: ns === undefined }),
    );
  } else {
    const doc = fleet.fleetDocument(result, { events: opts.events, summaryOnly: opts.summary === true });
    deps.out.write(opts.output === OutputFormat.json ? `${JSON.stringify(doc, null, 2)}\n` : await yamlOf(doc));
  }
  return fleet.fleetExitCode(result);
}

/** Each named workload, read by name in the context's namespace; one that is not there is the command's error. */
function readAllNamed(rest: Rest, kube: Kube, targets: readonly WorkloadRef[], deps: DiagnoseDeps): Promise<Listed[]> {
  return mapLimit(targets, WORKLOADS_AT_ONCE, (ref) =>
    readNamed(rest, kube.namespace, ref).catch((err: unknown) => {
      throw deps.describeError(err, kube, `${MESSAGE_WORD[ref.kind]} "${ref.name}"`);
    }),
  );
}

/** One workload's diagnosis; undefined when it went away between the list and its reads (404). */
async function diagnoseOrGone(rest: Rest, w: Listed, opts: DiagnoseOptions, deps: DiagnoseDeps, kube: Kube): Promise<Diagnosis | undefined> {
  try {
    return await diagnoseListed(rest, w, opts, () => deps.now());
  } catch (err) {
    if (err instanceof HttpError && err.status === 404 && opts.targets.length === 0) return undefined;
    throw deps.describeError(err, { ...kube, namespace: w.object.metadata.namespace ?? kube.namespace }, `${MESSAGE_WORD[w.kind]} "${w.object.metadata.name}"`);
  }
}
