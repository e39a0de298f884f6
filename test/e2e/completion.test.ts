// Tab completion of `kubectl paas …` through the real kubectl: kubectl's `__complete` (what its
// bash/zsh/fish scripts call) finds kubectl-paas on PATH, runs kubectl_complete-paas with the
// words after `paas` and passes its candidates and directive on.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, kubectl, newNamespace } from './lib/cluster.js';

const root = resolve(import.meta.dirname, '../..');
const pluginDir = mkdtempSync(join(tmpdir(), 'paas-completion-'));
let ns: string;

/** `kubectl __complete paas <words…>`: the candidates (names only) and the directive. */
async function completion(words: string[], env: Record<string, string> = {}) {
  const r = await kubectl(['__complete', 'paas', ...words], {
    env: { PATH: `${pluginDir}${delimiter}${process.env.PATH}`, ...env },
    timeoutMs: 20_000,
  });
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const last = lines.at(-1) ?? '';
  return {
    code: r.code,
    stderr: r.stderr,
    directive: /^:\d+$/.test(last) ? Number(last.slice(1)) : undefined,
    names: lines.slice(0, -1).map((l) => l.split('\t')[0] ?? ''),
  };
}

function deployment(name: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'registry.example/shop/web:1.0' }] } },
    },
  };
}

/** A kubeconfig whose server is 127.0.0.1:<port>. */
function kubeconfigFor(port: number): string {
  const file = join(pluginDir, `kubeconfig-${port}`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'dead', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'dead', user: { token: 'x' } }],
      contexts: [{ name: 'dead', context: { cluster: 'dead', user: 'dead', namespace: 'default' } }],
      'current-context': 'dead',
    }),
  );
  return file;
}

beforeAll(async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const bin of ['kubectl-paas', 'kubectl_complete-paas']) symlinkSync(join(root, pkg.bin[bin]!), join(pluginDir, bin));
  ns = await newNamespace('completion');
  await apply(deployment('web'), ns);
  await apply(deployment('worker'), ns);
}, 60_000);

afterAll(() => rmSync(pluginDir, { recursive: true, force: true }));

describe('kubectl __complete paas', () => {
  it('lists the commands on an empty word', async () => {
    const r = await completion(['']);
    expect(r.code).toBe(0);
    expect(r.names).toEqual(['policy', 'rollout', 'diagnose', 'logs', 'audit', 'version']);
    expect(r.directive).toBe(4);
  });

  it('lists rollout history beside status, and the Deployments for history and logs', async () => {
    expect((await completion(['rollout', ''])).names).toEqual(['status', 'history']);
    expect((await completion(['rollout', 'history', '-n', ns, ''])).names).toEqual(['web', 'worker']);
    expect((await completion(['logs', '-n', ns, 'we'])).names).toEqual(['web']);
  });

  it('lists the Deployments of the namespace given with -n for rollout status', async () => {
    const r = await completion(['rollout', 'status', '-n', ns, '']);
    expect(r.names).toEqual(['web', 'worker']);
    expect(r.directive).toBe(4);
  });

  it('narrows the Deployments of diagnose to the prefix typed', async () => {
    const r = await completion(['diagnose', `--namespace=${ns}`, 'wo']);
    expect(r.names).toEqual(['worker']);
  });

  it('lists the output formats for diagnose -o', async () => {
    const r = await completion(['diagnose', '-o', '']);
    expect(r.names).toEqual(['text', 'json', 'yaml']);
    expect(r.directive).toBe(4);
  });

  it('lists the namespaces of the cluster for -n', async () => {
    const r = await completion(['diagnose', '-n', 'completion-']);
    expect(r.names).toContain(ns);
    expect(r.names.every((n) => n.startsWith('completion-'))).toBe(true);
  });

  it("lists the kubeconfig's contexts for --context", async () => {
    const file = kubeconfigFor(1);
    const r = await completion(['rollout', 'status', '--kubeconfig', file, '--context', '']);
    expect(r.names).toEqual(['dead']);
  });

  it('asks the shell for manifest files after policy apply -f', async () => {
    const r = await completion(['policy', 'apply', '-f', '']);
    expect(r.names).toEqual(['yaml', 'yml', 'json']);
    expect(r.directive).toBe(8);
  });
});

describe('kubectl __complete paas against a cluster it cannot reach', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    // Accepts connections and never answers: the lookup must give up by itself.
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('gives no candidates, no stack trace and exit 0 when the server refuses connections', async () => {
    // Port 1 on loopback: nothing listens there.
    const r = await completion(['diagnose', ''], { KUBECONFIG: kubeconfigFor(1) });
    expect(r.code).toBe(0);
    expect(r.names).toEqual([]);
    expect(r.directive).toBe(4);
    expect(r.stderr).not.toMatch(/Error|at /);
  });

  it("gives up on a server that never answers, within kubectl's patience", async () => {
    const port = (silent.address() as { port: number }).port;
    const r = await completion(['rollout', 'status', '-n', ''], { KUBECONFIG: kubeconfigFor(port) });
    expect(r.code).toBe(0); // 124 would mean the 20 s guard killed it
    expect(r.names).toEqual([]);
    expect(r.directive).toBe(4);
  });
});
