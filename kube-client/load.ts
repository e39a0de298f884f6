// Where the configuration comes from, the edge of kubeconfig.ts: the kubeconfig files kubectl
// reads (--kubeconfig, else $KUBECONFIG merged, else ~/.kube/config), or the pod's ServiceAccount
// (in-cluster, as kubectl falls back to it). Files are read and parsed here; the decisions are
// kubeconfig.ts's.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { parseKubeYaml } from '../core/yaml/kube-yaml.js';
import { KubeError, KubeErrorKind } from './errors.js';
import { KubeClient, type ClientOptions } from './client.js';
import { kubeconfigPaths, mergeKubeconfigs, resolveConfig, type ConnectionFlags, type KubeconfigFile, type ResolvedConfig } from './kubeconfig.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The mounted ServiceAccount of a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const configError = (message: string, cause?: unknown) => new KubeError(KubeErrorKind.Config, message, { cause });

/** Reads and parses the kubeconfig files; a missing --kubeconfig is an error, a missing $KUBECONFIG entry is skipped (kubectl's rules). */
export async function readKubeconfigs(paths: readonly string[], explicit: boolean): Promise<KubeconfigFile[]> {
  const files: KubeconfigFile[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (explicit || (err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw configError(`cannot read kubeconfig ${path}: ${(err as Error).message}`, err);
      }
      continue;
    }
    try {
      files.push({ path, doc: parseKubeYaml(text) ?? {} });
    } catch (err) {
      throw configError(`kubeconfig ${path} is not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`, err);
    }
  }
  return files;
}

/** Whether this process runs in a pod with a ServiceAccount (client-go's inClusterClientConfig.Possible). */
export function inClusterPossible(env: Env, exists: (p: string) => boolean = existsSync): boolean {
  return !!env.KUBERNETES_SERVICE_HOST && !!env.KUBERNETES_SERVICE_PORT && exists(`${SERVICE_ACCOUNT_DIR}/token`);
}

/** The in-cluster configuration (rest.InClusterConfig), with the flags kubectl honours there: --server, --token, --certificate-authority, -n. */
export async function inClusterConfig(env: Env, flags: ConnectionFlags = {}, dir = SERVICE_ACCOUNT_DIR): Promise<ResolvedConfig> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  let namespace = flags.namespace || env.POD_NAMESPACE;
  if (!namespace) {
    try {
      namespace = (await readFile(`${dir}/namespace`, 'utf8')).trim();
    } catch {
      namespace = undefined;
    }
  }
  return {
    source: 'the in-cluster ServiceAccount',
    context: '',
    namespace: namespace || 'default',
    server: flags.server || `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: { file: flags.certificateAuthority || `${dir}/ca.crt` },
    insecure: false,
    disableCompression: false,
    // The kubelet rotates the token in place: a token file is read again as it ages.
    auth: flags.token ? { token: flags.token } : { tokenFile: `${dir}/token` },
  };
}

/** kubectl's way: the kubeconfig files with the flags over them; in a pod with no kubeconfig at all, the ServiceAccount. */
export async function loadConfig(flags: ConnectionFlags, env: Env, home: string): Promise<ResolvedConfig> {
  const { paths, explicit } = kubeconfigPaths(flags.kubeconfig, env, home);
  const files = await readKubeconfigs(paths, explicit);
  if (!files.length && !flags.server && inClusterPossible(env)) return inClusterConfig(env, flags);
  return resolveConfig(mergeKubeconfigs(files), flags);
}

/** A client for the flags, configured as kubectl would be. */
export async function connect(flags: ConnectionFlags, env: Env, options: Omit<ClientOptions, 'env'> & { home: string }): Promise<KubeClient> {
  const config = await loadConfig(flags, env, options.home);
  return new KubeClient(config, { ...options, env });
}
