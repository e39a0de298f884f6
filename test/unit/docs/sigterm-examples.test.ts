// docs/sigterm.md shows three servers that stop as a kept-alive client needs them to
// (docs/examples/sigterm/): the page must show each file as it is, and the Node and Go ones are
// run here on loopback, with Node's own HTTP client as the judge: kept alive before SIGTERM; after
// it, every response says `Connection: close` and the server closes that connection; the
// process exits 0 once its drain is over. (The Python one needs uvicorn, which this machine's
// Python does not have: test/e2e/sigterm-examples.test.ts runs it, and all three against the
// naive client, on the real node.)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../e2e/cluster/control-plane.js';

const REPO = resolve(import.meta.dirname, '../../..');
const EXAMPLES = join(REPO, 'docs/examples/sigterm');
const FILES = ['server.mjs', 'main.go', 'app.py'];
const DRAIN_SECONDS = 3;

/** The fenced block that follows `<!-- example: docs/examples/sigterm/NAME -->` on the page. */
function shownOnPage(name: string): string | undefined {
  const page = readFileSync(join(REPO, 'docs/sigterm.md'), 'utf8');
  const at = page.indexOf(`<!-- example: docs/examples/sigterm/${name} -->`);
  if (at < 0) return undefined;
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(page.slice(at));
  return m?.[1];
}

describe('docs/sigterm.md', () => {
  it.each(FILES)('shows docs/examples/sigterm/%s as it is', (name) => {
    expect(shownOnPage(name)).toBe(readFileSync(join(EXAMPLES, name), 'utf8'));
  });
});

type Answer = { status: number; connection: string | undefined; reused: boolean; socketClosed: Promise<void> };

/** One GET through a keep-alive agent of one socket; bounded. */
function get(agent: Agent, port: number): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent, timeout: 5000 }, (res) => {
      const socketClosed = new Promise<void>((closed) => res.socket.once('close', () => closed()));
      res.resume();
      res.once('end', () => ok({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket, socketClosed }));
    });
    req.once('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.once('error', fail);
    req.end();
  });
}

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((ok) => (child.exitCode !== null ? ok(child.exitCode) : child.once('exit', (code) => ok(code))));

/** The contract of docs/sigterm.md, checked on a running example listening on port. */
async function checkDrain(child: ChildProcess, port: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await until('the example to listen', () => get(agent, port));
    const second = await get(agent, port);
    // Before SIGTERM: the connection is kept alive and reused (the control of the check below).
    expect(first.connection).not.toBe('close');
    expect(second.reused).toBe(true);
    expect(second.connection).not.toBe('close');

    child.kill('SIGTERM');
    // The signal is handled asynchronously: the first answer that says close is the drain's.
    const announced = await until('an answer saying Connection: close', async () => {
      const a = await get(agent, port);
      return a.connection === 'close' ? a : undefined;
    });
    expect(announced.status).toBe(200);
    await announced.socketClosed; // the server closed the connection after that answer
    const next = await get(agent, port);
    expect(next.reused, 'a new connection after the announcement').toBe(false);
    expect(next.connection).toBe('close');
    expect(await exited(child)).toBe(0);
  } finally {
    agent.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'paas-sigterm-examples-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the examples, run on loopback', () => {
  it('Node: keeps serving through its drain, announcing Connection: close, then exits 0', async () => {
    const [port] = (await freePorts(1)) as [number];
    const child = spawn(process.execPath, [join(EXAMPLES, 'server.mjs')], {
      env: { ...process.env, PORT: String(port), DRAIN_SECONDS: String(DRAIN_SECONDS) },
      stdio: 'ignore',
    });
    await checkDrain(child, port);
  }, 60_000);

  it('Go: keeps serving through its drain, announcing Connection: close, then exits 0', async () => {
    const bin = join(tmp, 'sigterm-example');
    await new Promise<void>((ok, fail) =>
      execFile(
        'go',
        ['build', '-o', bin, 'main.go'],
        { cwd: EXAMPLES, timeout: 180_000, env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0' } },
        (err, _out, stderr) => (err ? fail(new Error(`go build: ${err.message} ${String(stderr)}`)) : ok()),
      ),
    );
    const [port] = (await freePorts(1)) as [number];
    const child = spawn(bin, [], { env: { ...process.env, PORT: String(port), DRAIN_SECONDS: String(DRAIN_SECONDS) }, stdio: 'ignore' });
    await checkDrain(child, port);
  }, 240_000);
});
