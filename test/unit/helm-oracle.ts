// The real Helm (v4, built by `make tools` into .cache/bin) as an offline oracle for what the chart
// renders: `helm template` and `helm lint` need no cluster. Helm keeps its cache, config and data
// in a temporary directory and is given no kubeconfig.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The Helm the e2e suite installs the chart with (test/e2e/cluster/build-tools.sh's HELM_VERSION). */
export const HELM_VERSION = 'v4.3.1';
const path = process.env.PAAS_HELM ?? resolve(import.meta.dirname, '../..', '.cache/bin', `helm-${HELM_VERSION}`, 'helm');

/** The Helm binary, or undefined when it is not built. */
export const HELM: string | undefined = existsSync(path) ? path : undefined;

/** Whether a missing Helm must fail the suites that use it (`make test` sets it). */
const REQUIRED = process.env.PAAS_REQUIRE_HELM === '1';

/** Whether the Helm suites skip: no Helm, and not required. They skip as vitest counts a skip
 * (`describe.skipIf`); with PAAS_REQUIRE_HELM=1 they run, and each fails on the missing binary. */
export const SKIP_HELM = !HELM && !REQUIRED;

/** Says once per suite why its tests are counted skipped. */
export function warnIfNoHelm(suite: string): void {
  if (SKIP_HELM) console.warn(`${suite} skipped: no helm at ${path} (make tools; PAAS_HELM names another; PAAS_REQUIRE_HELM=1 makes that a failure)`);
}

/** What Helm said: its exit code and output. */
export type HelmResult = { code: number; stdout: string; stderr: string };

/** Runs Helm with `args`; resolves whatever it exits with. */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const bin = HELM;
  if (!bin) throw new Error(`helm missing at ${path}${REQUIRED ? ' and PAAS_REQUIRE_HELM=1' : ''} (run make tools)`);
  const home = mkdtempSync(join(tmpdir(), 'paas-helm-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    KUBECONFIG: '/dev/null',
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  try {
    return await new Promise((done) => {
      execFile(bin, args, { env, maxBuffer: 64 << 20, timeout: 60_000 }, (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
      );
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
