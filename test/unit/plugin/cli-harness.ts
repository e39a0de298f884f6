// The CLI's dependencies for in-process runs of main(): output captured in strings, an
// environment of the test's choosing, the real files and kubeconfig handling (no globals touched).
import { kubeFactory, nodeFiles, type CliDeps, type Env } from '../../../plugin/deps.js';

export interface Run {
  deps: CliDeps;
  /** What was written to stdout and stderr so far. */
  out: () => string;
  err: () => string;
}

/** Fresh dependencies: NO_COLOR-free empty environment unless `env` says otherwise, the clock at `now`. */
export function cliRun(over: { env?: Env; now?: number; stdin?: string; isTTY?: boolean } = {}): Run {
  let out = '';
  let err = '';
  const env = over.env ?? {};
  return {
    deps: {
      out: { write: (s: string) => (out += s), isTTY: over.isTTY ?? false, columns: 100 },
      err: { write: (s: string) => (err += s) },
      env,
      now: () => over.now ?? Date.parse('2026-11-23T06:10:00Z'),
      readStdin: () => Promise.resolve(over.stdin ?? ''),
      files: nodeFiles,
      kube: kubeFactory(env),
    },
    out: () => out,
    err: () => err,
  };
}
