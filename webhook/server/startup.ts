// What `paas-webhook serve` settles before it listens: the configuration (paas.toml and the flags
// over its [webhook] settings), the API server to talk to, the cluster facts the policy needs, and
// the first serving pair (files, or the Secret in self-signed mode).
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_CONFIG, parseConfig, type PaasConfig, type WebhookSettings } from '../config.js';
import { PreStopMode, type ClusterFacts } from '../policy/index.js';
import { kubeGateway } from './cert-gateway.js';
import { CertSync } from './cert-sync.js';
import { factsFromVersion, type ServerVersion } from './cluster-facts.js';
import { inClusterTarget, kubeconfigTarget, KubeRest } from './kube-rest.js';
import { servingSans } from './self-signed.js';
import { loadPairFiles, type ServingPair } from './tls.js';
import { ServeError, type ServeOptions } from './serve-options.js';

/** paas.toml: --config, else ./paas.toml when present, else the defaults. Throws ConfigError naming file and field. */
export async function loadConfig(o: ServeOptions): Promise<PaasConfig> {
  if (!existsSync(o.config)) {
    if (o.configExplicit) throw new ServeError(`--config ${o.config}: file not found`);
    return structuredClone(DEFAULT_CONFIG);
  }
  return parseConfig(await readFile(o.config, 'utf8'), o.config);
}

/** The [webhook] settings with the flags that override them. */
export function effectiveSettings(o: ServeOptions, config: PaasConfig): WebhookSettings {
  return {
    onError: o.onError ?? config.webhook.onError,
    maxBodyBytes: o.maxBodyBytes ?? config.webhook.maxBodyBytes,
    drainSeconds: o.drainSeconds ?? config.webhook.drainSeconds,
  };
}

/** The API server to talk to: --kubeconfig, else in-cluster, else $KUBECONFIG; none is fine. */
export function kubeOf(o: ServeOptions, env: Readonly<Record<string, string | undefined>>): KubeRest | undefined {
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
  if (env.KUBERNETES_SERVICE_HOST) return new KubeRest(inClusterTarget(env));
  const fromEnv = env.KUBECONFIG?.split(delimiter).find((p) => p !== '');
  return fromEnv ? fromFile(fromEnv) : undefined;
}

/** The cluster facts the policy reads: prestop_mode "auto" asks the API server's version. */
export async function clusterFacts(config: PaasConfig, kube: KubeRest | undefined, logger: FastifyBaseLogger): Promise<ClusterFacts> {
  if (config.deploy.prestopMode !== PreStopMode.auto) return { nativeSleep: false };
  const decided = factsFromVersion(await readVersion(kube, logger));
  logger.info({ nativeSleep: decided.facts.nativeSleep }, decided.reason);
  return decided.facts;
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

/** The first serving pair: from the files, or (self-signed) from the Secret the leader writes. */
export async function firstServingPair(
  o: ServeOptions,
  kube: KubeRest | undefined,
  logger: FastifyBaseLogger,
): Promise<{ pair: ServingPair; sync?: CertSync }> {
  if (!(o.selfSigned && kube)) return { pair: await loadPairFiles(o.tlsCert ?? '', o.tlsKey ?? '') };
  const sync = new CertSync({
    gateway: kubeGateway(kube, { namespace: o.secretNamespace, secretName: o.secretName, webhookConfigName: o.webhookConfigName, leaseName: o.leaseName }),
    sans: servingSans(o.serviceName, o.secretNamespace, o.tlsSans),
    identity: o.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`,
    logger,
  });
  return { pair: await syncedPair(sync, logger), sync };
}

async function syncedPair(sync: CertSync, logger: FastifyBaseLogger): Promise<ServingPair> {
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
