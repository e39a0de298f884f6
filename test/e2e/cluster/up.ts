// `make cluster-up`: starts a control plane in the background (default run dir .cache/cluster)
// and prints how to reach it. Usage: tsx test/e2e/cluster/up.ts [runDir]
import { join, relative, resolve } from 'node:path';
import { ClusterStartError, DEFAULT_K8S_VERSION, isOurProcess, readState, startCluster } from './control-plane.js';

const root = resolve(import.meta.dirname, '../../..');
const runDir = resolve(process.argv[2] ?? join(root, '.cache/cluster'));
const version = process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION;
const binDir = resolve(process.env.PAAS_E2E_BIN ?? join(root, '.cache/bin', `k8s-${version}`));
// Paths inside the working directory are shown relative to it, others absolute.
const rel = (p: string) => {
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
};

const running = readState(runDir);
if (running && Object.entries(running.pids).some(([name, pid]) => isOurProcess(pid, join(running.binDir, name)))) {
  process.stdout.write(`cluster-up: already running (${running.server}); kubeconfig ${rel(running.kubeconfig)}\n`);
  process.exit(0);
}

try {
  const started = Date.now();
  const state = await startCluster({
    binDir,
    runDir,
    detached: true,
    log: (line) => process.stderr.write(`cluster-up: ${line}\n`),
  });
  process.stdout.write(
    [
      `cluster-up: Kubernetes ${state.version} is up in ${((Date.now() - started) / 1000).toFixed(1)}s (${state.server})`,
      `  export KUBECONFIG=${rel(state.kubeconfig)}`,
      `  ${rel(join(binDir, 'kubectl'))} get nodes`,
      `  logs: ${rel(state.logs)}/   stop it: make cluster-down`,
      '',
    ].join('\n'),
  );
} catch (err) {
  process.stderr.write(`cluster-up: ${err instanceof ClusterStartError ? err.message : String(err)}\n`);
  process.exit(1);
}
