// `rollout status` at run time: read the Deployments, their ReplicaSets and pods, print, and (with
// --watch) keep watching until every Deployment reaches a terminal state or --timeout runs out.
// Everything it touches comes in through `deps`; decisions are status.ts's, wording printer.ts's.
import type { KubeEdge } from '../kube/rest.js';
import { CliError } from '../lib/errors.js';
import { formatDuration } from '../lib/duration.js';
import type { OutputFormat } from '../lib/output.js';
import { paint } from '../lib/term.js';
import type { Deployment, Pod, ReplicaSet } from '../kube/objects.js';
import { renderDetail, renderJson, renderLine, renderProblems, renderProgress, renderTable, toDocument } from './printer.js';
import { selectorString } from '../kube/selector.js';
import { exitCodeOf, isTerminal, rolloutStatus, waitTimedOut, type RolloutView } from './status.js';
import { streamChange, type StreamFormat } from './stream.js';
import { listAndWatch } from './watch.js';

/** The parsed and validated flags of `rollout status`. */
export interface RolloutStatusOptions {
  names: string[];
  selector?: string;
  watch: boolean;
  /** 0 = wait until a terminal state. */
  timeoutMs: number;
  revision?: number;
  output: OutputFormat;
  color: boolean;
  /** -o json|yaml with --watch: print only the final, indented document instead of one per change. */
  finalOnly?: boolean;
}

/** The edges `rollout status` runs against. */
export interface RolloutDeps extends KubeEdge {
  out: { write(s: string): unknown };
  err: { write(s: string): unknown };
  isTTY: boolean;
  columns?: number;
  now(): number;
}

interface Tracked {
  name: string;
  view?: RolloutView;
  lastLine?: string;
  missing?: string;
}

/** Runs the command; resolves to the exit code (the worst Deployment decides). */
export async function runRolloutStatus(opts: RolloutStatusOptions, deps: RolloutDeps): Promise<number> {
  const { kube, rest } = await deps.connect();
  const ns = kube.namespace;
  const single = opts.names.length === 1 && !opts.selector;
  const what = single ? `deployment "${opts.names[0]}"` : opts.selector ? `deployments matching "${opts.selector}"` : 'deployments';
  const controller = new AbortController();
  try {
    const deployments = await listAndWatch<Deployment>(rest, {
      path: `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments`,
      ...(single ? { fieldSelector: `metadata.name=${opts.names[0]}` } : {}),
      ...(opts.selector ? { labelSelector: opts.selector } : {}),
    }).catch((err: unknown) => {
      throw deps.describeError(err, kube, what);
    });

    const byName = (): Map<string, Deployment> => new Map(deployments.mirror.items().map((d) => [d.metadata?.name ?? '', d]));
    const initial = byName();
    const tracked: Tracked[] = opts.names.length
      ? opts.names.map((name) => ({ name }))
      : [...initial.keys()].sort().map((name) => ({ name }));
    if (!tracked.length) {
      throw new CliError(
        opts.selector
          ? `no deployments match the selector "${opts.selector}" in namespace "${ns}"`
          : `no deployments found in namespace "${ns}"`,
      );
    }

    if (single && !initial.has(opts.names[0]!)) {
      throw new CliError(`deployment "${opts.names[0]}" not found in namespace "${ns}"`);
    }

    // One Deployment: its own selector narrows the ReplicaSets and pods read; several: the namespace.
    const only = tracked.length === 1 ? initial.get(tracked[0]!.name) : undefined;
    const podSelector = only ? selectorString(only.spec?.selector) : undefined;
    const nsPath = `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}`;
    const [replicaSets, pods] = await Promise.all([
      listAndWatch<ReplicaSet>(rest, { path: `${nsPath}/replicasets`, labelSelector: podSelector }),
      listAndWatch<Pod>(rest, { path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`, labelSelector: podSelector }),
    ]).catch((err: unknown) => {
      throw deps.describeError(err, kube, `replicasets and pods of ${what}`);
    });

    const p = paint(opts.color);
    const live = opts.output === 'text' && opts.watch && deps.isTTY;
    // -o json|yaml while watching: a document per change (NDJSON, or YAML split by ---), as kubectl get -w.
    const stream: StreamFormat | undefined = !opts.watch || opts.finalOnly ? undefined
      : opts.output === 'json' ? { format: 'json', single }
      : opts.output === 'yaml' ? { format: 'yaml', single, yaml: (await import('yaml')).stringify }
      : undefined;
    let streamed: RolloutView[] | undefined;
    const emit = (): void => {
      if (!stream) return;
      const vs = views();
      const text = streamChange(streamed, vs, stream);
      if (text === undefined) return;
      deps.out.write(text);
      streamed = vs;
    };
    let drawnLines = 0;
    let fatal: CliError | undefined;

    const recompute = (): void => {
      const current = byName();
      const rsItems = replicaSets.mirror.items();
      const podItems = pods.mirror.items();
      for (const t of tracked) {
        if (t.missing) continue;
        const d = current.get(t.name);
        if (!d) {
          t.missing = t.view ? `deployment "${t.name}" was deleted from namespace "${ns}"` : `deployment "${t.name}" not found in namespace "${ns}"`;
          deps.err.write(`error: ${t.missing}\n`);
          continue;
        }
        t.view = rolloutStatus(d, rsItems, podItems, deps.now(), opts.revision !== undefined ? { revision: opts.revision } : {});
      }
    };

    const views = (): RolloutView[] => tracked.flatMap((t) => (t.view ? [t.view] : []));
    const finished = (): boolean => {
      const vs = views();
      return vs.some((v) => v.rollout_status === 'Failed') || tracked.every((t) => t.missing || (t.view && isTerminal(t.view.rollout_status)));
    };

    const draw = (): void => {
      if (stream) return emit();
      if (opts.output !== 'text' || !opts.watch) return;
      if (live) {
        const text = tracked.length === 1 && tracked[0]!.view
          ? renderProgress(tracked[0]!.view, { paint: p, width: deps.columns })
          : renderTable(views(), { paint: p });
        const clear = drawnLines ? `\x1b[${drawnLines}A\x1b[0J` : '';
        deps.out.write(clear + text);
        drawnLines = text.split('\n').length - 1;
        return;
      }
      for (const t of tracked) {
        if (!t.view) continue;
        const line = renderLine(t.view);
        if (line !== t.lastLine) {
          deps.out.write(line);
          t.lastLine = line;
        }
      }
    };

    recompute();
    if (opts.watch && !finished()) {
      draw();
      await new Promise<void>((resolve) => {
        let scheduled = false;
        const stop = (): void => {
          controller.abort();
          resolve();
        };
        const onChange = (): void => {
          if (scheduled) return;
          scheduled = true;
          // Coalesce a burst of events (a scale-up touches RS, pods and Deployment) into one print.
          setImmediate(() => {
            scheduled = false;
            if (controller.signal.aborted) return;
            recompute();
            draw();
            if (finished()) stop();
          });
        };
        const onError = (err: unknown): void => {
          fatal = deps.describeError(err, kube, `watch of ${what}`);
          stop();
        };
        const timers: NodeJS.Timeout[] = [];
        if (opts.timeoutMs > 0) {
          timers.push(setTimeout(() => {
            for (const t of tracked) if (t.view) t.view = waitTimedOut(t.view, formatDuration(opts.timeoutMs));
            stop();
          }, opts.timeoutMs));
        }
        // The deadline countdown on a TTY moves even when the cluster is quiet.
        if (live) timers.push(setInterval(() => { recompute(); draw(); }, 1000));
        controller.signal.addEventListener('abort', () => timers.forEach((t) => clearTimeout(t)), { once: true });
        for (const m of [deployments, replicaSets, pods] as { watch: (o: Parameters<typeof deployments.watch>[0]) => Promise<void> }[]) {
          void m.watch({ signal: controller.signal, onChange, onError });
        }
      });
    }
    if (fatal) throw fatal;

    // The final report.
    const vs = views();
    if (live && drawnLines) deps.out.write(`\x1b[${drawnLines}A\x1b[0J`);
    if (stream) {
      emit();
    } else if (opts.output === 'json' || opts.output === 'yaml') {
      if (vs.length) {
        const doc = toDocument(vs, single);
        deps.out.write(opts.output === 'json' ? renderJson(doc) : (await import('yaml')).stringify(doc));
      }
    } else if (tracked.length === 1 && vs.length === 1) {
      const v = vs[0]!;
      if (opts.watch && !live) {
        const line = renderLine(v);
        if (line !== tracked[0]!.lastLine) deps.out.write(line);
        if (v.rollout_status !== 'Completed') deps.out.write(renderProblems(v));
      } else {
        deps.out.write(renderDetail(v, { paint: p }));
      }
    } else if (vs.length) {
      if (opts.watch && !live) draw();
      deps.out.write(renderTable(vs, { paint: p }));
    }
    return exitCodeOf(vs.map((v) => v.rollout_status), tracked.some((t) => t.missing));
  } finally {
    controller.abort();
    rest.close();
  }
}
