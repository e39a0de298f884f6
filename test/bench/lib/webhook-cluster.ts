// Where the cluster benches run: a local control plane with one real node and the webhook installed
// as users install it (kubectl apply -k of the opt-in overlay, the locally built image, called
// through its Service). The cluster of PAAS_E2E_KUBECONFIG when set (its state.json beside it; the
// webhook is uninstalled after), else one of the bench's own (stopped after). Shared by
// admission.bench.ts, admission-retries.bench.ts and admission-logging.bench.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_K8S_VERSION, readState, startCluster, stopCluster, type ClusterState } from '../../e2e/cluster/control-plane.js';
import { buildWebhookImage, installWebhook, loadWebhookImage, nodeOf, Overlay, uninstallWebhook } from '../../e2e/cluster/webhook-install.js';

const ROOT = resolve(import.meta.dirname, '../../..');

/** What a bench gets to work with. */
export interface WebhookCluster {
  kubeconfig: string;
  /** kubectl of the cluster's release. */
  kubectl: string;
  /** The API server's process, whose CPU the benches read. */
  apiserverPid: number;
}

/** Runs `body` on a cluster with the webhook installed; cleans up whatever `body` does. */
export async function onWebhookCluster(bench: string, log: (line: string) => void, body: (c: WebhookCluster) => Promise<void>): Promise<void> {
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(ROOT, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`));
  const kubectl = join(binDir, 'kubectl');
  const runDir = mkdtempSync(join(tmpdir(), `paas-bench-${bench}-`));
  let kubeconfig = process.env.PAAS_E2E_KUBECONFIG;
  let cluster: ClusterState | undefined;
  let image = '';
  try {
    const built = await buildWebhookImage(log); // before the cluster: minutes on a cold machine
    if (!kubeconfig) {
      cluster = await startCluster({ binDir, runDir, realNodes: 1, log: (l) => process.stderr.write(`bench cluster: ${l}\n`) });
      kubeconfig = cluster.kubeconfig;
    }
    const state = readState(dirname(kubeconfig));
    const apiserverPid = state?.pids['kube-apiserver'];
    if (!state?.node || apiserverPid === undefined) throw new Error(`${kubeconfig}: no real node or API server PID recorded beside it`);
    await loadWebhookImage(nodeOf(kubeconfig), built, log);
    image = built.image;
    await installWebhook({ kubeconfig, kubectl, image, overlay: Overlay.optIn, log });
    await body({ kubeconfig, kubectl, apiserverPid });
  } finally {
    if (cluster) await stopCluster(cluster);
    else if (kubeconfig && image) await uninstallWebhook({ kubeconfig, kubectl, image, overlay: Overlay.optIn });
    rmSync(runDir, { recursive: true, force: true });
  }
}
