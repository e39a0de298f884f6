// Vitest global setup of the e2e project: brings one real control plane up for the whole run
// (in its own temp dir, so it never collides with `make cluster-up` or another run) and
// tells the test workers where it is: PAAS_E2E_KUBECONFIG, PAAS_E2E_BIN.
// It never skips: missing binaries or a cluster that does not come up fail the run loudly.
// Set PAAS_E2E_KUBECONFIG yourself to run the suite against a cluster you started
// (e.g. `make cluster-up`, then PAAS_E2E_KUBECONFIG=.cache/cluster/kubeconfig).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { DEFAULT_K8S_VERSION, killNow, missingBinaries, startCluster, stopCluster } from '../cluster/control-plane.js';
import { nodeLeftovers, NodeSpecs } from '../cluster/node.js';

const root = resolve(import.meta.dirname, '../../..');

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const version = process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION;
  const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(root, '.cache/bin', `k8s-${version}`));
  process.env.PAAS_E2E_BIN = binDir;
  if (process.env.PAAS_E2E_KUBECONFIG) {
    process.stderr.write(`e2e: using the cluster of PAAS_E2E_KUBECONFIG=${process.env.PAAS_E2E_KUBECONFIG}\n`);
    return undefined;
  }

  const missing = missingBinaries(binDir);
  if (missing.length > 0) {
    throw new Error(
      `e2e: control-plane binaries missing in ${binDir}: ${missing.join(', ')}. Build them with \`make cluster-bin\` (needs Go); the e2e suite never skips.`,
    );
  }
  const runDir = mkdtempSync(join(tmpdir(), 'paas-e2e-'));
  const started = Date.now();
  // Throws ClusterStartError naming the failing component with the tail of its log.
  const cluster = await startCluster({
    binDir,
    runDir,
    log: (line) => process.stderr.write(`e2e cluster: ${line}\n`),
  });
  process.stderr.write(
    `e2e cluster: Kubernetes ${cluster.version} up in ${((Date.now() - started) / 1000).toFixed(1)}s at ${cluster.server}; logs in ${cluster.logs}\n`,
  );
  process.env.PAAS_E2E_KUBECONFIG = cluster.kubeconfig;

  // If vitest dies without running the teardown, take the processes with it.
  const onExit = () => killNow(cluster);
  const onSignal = (signal: NodeJS.Signals) => {
    killNow(cluster);
    process.kill(process.pid, signal);
  };
  process.once('exit', onExit);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);

  return async () => {
    await stopCluster(cluster);
    // The real nodes must leave nothing behind: the next run (and CI's) starts from a clean machine.
    const left = [...nodeLeftovers(cluster.node, NodeSpecs[0]), ...nodeLeftovers(cluster.node2, NodeSpecs[1])];
    if (left.length > 0) throw new Error(`e2e cluster: the real nodes left behind: ${left.join('; ')}`);
    process.off('exit', onExit);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    if (failedTests(project) === 0) {
      rmSync(runDir, { recursive: true, force: true });
    } else {
      process.stderr.write(`e2e cluster: tests failed; the control-plane logs are kept in ${cluster.logs}\n`);
    }
  };
}

/** Failed tests so far (unknown counts as failed, so logs are kept). */
function failedTests(project: TestProject): number {
  const state = (project.vitest as { state?: { getCountOfFailedTests?: () => number } }).state;
  return state?.getCountOfFailedTests?.() ?? 1;
}
