// `make cluster-install`: builds the webhook image if needed, loads it into the real node of the
// cluster `make cluster-up` started, and installs paas-webhook with kubectl apply -k (see
// webhook-install.ts). Usage: tsx test/e2e/cluster/install.ts [runDir] [--overlay=fail-open]
import { join, relative, resolve } from 'node:path';
import { readState } from './control-plane.js';
import { installWebhook, Overlay } from './webhook-install.js';

const root = resolve(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const overlayArg = args.find((a) => a.startsWith('--overlay='))?.slice('--overlay='.length) ?? Overlay.default;
const runDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, '.cache/cluster'));
const overlays = Object.values(Overlay) as string[];
if (!overlays.includes(overlayArg)) {
  process.stderr.write(`cluster-install: --overlay=${overlayArg}: not one of ${overlays.join(', ')}\n`);
  process.exit(2);
}
const state = readState(runDir);
if (!state?.node) {
  process.stderr.write(`cluster-install: no cluster with a real node in ${relative(process.cwd(), runDir) || '.'}; start one with make cluster-up\n`);
  process.exit(1);
}
try {
  const started = Date.now();
  const r = await installWebhook({
    kubeconfig: state.kubeconfig,
    kubectl: join(state.binDir, 'kubectl'),
    overlay: overlayArg as Overlay,
    log: (line) => process.stderr.write(`cluster-install: ${line}\n`),
  });
  process.stdout.write(
    `cluster-install: paas-webhook (${r.image}, overlay ${overlayArg}) serves in ${((Date.now() - started) / 1000).toFixed(1)}s\n` +
      `  kubectl --kubeconfig ${relative(process.cwd(), state.kubeconfig)} -n paas-system get pods -o wide\n`,
  );
} catch (err) {
  process.stderr.write(`cluster-install: ${(err as Error).message}\n`);
  process.exit(1);
}
