// The PodDisruptionBudget reconciler (`serve --disruption-budgets`, which the manifests pass): on the
// elected replica only, keep one budget beside each Deployment under the policy that has 2 or more
// replicas, as core/policy/budget.ts decides it. An admission webhook must not create objects as a
// side effect of admission (a dry run, a request refused after it), so this runs beside admission,
// never inside it. The edge: list and watch the Deployments, budgets and Namespaces (informer.ts)
// into a cache of the fields that matter (budget-cache.ts); a change marks its namespace, and a
// second later every marked namespace is planned (planBudgets, pure) and its writes made, one at a
// time. A full look every few minutes catches what a lost write left. A replica that stops leading
// stops watching and forgets.
import type { FastifyBaseLogger } from 'fastify';
import { ownerOfBudget, planBudgets, type BudgetAction, type JsonObject, type Policy } from '../../core/policy/index.js';
import type { ScopeSettings } from '../../core/policy/scope.js';
import { shouldLog } from './arming-loop.js';
import { BudgetCache, Kind } from './budget-cache.js';
import { COLLECTION, WriteOutcome, type BudgetGateway } from './budget-gateway.js';
import { realSleep, runInformer, WatchExpired, type Sleep } from './informer.js';
import type { WebhookMetrics } from './metrics.js';

/** The actions the metric counts. */
export const BudgetMetricAction = { created: 'created', updated: 'updated', deleted: 'deleted' } as const;

export interface BudgetKeeperOptions {
  gateway: BudgetGateway;
  policy: Policy;
  /** Where the enforce entry applies ([webhook] settings and the webhook's own namespace). */
  settings: ScopeSettings;
  /** Whether this replica leads now (one election round, shared with arming). */
  isLeader: () => Promise<boolean>;
  logger: FastifyBaseLogger;
  metrics: WebhookMetrics;
  /** Runs `flush` a moment after a namespace is marked (default: a one-second timer). */
  schedule?: (flush: () => void) => void;
  /** The informers' pause between failed lists (tests: none). */
  sleep?: Sleep;
  now?: () => number;
}

const LOG_EVERY_MS = 60_000;

/** One replica's budget reconciler. `tick()` follows the leadership, `flush()` plans and writes. */
export class BudgetKeeper {
  private readonly cache = new BudgetCache();
  private readonly dirty = new Set<string>();
  private readonly listed = new Set<Kind>();
  private running: AbortController | undefined;
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();
  private readonly logged = new Map<string, { key: string; at: number }>();

  constructor(private readonly o: BudgetKeeperOptions) {}

  /** Whether the reconciler watches now (this replica leads). */
  get active(): boolean {
    return this.running !== undefined;
  }

  /** One look at the leadership: start watching when this replica leads, stop when it no longer does. */
  async tick(): Promise<void> {
    let leader = false;
    try {
      leader = await this.o.isLeader();
    } catch (err) {
      this.warnOnce('leader', 'disruption budgets: leader election round failed; budgets are left as they are', { err: (err as Error).message });
    }
    if (leader && !this.running) this.start();
    else if (!leader && this.running) this.stop('this replica no longer leads');
  }

  /** Marks every namespace for a look (the periodic full pass). */
  resync(): void {
    if (!this.running) return;
    for (const ns of this.cache.namespaces()) this.mark(ns);
  }

  private start(): void {
    const running = new AbortController();
    this.running = running;
    this.o.logger.info({ settings: { mode: this.o.settings.mode, namespaces: this.o.settings.namespaces } }, 'disruption budgets: this replica keeps them');
    for (const kind of Object.values(Kind)) {
      void runInformer(
        this.o.gateway,
        COLLECTION[kind],
        {
          onList: (items) => {
            for (const ns of this.cache.reset(kind, items)) this.mark(ns);
            this.listed.add(kind);
            if (this.listed.size === Object.values(Kind).length) this.resync();
          },
          onEvent: (type, object) => {
            const ns = this.cache.apply(kind, type, object);
            if (ns !== undefined) this.mark(ns);
          },
          onError: (err, attempt) => {
            // An expired watch is the API server's normal way to say "list again".
            if (err instanceof WatchExpired) return;
            this.o.metrics.errors.inc({ type: 'disruption-budget' });
            this.warnOnce(`list ${kind}`, `disruption budgets: reading ${kind} failed; listing again`, {
              err: (err as Error).message,
              attempt: String(attempt),
            });
          },
        },
        running.signal,
        this.o.sleep ?? realSleep,
      );
    }
  }

  /** Stops watching and forgets the cluster (a leader that lost the Lease, or shutdown). */
  stop(why = 'stopping'): void {
    if (!this.running) return;
    this.running.abort();
    this.running = undefined;
    this.cache.clear();
    this.dirty.clear();
    this.listed.clear();
    this.o.metrics.budgetsKept.set(0);
    this.o.logger.info({ why }, 'disruption budgets: no longer kept by this replica');
  }

  private mark(namespace: string): void {
    this.dirty.add(namespace);
    if (this.scheduled) return;
    this.scheduled = true;
    const run = () => {
      this.scheduled = false;
      void this.flush();
    };
    if (this.o.schedule) this.o.schedule(run);
    else setTimeout(run, 1000).unref();
  }

  /** Plans every marked namespace and makes its writes (one flush at a time; none until the three
   * kinds are listed: a budget of the user's not yet seen must not be doubled). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const running = this.running;
    if (!running || this.listed.size < Object.values(Kind).length) return;
    const namespaces = [...this.dirty].sort();
    this.dirty.clear();
    for (const ns of namespaces) {
      if (running.signal.aborted) return;
      for (const action of planBudgets(this.cache.view(ns, this.o.settings), this.o.policy)) await this.write(action);
    }
    this.o.metrics.budgetsKept.set(this.cache.count(Kind.budgets, (b) => ownerOfBudget(b) !== undefined));
  }

  /** One write, its answer put in the cache at once (the watch confirms it later). */
  private async write(a: BudgetAction): Promise<void> {
    const where = { namespace: a.namespace, deployment: a.deployment };
    try {
      switch (a.op) {
        case 'create': {
          const made = await this.o.gateway.create(a.namespace, a.body);
          if (made === WriteOutcome.conflict) {
            this.raced(a);
            return;
          }
          if (made === WriteOutcome.gone) {
            // The namespace's deletion reached the API server before our cache: nothing to keep.
            this.o.logger.debug(where, 'disruption budgets: the namespace is being deleted; none made');
            return;
          }
          this.cache.apply(Kind.budgets, 'ADDED', made);
          this.done(BudgetMetricAction.created, { ...where, budget: nameOf(made) }, 'disruption budgets: created');
          return;
        }
        case 'update': {
          const made = await this.o.gateway.replaceSpec(a.namespace, a.name, a.resourceVersion, a.spec);
          if (typeof made === 'string') {
            this.raced(a);
            return;
          }
          this.cache.apply(Kind.budgets, 'MODIFIED', made);
          this.done(BudgetMetricAction.updated, { ...where, budget: a.name }, 'disruption budgets: updated to the Deployment');
          return;
        }
        case 'delete': {
          const outcome = await this.o.gateway.remove(a.namespace, a.name, a.uid);
          if (outcome === WriteOutcome.conflict) {
            this.raced(a);
            return;
          }
          this.cache.apply(Kind.budgets, 'DELETED', { metadata: { namespace: a.namespace, name: a.name } });
          if (outcome === WriteOutcome.done)
            this.done(BudgetMetricAction.deleted, { ...where, budget: a.name, reason: a.reason }, 'disruption budgets: deleted');
          return;
        }
        case 'blocked':
          this.warnOnce(`blocked ${a.namespace}/${a.deployment}`, 'disruption budgets: none made', { ...where, budget: a.name, reason: a.reason });
      }
    } catch (err) {
      this.o.metrics.errors.inc({ type: 'disruption-budget' });
      this.warnOnce(`${a.op} ${a.namespace}/${a.deployment}`, `disruption budgets: ${a.op} failed; will look again`, { ...where, err: (err as Error).message });
    }
  }

  private done(action: (typeof BudgetMetricAction)[keyof typeof BudgetMetricAction], fields: Record<string, string>, msg: string): void {
    this.o.metrics.budgets.inc({ action });
    this.o.logger.info(fields, msg);
  }

  /** Another write came first: the watch brings it, and the namespace is looked at again then. */
  private raced(a: BudgetAction): void {
    this.o.logger.debug({ namespace: a.namespace, deployment: a.deployment, op: a.op }, 'disruption budgets: changed meanwhile; will look again');
  }

  private warnOnce(topic: string, msg: string, fields: Record<string, string>): void {
    const now = (this.o.now ?? Date.now)();
    const key = `${msg} ${JSON.stringify(fields)}`;
    if (!shouldLog(this.logged.get(topic), key, now, LOG_EVERY_MS)) return;
    this.logged.set(topic, { key, at: now });
    this.o.logger.warn(fields, msg);
  }
}

const nameOf = (o: JsonObject): string => {
  const m = o.metadata;
  return typeof m === 'object' && m !== null && !Array.isArray(m) && typeof m.name === 'string' ? m.name : '';
};

/** Runs the keeper: a look at the leadership every `tickSeconds`, a full pass every
 * `resyncSeconds`. The returned function stops it (and the watches). */
export function startBudgets(keeper: BudgetKeeper, o: { tickSeconds: number; resyncSeconds: number }): () => void {
  let stopped = false;
  let lastResync = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    await keeper.tick();
    if (Date.now() - lastResync >= o.resyncSeconds * 1000) {
      lastResync = Date.now();
      keeper.resync();
    }
    if (stopped) return;
    timer = setTimeout(() => void tick(), o.tickSeconds * 1000);
    timer.unref();
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    keeper.stop();
  };
}
