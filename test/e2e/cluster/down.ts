// `make cluster-down`: stops every process of the control plane started by `make cluster-up`,
// each by its recorded PID, and checks its ports are free again. Usage: tsx down.ts [runDir]
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { readState, stopCluster } from './control-plane.js';
import { cleanupLeftovers, nodeLeftovers, NodeSpecs } from './node.js';

const root = resolve(import.meta.dirname, '../../..');
const runDir = resolve(process.argv[2] ?? join(root, '.cache/cluster'));

const state = readState(runDir);
if (!state) {
  // Real nodes left by a run that died are still cleaned up (their markers are in /run/paas-node*).
  for (const spec of [...NodeSpecs].reverse()) await cleanupLeftovers((l) => process.stdout.write(`cluster-down: ${l}\n`), { stopRunning: true }, spec);
  process.stdout.write(`cluster-down: no cluster state in ${runDir}; nothing else to stop\n`);
  process.exit(0);
}
await stopCluster(state);
for (const spec of [...NodeSpecs].reverse()) await cleanupLeftovers((l) => process.stdout.write(`cluster-down: ${l}\n`), { stopRunning: true }, spec);
const left = [...nodeLeftovers(state.node, NodeSpecs[0]), ...nodeLeftovers(state.node2, NodeSpecs[1])];
if (left.length > 0) {
  process.stderr.write(`cluster-down: left behind: ${left.join('; ')}\n`);
  process.exit(1);
}
const busy: number[] = [];
for (const port of Object.values(state.ports)) {
  const free = await new Promise<boolean>((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
  if (!free) busy.push(port);
}
if (busy.length > 0) {
  process.stderr.write(`cluster-down: ports still in use: ${busy.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`cluster-down: stopped ${Object.keys(state.pids).join(', ')}; logs remain in ${state.logs}\n`);
