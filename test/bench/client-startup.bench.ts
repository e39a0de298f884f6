// Start-up cost of the Kubernetes access layer, without a cluster: a loopback HTTPS server that
// answers every list with no items and anything else with 404, and processes that each read a
// kubeconfig, connect over TLS, make one call and exit. Compared, in alternating rounds:
//   - the plugin as built (`node dist/bin/kubectl-paas.js rollout status web --watch=false`: exit 5,
//     not found), and the same from another build when BASE_DIST names its dist/ (the regression
//     check: `BASE_DIST=/path/to/other/dist tsx test/bench/client-startup.bench.ts`);
//   - the two ways to write the layer: kube-client/ (this repository's, compiled to dist/) and
//     @kubernetes/client-node (KubeConfig + AppsV1Api), each reading the Deployment once.
// Prints medians and the fastest tenth of each; figures go to docs/design.md (our own Kubernetes layer).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { makePki } from '../unit/kube-client/pki.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ROUNDS = Number(process.env.ROUNDS ?? 31);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null }> {
  const t0 = performance.now();
  const p = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'ignore'] });
  return new Promise((ok) => p.on('exit', (code) => ok({ ms: performance.now() - t0, code })));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const tenth = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paas-startup-'));
  const pki = makePki(dir);
  const srv = createServer({ cert: pki.server.cert, key: pki.server.key }, (req, res) => {
    const list = /\/(deployments|replicasets|pods)(\?|$)/.test(req.url ?? '');
    res.writeHead(list ? 200 : 404, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        list
          ? { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }
          : { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' },
      ),
    );
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const server = `https://127.0.0.1:${(srv.address() as { port: number }).port}`;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    certificate-authority: ${pki.caFile}\nusers:\n- name: u\n  user:\n    token: abc\ncontexts:\n- name: c\n  context: {cluster: c, user: u, namespace: default}\n`,
  );
  const viaKubeClient = join(dir, 'kube-client.mjs');
  writeFileSync(
    viaKubeClient,
    `const { connect } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/kube-client/load.js')).href)});
const c = await connect({}, process.env, { home: process.env.HOME, userAgent: 'bench' });
try { await c.get('/apis/apps/v1/namespaces/default/deployments/web'); } catch (e) { console.error(e.code ?? e.message); }
c.close();\n`,
  );
  const viaClientNode = join(dir, 'client-node.mjs');
  writeFileSync(
    viaClientNode,
    `const k8s = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'node_modules/@kubernetes/client-node/dist/index.js')).href)});
const kc = new k8s.KubeConfig(); kc.loadFromDefault();
try { await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: 'default' }); } catch (e) { console.error(e.code ?? e.message); }\n`,
  );
  const env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig };
  const cases: [string, string[]][] = [
    ['plugin (this build)', [join(ROOT, 'dist/bin/kubectl-paas.js'), 'rollout', 'status', 'web', '--watch=false']],
    ...(process.env.BASE_DIST
      ? [['plugin (BASE_DIST)', [join(process.env.BASE_DIST, 'bin/kubectl-paas.js'), 'rollout', 'status', 'web', '--watch=false']] as [string, string[]]]
      : []),
    ['kube-client: connect + GET', [viaKubeClient]],
    ['client-node: KubeConfig + AppsV1Api GET', [viaClientNode]],
    ['node -e 0 (Node alone)', ['-e', '0']],
  ];
  // Once each, to show what each got (the same 404 for all).
  for (const [name, args] of cases) {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = (await once(p, 'exit')) as [number];
    process.stdout.write(`${name}: exit ${code} ${err.split('\n')[0]}\n`);
  }
  const times = new Map<string, number[]>(cases.map(([n]) => [n, []]));
  for (let i = 0; i < ROUNDS + 2; i++) {
    for (const [name, args] of cases) {
      const r = await run(process.execPath, args, env);
      if (i >= 2) times.get(name)!.push(r.ms);
    }
  }
  process.stdout.write(
    `${ROUNDS} alternating rounds after 2 warm-up rounds, Node ${process.version}, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}\n`,
  );
  for (const [name, xs] of times)
    process.stdout.write(`  ${name.padEnd(42)} median ${median(xs).toFixed(0).padStart(4)} ms   fastest tenth ${tenth(xs).toFixed(0).padStart(4)} ms\n`);
  srv.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
