// The webhook's logger: lines held in a buffer are written together, a quiet logger's lines still
// come out with the periodic flush, and a process that exits writes what it held; a process killed
// outright loses it (the trade-off docs/webhook.md states). Real files and real child processes.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../webhook/server/logger.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'paas-webhook-logger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const linesOf = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Polls until `ok()` holds, bounded: the destination writes on its own schedule. */
async function until(ok: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Logs `n` admission-like lines at once into a fresh file; counts the destination's writes. */
async function logLines(bufferBytes: number, n: number): Promise<{ file: string; writes: number[] }> {
  const file = join(dir, `b${bufferBytes}-${n}.log`);
  const logger = createLogger({ level: 'info', bufferBytes, dest: file });
  const stream = (logger as unknown as Record<symbol, NodeJS.EventEmitter & { end(): void }>)[pino.symbols.streamSym]!;
  await new Promise((r) => stream.once('ready', r));
  const writes: number[] = [];
  stream.on('write', (bytes: number) => writes.push(bytes));
  for (let i = 0; i < n; i++) logger.info({ uid: `u${i}`, result: 'mutated' }, 'admission');
  await until(() => linesOf(file).length === n, `${n} lines in ${file}`);
  stream.end();
  return { file, writes };
}

describe('webhook logger', () => {
  it.each([
    // Unbuffered, the first line goes out alone (the next ones may join while it is written).
    { bufferBytes: 0, n: 3, maxWrites: 3, minWrites: 2 },
    // Buffered, lines that fit wait and go out in one write, after the flush period.
    { bufferBytes: 4096, n: 3, maxWrites: 1, minWrites: 1 },
    // More than the buffer: written when it fills, the rest at the next flush.
    { bufferBytes: 512, n: 12, maxWrites: 12, minWrites: 2 },
  ])('buffer $bufferBytes bytes, $n lines: $minWrites to $maxWrites writes, every line whole', async ({ bufferBytes, n, maxWrites, minWrites }) => {
    const { file, writes } = await logLines(bufferBytes, n);
    const lines = linesOf(file);
    expect(lines.map((l) => l.uid)).toEqual(Array.from({ length: n }, (_, i) => `u${i}`));
    expect(lines.every((l) => l.service === 'paas-webhook' && l.msg === 'admission')).toBe(true);
    expect(writes.length).toBeGreaterThanOrEqual(minWrites);
    expect(writes.length).toBeLessThanOrEqual(maxWrites);
  });

  /** A child process logs 3 lines on its standard output (as in the pod) with a 4 kB buffer, then
   * exits or is killed outright; what reached the output. */
  function child(end: 'exit' | 'crash' | 'kill'): Promise<string> {
    const script = [
      `import { createLogger } from ${JSON.stringify(pathToFileURL(join(ROOT, 'webhook/server/logger.ts')).href)};`,
      "const logger = createLogger({ level: 'info', bufferBytes: 4096 });",
      "for (let i = 0; i < 3; i++) logger.info({ uid: 'u' + i }, 'admission');",
      { exit: 'process.exit(0);', crash: "setImmediate(() => { throw new Error('a crash'); });", kill: "process.kill(process.pid, 'SIGKILL');" }[end],
    ].join('\n');
    return new Promise((ok, fail) => {
      execFile(
        process.execPath,
        ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/index.mjs')).href, '--input-type=module', '-e', script],
        { timeout: 20_000 },
        (err, stdout) => {
          if (end === 'exit' && err) return fail(new Error(`the child failed: ${err.message}`));
          if (end === 'crash' && err?.code !== 1) return fail(new Error(`the child did not crash: ${err?.message ?? 'it exited 0'}`));
          if (end === 'kill' && err?.signal !== 'SIGKILL') return fail(new Error(`the child was not killed: ${err?.message ?? 'it exited 0'}`));
          ok(String(stdout));
        },
      );
    });
  }

  const uids = (out: string) =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { uid: string }).uid);

  it.each(['exit', 'crash'] as const)('a process that ends by %s writes the lines it held', async (end) => {
    expect(uids(await child(end))).toEqual(['u0', 'u1', 'u2']);
  });

  it('a process killed outright loses the lines it held (the control: they were held)', async () => {
    expect(uids(await child('kill'))).toEqual([]);
  });
});
