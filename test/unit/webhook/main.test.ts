// The paas-webhook executable's start-up errors: each names the flag or file and exits non-zero
// before listening. Runs webhook/main.ts through tsx, as a user runs the bin.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../../webhook/server/cert-mint.js';
import { DEFAULT_LIFETIMES, planCertificates, SecretKeys } from '../../../webhook/server/self-signed.js';
import { serveArgs } from './serve-args.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'paas-webhook-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'bad.toml'), '[deploy]\nsurge = "lots"\n');
writeFileSync(join(dir, 'cert.pem'), 'not a certificate');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/index.mjs')).href, join(ROOT, 'webhook/main.ts'), ...args],
      { cwd: dir, env: { ...process.env, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '', ...env }, timeout: 25_000 },
      (err, stdout, stderr) => {
        // A process that failed to start must exit by itself: killed by the timeout is code 124.
        const killed = (err as { killed?: boolean } | null)?.killed === true;
        res({ code: killed ? 124 : err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

// Port 0 everywhere a start could get as far as listening: a fixed default (8443, 9090) may be
// taken on the machine, which would turn the error under test into another one.
const FREE_PORTS = ['--port', '0', '--metrics-port', '0'];

describe.concurrent('paas-webhook serve start-up errors', () => {
  it.each([
    {
      name: 'no certificate source',
      args: ['serve', '--port', '0', '--metrics-port', '0'],
      code: 1,
      text: 'give --tls-cert and --tls-key (PEM files), or --self-signed',
    },
    // A bad flag value is the command line's fault: a usage error, 5, in both binaries.
    { name: 'a port that is not a number', args: ['serve', '--port', 'abc'], code: 5, text: '--port: must be a port number 0-65535, got' },
    {
      name: 'a port from the environment out of range',
      args: ['serve'],
      env: { PAAS_WEBHOOK_PORT: '70000' },
      code: 5,
      text: "--port: must be a port number 0-65535, got 70000 (see 'paas-webhook serve --help')",
    },
    {
      name: 'a --config file that does not exist',
      args: ['serve', '--config', 'nope.toml', ...FREE_PORTS],
      code: 1,
      text: '--config nope.toml: file not found',
    },
    { name: 'an invalid paas.toml', args: ['serve', '--config', 'bad.toml', ...FREE_PORTS], code: 1, text: 'bad.toml: deploy.surge' },
    {
      name: 'an unreadable certificate',
      args: ['serve', '--tls-cert', 'cert.pem', '--tls-key', 'missing.pem', ...FREE_PORTS],
      code: 1,
      text: 'cannot read missing.pem: ENOENT',
    },
    {
      name: 'a certificate that is not PEM',
      args: ['serve', '--tls-cert', 'cert.pem', '--tls-key', 'cert.pem', ...FREE_PORTS],
      code: 1,
      text: 'certificate is not a PEM X.509 certificate',
    },
    {
      name: '--self-signed without any cluster access',
      args: ['serve', '--self-signed', ...FREE_PORTS],
      code: 1,
      text: '--self-signed needs the Kubernetes API',
    },
    {
      name: 'an unknown flag (a usage error: 5, the one table of both binaries)',
      args: ['serve', '--prot', '8443'],
      code: 5,
      text: "Unknown argument: prot (see 'paas-webhook --help')",
    },
    { name: 'self-check without any cluster access', args: ['self-check'], code: 1, text: 'self-check needs the Kubernetes API' },
    {
      name: '--arm without any cluster access',
      args: ['serve', '--arm', '--tls-cert', 'cert.pem', '--tls-key', 'cert.pem', ...FREE_PORTS],
      code: 1,
      text: '--arm needs the Kubernetes API',
    },
    { name: 'a mode that does not exist', args: ['serve', '--mode', 'audit'], code: 5, text: 'Argument: mode, Given: "audit", Choices: "enforce", "warn"' },
  ])('$name', async ({ args, env, code, text }) => {
    const r = await run(args, env);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(text);
    expect(r.stderr).toMatch(/^paas-webhook: error: /);
  });

  it('--help documents the flags, their environment variables and self-signed names', async () => {
    const r = await run(['serve', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--port',
      '--tls-cert',
      '--tls-key',
      '--config',
      '--metrics-port',
      '--log-level',
      '--self-signed',
      '--tls-san',
      '--drain-seconds',
      '--secret-name',
      '--secret-namespace',
      '--webhook-config-name',
      '--service-name',
      '--arm',
      '--disruption-budgets',
      '--mode',
      '--namespaces',
      '--failure-policy',
      'PAAS_WEBHOOK_',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).not.toContain('bench-baseline-route');
  });
});

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  srv.close();
  return port;
}

describe('paas-webhook serve without a readable API server version', () => {
  it('logs why, falls back to exec sleep, serves, and drains on SIGTERM', async () => {
    const now = Date.now();
    const pems = await applyPlan(
      planCertificates({ cas: [], caKeyPresent: false }, now, ['127.0.0.1']),
      { data: {}, cas: [] },
      ['127.0.0.1'],
      now,
      DEFAULT_LIFETIMES,
    );
    writeFileSync(join(dir, 'tls.crt'), pems[SecretKeys.Cert] ?? '');
    writeFileSync(join(dir, 'tls.key'), pems[SecretKeys.Key] ?? '');
    const closed = await freePort(); // nothing listens there: /version fails
    writeFileSync(
      join(dir, 'kubeconfig'),
      `apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "https://127.0.0.1:${closed}"}}]\nusers: [{name: u, user: {token: t}}]\n`,
    );
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/index.mjs')).href,
        join(ROOT, 'webhook/main.ts'),
        ...serveArgs({ port, metricsPort, cert: 'tls.crt', key: 'tls.key', kubeconfig: 'kubeconfig' }),
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; !out.includes('paas-webhook serving'); i++) {
        if (i > 300 || child.exitCode !== null) throw new Error(`did not start: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
      expect(ready.status).toBe(200);
      const lines = out
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { msg: string; nativeSleep?: boolean });
      expect(lines.some((l) => l.msg === 'cannot read the API server version')).toBe(true);
      expect(lines.find((l) => l.msg.startsWith('API server version unknown'))?.nativeSleep).toBe(false);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(out).toContain('paas-webhook stopped');
  });
});
