// `rollout history` at run time, the edge: read the Deployment, its ReplicaSets, their pods and
// its events once, then write the history (or one revision) as text, JSON or YAML.
import type { Deployment, KubeEvent, Pod, ReplicaSet } from '../kube/objects.js';
import { apiPath, Resource } from '../../kube-client/paths.js';
import { listItems } from '../kube/list.js';
import type { KubeEdge } from '../kube/rest.js';
import { selectorString } from '../kube/selector.js';
import { ErrorCode, ExitCode, PaasError } from '../../core/errors.js';
import { OutputFormat } from '../lib/output.js';
import { paint } from '../lib/term.js';
import { historyOf, revisionDetail } from './history.js';
import { renderHistory, renderRevision } from './print.js';

/** The parsed and validated flags of `rollout history`. */
export interface HistoryOptions {
  name: string;
  revision?: number;
  output: OutputFormat;
  color: boolean;
}

/** The edges `rollout history` runs against. */
export interface HistoryDeps extends KubeEdge {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  now: () => number;
}

/** Runs the command; resolves to the exit code. */
export async function runHistory(o: HistoryOptions, deps: HistoryDeps): Promise<number> {
  const { kube, rest } = await deps.connect();
  const namespace = kube.namespace;
  const fail = (err: unknown, what: string): never => {
    throw deps.describeError(err, kube, what);
  };
  try {
    const deployment = await rest
      .get<Deployment>(apiPath(Resource.deployments, { namespace, name: o.name }))
      .catch((err: unknown) => fail(err, `deployment "${o.name}"`));
    const labelSelector = selectorString(deployment.spec?.selector);
    const [replicaSets, pods] = await Promise.all([
      listItems<ReplicaSet>(rest, apiPath(Resource.replicaSets, { namespace }), { labelSelector }),
      listItems<Pod>(rest, apiPath(Resource.pods, { namespace }), { labelSelector }),
    ]).catch((err: unknown) => fail(err, `replicasets and pods of deployment "${o.name}"`));
    // Events are evidence, not a requirement: without them an outcome is unknown, not an error.
    const events = await listItems<KubeEvent>(rest, apiPath(Resource.events, { namespace }), {
      fieldSelector: `involvedObject.uid=${deployment.metadata?.uid ?? ''}`,
    }).catch((err: unknown) => {
      deps.err.write(`warning: ${deps.describeError(err, kube, `events of deployment "${o.name}"`).message}: outcomes from events are unknown\n`);
      return [];
    });
    const history = historyOf(deployment, replicaSets, pods, events);
    const yaml = o.output === OutputFormat.text && o.revision === undefined ? undefined : (await import('yaml')).stringify;
    const p = paint(o.color);
    let doc: unknown = history;
    let text = (): string => renderHistory(history, { paint: p, now: deps.now() });
    if (o.revision !== undefined) {
      const detail = revisionDetail(deployment, replicaSets, history, o.revision, yaml!);
      if ('error' in detail) throw new PaasError(ErrorCode.NotFound, detail.error);
      doc = detail;
      text = () => renderRevision(detail, p);
    }
    deps.out.write(o.output === OutputFormat.json ? `${JSON.stringify(doc, null, 2)}\n` : o.output === OutputFormat.yaml ? yaml!(doc) : text());
    return ExitCode.ok;
  } finally {
    rest.close();
  }
}
