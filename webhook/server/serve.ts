// `paas-webhook serve`: wires config, cluster facts, TLS, the app, the metrics port, certificate
// reloads and the SIGTERM drain together. main.ts turns argv and the environment into
// ServeOptions and calls runServe; startup.ts settles what comes before listening,
// cert-reload.ts and shutdown.ts what comes after.
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import type { PaasConfig, WebhookSettings } from '../../core/config.js';
import { checkDeployment, mutateDeployment, PolicyInputError, type ClusterFacts } from '../../core/policy/index.js';
import { VERSION } from '../../core/version.js';
import { buildServer } from './app.js';
import type { BuildInfo } from './build-info.js';
import { Armer, kubeArmGateway, startArming } from './arming-loop.js';
import { kubeGateway } from './cert-gateway.js';
import { startCertReloads } from './cert-reload.js';
import type { CertSync } from './cert-sync.js';
import { LeaseElector, sharedRounds } from './leader.js';
import { BudgetKeeper, startBudgets } from './budgets.js';
import { kubeBudgetGateway } from './budget-gateway.js';
import { createHealth, type Health } from './health.js';
import type { KubeClient } from '../../kube-client/client.js';
import { buildMetricsServer } from './metrics-server.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import { ServeError, type ServeOptions } from './serve-options.js';
import { untilStopped, type ProcessSignals } from './shutdown.js';
import { clusterFacts, effectiveSettings, firstServingPair, identityOf, kubeOf, loadConfig } from './startup.js';
import type { ServingPair } from './tls.js';

export { ServeError, type ServeOptions } from './serve-options.js';

/** Gets the first serving pair (files, or the Secret in self-signed mode) and listens on --port. */
async function startHttps(
  o: ServeOptions,
  d: {
    kube: KubeClient | undefined;
    logger: FastifyBaseLogger;
    metrics: WebhookMetrics;
    health: Health;
    config: PaasConfig;
    webhook: WebhookSettings;
    facts: ClusterFacts;
    build: BuildInfo;
  },
): Promise<{ pair: ServingPair; sync?: CertSync; app: FastifyInstance }> {
  const { pair, sync } = await firstServingPair(o, d.kube, d.logger);
  d.health.certLoaded = true;
  d.metrics.certNotAfter.set(pair.notAfter.getTime() / 1000);
  const app = buildServer({
    logger: d.logger,
    metrics: d.metrics,
    health: d.health,
    tls: { key: pair.key, cert: pair.cert },
    bodyLimit: d.webhook.maxBodyBytes,
    build: d.build,
    baselineRoute: o.baselineRoute,
    mutate: mutateDeployment,
    check: checkDeployment,
    policy: d.config.deploy,
    facts: d.facts,
    newId: randomUUID,
    onError: d.webhook.onError,
    isInputError: (err) => err instanceof PolicyInputError,
  });
  await app.listen({ host: o.host, port: o.port });
  return { pair, ...(sync ? { sync } : {}), app };
}

/** Refuses option sets that cannot work, before anything listens. */
function checkOptions(o: ServeOptions, kube: KubeClient | undefined): void {
  if (o.selfSigned && !kube) throw new ServeError('--self-signed needs the Kubernetes API: run in a cluster (ServiceAccount) or pass --kubeconfig');
  if (o.arm && !kube) throw new ServeError('--arm needs the Kubernetes API: run in a cluster (ServiceAccount) or pass --kubeconfig');
  if (o.disruptionBudgets && !kube)
    throw new ServeError('--disruption-budgets needs the Kubernetes API: run in a cluster (ServiceAccount) or pass --kubeconfig');
  if (!o.selfSigned && (!o.tlsCert || !o.tlsKey)) throw new ServeError('give --tls-cert and --tls-key (PEM files), or --self-signed');
}

/** How often the loops that share one election round may run it (arming, disruption budgets). */
const ELECTION_ROUND_MS = 5000;

/**
 * The loops only the elected replica runs: --arm (arming-loop.ts) and --disruption-budgets
 * (budgets.ts), led by the certificate loop's election in self-signed mode, else by an election of
 * their own over the same Lease, one round shared by both. Returns how to stop them and the Lease
 * to release.
 */
function startLeaderLoops(
  o: ServeOptions,
  d: {
    kube: KubeClient | undefined;
    sync: CertSync | undefined;
    webhook: WebhookSettings;
    policy: PaasConfig['deploy'];
    logger: FastifyBaseLogger;
    metrics: WebhookMetrics;
  },
): { stop: () => void; lease?: { release(): Promise<unknown> } } {
  const { sync, kube } = d;
  if ((!o.arm && !o.disruptionBudgets) || !kube) return { stop: () => undefined, ...(sync ? { lease: sync } : {}) };
  const elector = sync
    ? undefined
    : new LeaseElector({
        leases: kubeGateway(kube, { namespace: o.secretNamespace, secretName: o.secretName, webhookConfigName: o.webhookConfigName, leaseName: o.leaseName }),
        identity: identityOf(o),
        logger: d.logger,
        prefix: o.arm ? 'arming' : 'disruption budgets',
        role: o.arm ? 'arms the configuration' : 'keeps the disruption budgets',
      });
  const isLeader = sync ? () => Promise.resolve(sync.leader) : sharedRounds(() => elector!.lead(), ELECTION_ROUND_MS);
  const settings = { ...d.webhook, ownNamespace: o.secretNamespace };
  const stops: (() => void)[] = [];
  if (o.arm) {
    const armer = new Armer({
      gateway: kubeArmGateway(kube, { configuration: o.webhookConfigName, namespace: o.secretNamespace }),
      settings,
      isLeader,
      logger: d.logger,
      metrics: d.metrics,
    });
    stops.push(startArming(armer, { steadySeconds: o.syncSeconds, logger: d.logger, metrics: d.metrics }));
  }
  if (o.disruptionBudgets) {
    const keeper = new BudgetKeeper({ gateway: kubeBudgetGateway(kube), policy: d.policy, settings, isLeader, logger: d.logger, metrics: d.metrics });
    stops.push(startBudgets(keeper, { tickSeconds: Math.min(10, o.syncSeconds), resyncSeconds: 300 }));
  }
  return {
    stop: () => {
      for (const stop of stops) stop();
    },
    lease: sync ?? elector!,
  };
}

/** The start-up line: where it listens and with which settings. */
function logServing(logger: FastifyBaseLogger, o: ServeOptions, d: { webhook: WebhookSettings; pair: ServingPair; build: BuildInfo }): void {
  const { webhook, pair, build } = d;
  logger.info(
    {
      port: o.port,
      metricsPort: o.metricsPort,
      onError: webhook.onError,
      maxBodyBytes: webhook.maxBodyBytes,
      drainSeconds: webhook.drainSeconds,
      certNotAfter: pair.notAfter,
      selfSigned: o.selfSigned,
      arm: o.arm,
      disruptionBudgets: o.disruptionBudgets,
      mode: webhook.mode,
      namespaces: webhook.namespaces,
      failurePolicy: webhook.failurePolicy,
      version: build.version,
    },
    'paas-webhook serving',
  );
}

/** What serve takes from its process: the environment (in-cluster API, $KUBECONFIG) and signals. */
export interface ServeDeps extends ProcessSignals {
  env: Readonly<Record<string, string | undefined>>;
}

/** Starts the webhook and resolves once it has closed after SIGTERM/SIGINT. */
export async function runServe(o: ServeOptions, deps: ServeDeps): Promise<void> {
  const logger = pino({ level: o.logLevel, base: { service: 'paas-webhook' } }) as unknown as FastifyBaseLogger;
  const config = await loadConfig(o);
  const webhook = effectiveSettings(o, config);
  const kube = await kubeOf(o, deps.env);
  const facts = await clusterFacts(config, kube, logger);
  const metrics = createMetrics();
  collectDefaultMetrics({ register: metrics.registry, prefix: 'paas_webhook_' });
  const build: BuildInfo = { version: VERSION, nodeVersion: process.version };
  metrics.buildInfo.set({ version: build.version, node_version: build.nodeVersion }, 1);
  const health = createHealth({ configValid: true });
  checkOptions(o, kube);
  // The metrics port comes up first: /healthz answers (and /readyz says why not ready) while a
  // replica waits for the leader to write the certificate Secret.
  const metricsApp = buildMetricsServer({ registry: metrics.registry, health, logger, build });
  await metricsApp.listen({ host: o.host, port: o.metricsPort });

  let started: Awaited<ReturnType<typeof startHttps>>;
  try {
    started = await startHttps(o, { kube, logger, metrics, health, config, webhook, facts, build });
  } catch (err) {
    // Nothing may keep the process alive after a failed start.
    await metricsApp.close();
    kube?.close();
    throw err;
  }
  const { pair, sync, app } = started;
  logServing(logger, o, { webhook, pair, build });
  const stopReloads = startCertReloads({
    app,
    metrics,
    logger,
    pair,
    ...(sync ? { sync } : {}),
    syncSeconds: o.syncSeconds,
    ...(o.tlsCert && o.tlsKey ? { files: { cert: o.tlsCert, key: o.tlsKey, pollSeconds: o.certPollSeconds } } : {}),
  });
  const arming = startLeaderLoops(o, { kube, sync, webhook, policy: config.deploy, logger, metrics });
  await untilStopped(deps, {
    health,
    drainSeconds: webhook.drainSeconds,
    ...(arming.lease ? { lease: arming.lease } : {}),
    stopReloads: () => {
      arming.stop();
      stopReloads();
    },
    close: async () => {
      kube?.close();
      await app.close();
      await metricsApp.close();
    },
    logger,
  });
  logger.info('paas-webhook stopped');
}
