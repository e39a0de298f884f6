// What `paas-webhook serve` settles before it listens: the configuration (paas.toml and the flags
// over its [webhook] settings), the API server to talk to, the cluster facts the policy needs, and
// the first serving pair (files, or the Secret in self-signed mode).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { DEFAULT_CONFIG, parseConfig, type PaasConfig, type WebhookSettings } from '../../core/config.js';
import { PreStopMode, type ClusterFacts } from '../../core/policy/index.js';
import { kubeGateway } from './cert-gateway.js';
import { CertSync } from './cert-sync.js';
import { factsFromVersion, type ServerVersion } from '../../core/cluster-facts.js';
import { KubeClient, type ClientOptions } from '../../kube-client/client.js';
import { describeKubeError } from '../../kube-client/errors.js';
import { kubeconfigPaths, mergeKubeconfigs, resolveConfig } from '../../kube-client/kubeconfig.js';
import { inClusterConfig, readKubeconfigs } from '../../kube-client/load.js';
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
    // Every setting as paas.toml says it, unless a flag below overrides it.
    ...config.webhook,
    onError: o.onError ?? config.webhook.onError,
    maxBodyBytes: o.maxBodyBytes ?? config.webhook.maxBodyBytes,
    drainSeconds: o.drainSeconds ?? config.webhook.drainSeconds,
    mode: o.mode ?? config.webhook.mode,
    namespaces: o.namespaces ?? config.webhook.namespaces,
    failurePolicy: o.failurePolicy ?? config.webhook.failurePolicy,
    excludedNamespaces: config.webhook.excludedNamespaces,
  };
}

/** Every call the webhook makes is answered within this, or fails (its calls are small). */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The API server to talk to: --kubeconfig, else in-cluster (the pod's ServiceAccount), else
 * $KUBECONFIG (merged as kubectl merges it); none is fine. A kubeconfig goes through the same
 * reading as kubectl paas's (kube-client/): its current context, certificates, tokens, token
 * files, exec plugins, proxies. Throws ServeError with the catalogue's line.
 */
export async function kubeOf(o: Pick<ServeOptions, 'kubeconfig'>, env: Readonly<Record<string, string | undefined>>): Promise<KubeClient | undefined> {
  const options: ClientOptions = { env, userAgent: 'paas-webhook', requestTimeoutMs: REQUEST_TIMEOUT_MS };
  const fromFiles = async (paths: string[], explicit: boolean) =>
    new KubeClient(resolveConfig(mergeKubeconfigs(await readKubeconfigs(paths, explicit)), {}), options);
  try {
    if (o.kubeconfig) return await fromFiles([o.kubeconfig], true);
    if (env.KUBERNETES_SERVICE_HOST) return new KubeClient(await inClusterConfig(env), options);
    if (!env.KUBECONFIG) return undefined;
    return await fromFiles(kubeconfigPaths(undefined, env, '').paths, false);
  } catch (err) {
    const where = o.kubeconfig ? `--kubeconfig ${o.kubeconfig}` : '$KUBECONFIG';
    throw new ServeError(`${where}: ${describeKubeError(err, { server: '', namespace: '' }, 'kubeconfig').message}`, { cause: err });
  }
}

/** The cluster facts the policy reads: prestop_mode "auto" asks the API server's version. */
export async function clusterFacts(config: PaasConfig, kube: KubeClient | undefined, logger: FastifyBaseLogger): Promise<ClusterFacts> {
  if (config.deploy.prestopMode !== PreStopMode.auto) return { nativeSleep: false };
  const decided = factsFromVersion(await readVersion(kube, logger));
  logger.info({ nativeSleep: decided.facts.nativeSleep }, decided.reason);
  return decided.facts;
}

async function readVersion(kube: KubeClient | undefined, log: FastifyBaseLogger): Promise<ServerVersion | undefined> {
  if (!kube) return undefined;
  try {
    return await kube.call<ServerVersion>('GET', '/version');
  } catch (err) {
    log.warn({ err: describeKubeError(err, kube, 'the API server version').message, apiServer: kube.server }, 'cannot read the API server version');
    return undefined;
  }
}

/** This replica's Lease holder identity: --identity, $POD_NAME (main.ts), else the host name and a random suffix. */
export function identityOf(o: ServeOptions): string {
  return o.identity ?? `${hostname()}-${randomUUID().slice(0, 8)}`;
}

/** The first serving pair: from the files, or (self-signed) from the Secret the leader writes. */
export async function firstServingPair(
  o: ServeOptions,
  kube: KubeClient | undefined,
  logger: FastifyBaseLogger,
): Promise<{ pair: ServingPair; sync?: CertSync }> {
  if (!(o.selfSigned && kube)) return { pair: await loadPairFiles(o.tlsCert ?? '', o.tlsKey ?? '') };
  const sync = new CertSync({
    gateway: kubeGateway(kube, { namespace: o.secretNamespace, secretName: o.secretName, webhookConfigName: o.webhookConfigName, leaseName: o.leaseName }),
    sans: servingSans(o.serviceName, o.secretNamespace, o.tlsSans),
    identity: identityOf(o),
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
