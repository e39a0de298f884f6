// One rollout of the test app's Deployment (a new VERSION env value) under bounded loads of the
// given clients, through the cluster's kubectl: what the e2e files comparing clients and SIGTERM
// handlers each run, row after row.
import { kubeClient, kubectlOk } from './cluster.js';
import { E2E_REQUEST_TIMEOUT_S, rolloutUnderLoad, type LoadClient, type RolloutUnderLoadResult } from './real-node.js';

type Obj = Record<string, any>;

export interface EnvRollout {
  namespace: string;
  /** The Deployment, its pods labelled app=<name>. */
  name: string;
  /** Its Service, as the loads reach it from inside the node's namespace. */
  url: string;
  /** Requests per second, per client. */
  rate: number;
  clients: readonly LoadClient[];
}

export function rollEnvUnderLoad(r: EnvRollout): Promise<RolloutUnderLoadResult> {
  return rolloutUnderLoad({
    kc: kubeClient(),
    listApp: async () =>
      (JSON.parse(await kubectlOk(['get', 'deployments,replicasets,pods', '-n', r.namespace, '-l', `app=${r.name}`, '-o', 'json'])) as { items: Obj[] }).items,
    namespace: r.namespace,
    name: r.name,
    url: r.url,
    trigger: () => kubectlOk(['set', 'env', `deployment/${r.name}`, 'VERSION=v2', '-n', r.namespace]).then(() => {}),
    rate: r.rate,
    loads: r.clients,
    timeoutMs: 150_000,
    requestTimeoutS: E2E_REQUEST_TIMEOUT_S,
  });
}
