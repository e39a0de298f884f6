// The plugin's edge to the cluster: kubeconfig loading with kubectl's flags, and turning API
// errors into one clear line. Decisions live elsewhere, in pure functions over plain objects.
import type { KubeConfig } from '@kubernetes/client-node';
import { CliError, EXIT } from '../lib/errors.js';

export interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

export interface Kube {
  kc: KubeConfig;
  namespace: string;
  server: string;
}

/** Loads the kubeconfig as kubectl does: --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
export async function loadKube(flags: KubeFlags): Promise<Kube> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError(`cannot load kubeconfig ${flags.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${(err as Error).message}`, EXIT.usage);
  }
  if (flags.context) {
    if (!kc.getContextObject(flags.context)) throw new CliError(`context "${flags.context}" does not exist in the kubeconfig`, EXIT.usage);
    kc.setCurrentContext(flags.context);
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new CliError('no cluster in the kubeconfig: set a current context or pass --context', EXIT.usage);
  return { kc, namespace: flags.namespace || ctx?.namespace || 'default', server: cluster.server };
}

/** One line for an API error: unreachable (names the server), not found, forbidden (verb, resource). */
export function describeKubeError(err: unknown, kube: Kube, what: string): CliError {
  const e = err as { code?: number | string; body?: unknown; message?: string; cause?: { code?: string } };
  const status = typeof e?.code === 'number' ? e.code : undefined;
  let body: { message?: string; details?: { kind?: string; name?: string } } | undefined;
  if (typeof e?.body === 'string') {
    try {
      body = JSON.parse(e.body);
    } catch {
      body = undefined;
    }
  } else if (e?.body && typeof e.body === 'object') body = e.body as typeof body;
  if (status === 404) return new CliError(`${what} not found in namespace "${kube.namespace}"`, EXIT.usage);
  if (status === 403) return new CliError(`forbidden: ${body?.message ?? what}`, EXIT.usage);
  if (status === 401) return new CliError(`unauthorized: the credentials in the kubeconfig were refused by ${kube.server}`, EXIT.usage);
  if (status) return new CliError(`${what}: the API server answered ${status}: ${body?.message ?? e.message ?? ''}`.trim(), EXIT.usage);
  const sys = e?.cause?.code ?? (typeof e?.code === 'string' ? e.code : undefined);
  return new CliError(`cannot reach the cluster at ${kube.server}${sys ? ` (${sys})` : ''}: ${e?.message ?? String(err)}`, EXIT.usage);
}
