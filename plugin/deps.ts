// What the CLI takes from its process: streams, environment, clock, files, stdin and the cluster.
// Built once at the entry point (plugin/main.ts) and passed down, so no command reads a global
// and tests hand in their own.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { KubeEdge, KubeFlags } from './kube/rest.js';

/** Where text goes. */
export interface Writer {
  write(s: string): unknown;
}

/** Standard output, with what the terminal decisions read (colour, redrawing, widths). */
export interface Terminal extends Writer {
  isTTY?: boolean;
  columns?: number;
}

/** The environment variables, as the process has them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The files `policy` reads. */
export interface Files {
  readFile(path: string): Promise<string>;
  exists(path: string): boolean;
  /** The names in a directory, or undefined when the path is not one. */
  listDir(path: string): string[] | undefined;
}

/** Everything the CLI runs against. */
export interface CliDeps {
  out: Terminal;
  err: Writer;
  env: Env;
  /** The clock, ms since the epoch. */
  now: () => number;
  /** All of standard input (`policy -f -`). */
  readStdin: () => Promise<string>;
  files: Files;
  /** The cluster of the kubeconfig the flags name: a connection and the translation of its errors. */
  kube: (flags: KubeFlags) => Promise<KubeEdge>;
}

/** The cluster for the flags, the kubeconfig read as kubectl reads it in `env` (exec plugins may
 * prompt when standard input is a terminal). The client is imported on first use: `--help` and
 * `policy` never load it. */
export function kubeFactory(env: Env, stdinIsTTY = false): CliDeps['kube'] {
  return async (flags) => {
    const [{ connect, describeError }, { homedir }] = await Promise.all([import('./kube/rest.js'), import('node:os')]);
    const home = env.HOME ?? homedir();
    return { connect: (o) => connect(flags, { env, home, stdinIsTTY, ...(o?.deadline ? { deadline: o.deadline } : {}) }), describeError };
  };
}

/** The real files. */
export const nodeFiles: Files = {
  readFile: (path) => readFile(path, 'utf8'),
  exists: (path) => existsSync(path),
  listDir: (path) => {
    try {
      return statSync(path).isDirectory() ? readdirSync(path) : undefined;
    } catch {
      return undefined; // missing: reading it reports "no such file"
    }
  },
};

/** The real process: its streams, environment, clock, files, stdin and cluster. */
export function processDeps(proc: NodeJS.Process): CliDeps {
  return {
    out: proc.stdout,
    err: proc.stderr,
    env: proc.env,
    now: () => Date.now(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of proc.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    files: nodeFiles,
    kube: kubeFactory(proc.env, proc.stdin.isTTY),
  };
}
