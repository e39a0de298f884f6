// `paas-webhook serve`: wires config, cluster facts, TLS, the app, the metrics port, certificate
// reloads and the SIGTERM drain together. main.ts turns argv into ServeOptions and calls runServe.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import { DEFAULT_CONFIG, parseConfig, type OnError, type PaasConfig } from '../config.js';
import { mutateDeployment, PolicyInputError, PreStopMode, type ClusterFacts } from '../policy/index.js';
import { buildServer } from './app.js';
import { CertSync, kubeGateway } from './cert-sync.js';
import { factsFromVersion, type ServerVersion } from './cluster-facts.js';
import { inClusterTarget, kubeconfigTarget, KubeRest } from './kube-rest.js';
import { drain } from './drain.js';
import { createHealth, type Health } from './health.js';
import { buildMetricsServer } from './metrics-server.js';
import { createMetrics, type WebhookMetrics } from './metrics.js';
import { servingSans } from './self-signed.js';
import { loadPairFiles, watchPairFiles, type ServingPair } from './tls.js';

/** Everything `serve` needs, already validated by main.ts. */
export interface ServeOptions {
  host: string;
  port: number;
  metricsPort: number;
  tlsCert?: string;
  tlsKey?: string;
  config: string;
  /** --config was given: a missing file is then an error, not "use the defaults". */
  configExplicit: boolean;
  logLevel: string;
  kubeconfig?: string;
  drainSeconds?: number;
  onError?: OnError;
  maxBodyBytes?: number;
  certPollSeconds: number;
  selfSigned: boolean;
  secretName: string;
  secretNamespace: string;
  webhookConfigName: string;
  serviceName: string;
  leaseName: string;
  tlsSans: string[];
  syncSeconds: number;
  identity?: string;
  baselineRoute: boolean;
}

/** A start-up failure with a message fit for the user (bad flag value, unreadable file). */
export class ServeError extends Error {
  override name = 'ServeError';
}

async function loadConfig(o: ServeOptions): Promise<PaasConfig> {
  if (!existsSync(o.config)) {
    if (o.configExplicit) throw new ServeError(`--config ${o.config}: file not found`);
    return structuredClone(DEFAULT_CONFIG) as PaasConfig;
  }
  const cfg = parseConfig(await readFile(o.config, 'utf8'), o.config); // throws ConfigError naming file and field
  return cfg;
}

/** The API server to talk to: --kubeconfig, else in-cluster, else $KUBECONFIG; none is fine. */
function loadKube(o: ServeOptions): KubeRest | undefined {
  const fromFile = (path: string): KubeRest => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ServeError(`--kubeconfig ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    return new KubeRest(kubeconfigTarget(path, text));
  };
  if (o.kubeconfig) return fromFile(o.kubeconfig);
  if (process.env.KUBERNETES_SERVICE_HOST) return new KubeRest(inClusterTarget(process.env));
  const env = process.env.KUBECONFIG?.split(delimiter).find((p) => p !== '');
  return env ? fromFile(env) : undefined;
}

async function readVersion(kube: KubeRest | undefined, log: FastifyBaseLogger): Promise<ServerVersion | undefined> {
  if (!kube) return undefined;
  try {
    return await kube.call<ServerVersion>('GET', '/version');
  } catch (err) {
    log.warn({ err: (err as Error).message, apiServer: kube.target.server }, 'cannot read the API server version');
    return undefined;
  }
}

/** Starts the webhook and resolves once it has closed after SIGTERM/SIGINT. */
export async function runServe(o: ServeOptions): Promise<void> {
  const logger = pino({ level: o.logLevel, base: { service: 'paas-webhook' } }) as unknown as FastifyBaseLogger;
  const config = await loadConfig(o);
  const webhook = {
    onError: o.onError ?? config.webhook.onError,
    maxBodyBytes: o.maxBodyBytes ?? config.webhook.maxBodyBytes,
    drainSeconds: o.drainSeconds ?? config.webhook.drainSeconds,
  };
  const kube = loadKube(o);
  let facts: ClusterFacts = { nativeSleep: false };
  if (config.deploy.prestopMode === PreStopMode.auto) {
    const decided = factsFromVersion(await readVersion(kube, logger));
    facts = decided.facts;
    logger.info({ nativeSleep: facts.nativeSleep }, decided.reason);
  }

  const metrics = createMetrics();
  collectDefaultMetrics({ register: metrics.registry, prefix: 'paas_webhook_' });
  const health = createHealth({ configValid: true });
  if (o.selfSigned && !kube) throw new ServeError('--self-signed needs the Kubernetes API: run in a cluster (ServiceAccount) or pass --kubeconfig');
  if (!o.selfSigned && (!o.tlsCert || !o.tlsKey)) throw new ServeError('give --tls-cert and --tls-key (PEM files), or --self-signed');
  // The metrics port comes up first: /healthz answers (and /readyz says why not ready) while a
  // replica waits for the leader to write the certificate Secret.
  const metricsApp = buildMetricsServer({ registry: metrics.registry, health, logger });
  await metricsApp.listen({ host: o.host, port: o.metricsPort });

  let started: Awaited<ReturnType<typeof startHttps>>;
  try {
    started = await startHttps(o, kube, { logger, metrics, health, config, webhook, facts });
  } catch (err) {
    // Nothing may keep the process alive after a failed start.
    await metricsApp.close();
    kube?.close();
    throw err;
  }
  const { pair, sync, app } = started;
  logger.info({ port: o.port, metricsPort: o.metricsPort, onError: webhook.onError, maxBodyBytes: webhook.maxBodyBytes, drainSeconds: webhook.drainSeconds, certNotAfter: pair.notAfter, selfSigned: o.selfSigned }, 'paas-webhook serving');

  const install = (next: ServingPair): void => {
    // setSecureContext swaps the pair for new connections; open ones finish on the old pair.
    (app.server as import('node:https').Server).setSecureContext({ key: next.key, cert: next.cert, minVersion: 'TLSv1.2' });
    metrics.certNotAfter.set(next.notAfter.getTime() / 1000);
    metrics.certReloads.inc({ result: 'ok' });
    logger.info({ notAfter: next.notAfter, fingerprint: next.fingerprint }, 'serving certificate reloaded');
  };
  const stops: Array<() => void> = [];
  if (sync) {
    const s = sync;
    const timer = setInterval(() => {
      s.sync()
        .then((next) => next && install(next))
        .catch((err: unknown) => {
          metrics.errors.inc({ type: 'cert-sync' });
          logger.error({ err }, 'self-signed: certificate sync failed (will retry)');
        });
    }, o.syncSeconds * 1000);
    timer.unref();
    stops.push(() => clearInterval(timer));
  } else if (o.tlsCert && o.tlsKey) {
    const watcher = watchPairFiles({
      certPath: o.tlsCert,
      keyPath: o.tlsKey,
      current: pair,
      pollMs: o.certPollSeconds * 1000,
      onPair: install,
      onError: (err) => {
        metrics.certReloads.inc({ result: 'error' });
        metrics.errors.inc({ type: 'tls-reload' });
        logger.warn({ err: (err as Error).message }, 'serving certificate not reloaded; keeping the current one');
      },
    });
    stops.push(() => watcher.close());
  }

  await new Promise<void>((resolve) => {
    let draining = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (draining) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      draining = true;
      // Give up the Lease now, beside the drain: the other replica can rotate at once.
      const released = sync ? releaseWithin(sync, LEASE_RELEASE_TIMEOUT_MS, logger) : Promise.resolve();
      drain({
        health,
        seconds: webhook.drainSeconds,
        sleep: (ms) => sleep(ms),
        close: async () => {
          for (const stop of stops) stop();
          await released;
          kube?.close();
          await app.close();
          await metricsApp.close();
        },
        log: (msg) => logger.info({ signal }, msg),
      }).then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while closing');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info('paas-webhook stopped');
}

/** At most this long does shutdown wait for the Lease release. */
const LEASE_RELEASE_TIMEOUT_MS = 3000;

/** `sync.release()` bounded by `ms`; never throws, never holds the shutdown longer. */
async function releaseWithin(sync: CertSync, ms: number, logger: FastifyBaseLogger): Promise<void> {
  const timeout = new AbortController();
  const outcome = await Promise.race([
    sync.release(),
    sleep(ms, 'timeout' as const, { signal: timeout.signal, ref: false }).catch(() => 'timeout' as const),
  ]);
  timeout.abort();
  if (outcome === 'timeout') logger.warn({ timeoutMs: ms }, 'self-signed: Lease release timed out; another replica takes over when it expires');
}

/** Gets the first serving pair (files, or the Secret in self-signed mode) and listens on --port. */
async function startHttps(
  o: ServeOptions,
  kube: KubeRest | undefined,
  d: { logger: FastifyBaseLogger; metrics: WebhookMetrics; health: Health; config: PaasConfig; webhook: { onError: OnError; maxBodyBytes: number }; facts: ClusterFacts },
): Promise<{ pair: ServingPair; sync?: CertSync; app: FastifyInstance }> {
  let pair: ServingPair;
  let sync: CertSync | undefined;
  if (o.selfSigned && kube) {
    sync = new CertSync({
      gateway: kubeGateway(kube, { namespace: o.secretNamespace, secretName: o.secretName, webhookConfigName: o.webhookConfigName, leaseName: o.leaseName }),
      sans: servingSans(o.serviceName, o.secretNamespace, o.tlsSans),
      identity: o.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`,
      logger: d.logger,
    });
    pair = await firstPair(sync, d.logger);
  } else {
    pair = await loadPairFiles(o.tlsCert ?? '', o.tlsKey ?? '');
  }
  d.health.certLoaded = true;
  d.metrics.certNotAfter.set(pair.notAfter.getTime() / 1000);
  const app = buildServer({
    logger: d.logger,
    metrics: d.metrics,
    health: d.health,
    tls: { key: pair.key, cert: pair.cert },
    bodyLimit: d.webhook.maxBodyBytes,
    baselineRoute: o.baselineRoute,
    mutate: mutateDeployment,
    policy: d.config.deploy,
    facts: d.facts,
    newId: randomUUID,
    onError: d.webhook.onError,
    isInputError: (err) => err instanceof PolicyInputError,
  });
  await app.listen({ host: o.host, port: o.port });
  return { pair, sync, app };
}

async function firstPair(sync: CertSync, logger: FastifyBaseLogger): Promise<ServingPair> {
  for (let attempt = 1; ; attempt++) {
    try {
      const pair = await sync.sync();
      if (pair) return pair;
      logger.info({ attempt }, 'self-signed: waiting for the leader to write the certificate Secret');
    } catch (err) {
      logger.warn({ attempt, err: (err as Error).message }, 'self-signed: cannot sync certificates yet');
    }
    await sleep(Math.min(2000 * attempt, 15_000));
  }
}
