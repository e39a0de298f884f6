// The test app (test/images/testapp: the app the real-node suites roll out, and the load that
// measures them) is Go, with Go tests: its SIGTERM modes and its four kinds of client against a
// server that closes idle connections and one that answers `Connection: close`. The unit suite
// runs them, bounded, with the toolchain and settings `make cluster-bin` builds the images with
// (Go is needed by `make test` anyway: the control plane and the node are built with it).
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const IMAGES = resolve(import.meta.dirname, '../../images');

type Run = { code: number | string; out: string };

function go(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((ok) => {
    execFile(
      'go',
      args,
      {
        cwd: IMAGES,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 << 20,
        env: { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : ((err as NodeJS.ErrnoException).code ?? 1);
        ok({ code, out: `${String(stdout)}${String(stderr)}` });
      },
    );
  });
}

// Tests whose names must come back PASS: a test file left out of the build would otherwise pass
// silently.
const EXPECTED = [
  'TestAnnounceAnswersConnectionCloseFromSIGTERMUntilShutdown',
  'TestGracefulShutdownClosesIdleConnectionsWithoutAWord',
  'TestNaiveClientFailsOnAConnectionTheServerClosedWhileIdle',
  'TestCheckingClientDropsAConnectionTheServerClosedWhileIdle',
  'TestGoTransportRetriesOnAConnectionTheServerClosedWhileIdle',
  'TestNaiveAndCheckingClientsHonourConnectionClose',
  'TestPoolCarriesRequestsOnEachConnectionInTurn',
  'TestRunLoadSendsAtItsRateUntilStoppedAndSumsUp',
];

describe('the test app (Go)', () => {
  it('passes go vet and its go tests', async () => {
    const vet = await go(['vet', './testapp'], 240_000);
    if (vet.code === 'ENOENT') throw new Error('go is not on PATH: make test builds the cluster with it (docs/development.md)');
    expect(vet.code, vet.out).toBe(0);
    // Go caches a passing run; -v replays the cached output, so the names are there either way.
    const test = await go(['test', '-v', '-timeout', '120s', './testapp'], 240_000);
    expect(test.code, test.out).toBe(0);
    const passed = new Set([...test.out.matchAll(/^\s*--- PASS: (\w+)/gm)].map((m) => m[1]));
    expect(
      EXPECTED.filter((t) => !passed.has(t)),
      test.out,
    ).toEqual([]);
    expect(test.out).not.toMatch(/^\s*--- FAIL/m);
  }, 300_000);
});
