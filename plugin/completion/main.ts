#!/usr/bin/env node
// kubectl_complete-paas: shell completion for `kubectl paas`. kubectl (>= 1.26) runs it with the
// words after `paas`, the word being completed last (an empty one for a fresh word), passes our
// stderr to the user's terminal and reads candidates and `:<directive>` from stdout. So this edge
// never writes to stderr and never waits long: a cluster lookup gets LOOKUP_TIMEOUT_MS, and any
// failure is no candidates with "no file completion", as kubectl's own resource completion does.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { apiPath, Resource } from '../../kube-client/paths.js';
import type { KubeEnv, KubeFlags } from '../kube/rest.js';
import { complete, completionNeeds, formatCompletion, type CompletionFacts, type CompletionNeed } from './complete.js';

const LOOKUP_TIMEOUT_MS = 2000;

/** The names of one list (contexts, clusters, users) across every kubeconfig file kubectl would merge. */
async function kubeconfigNames(list: 'contexts' | 'clusters' | 'users', flags: KubeFlags, env: KubeEnv): Promise<string[]> {
  const [{ kubeconfigPaths }, { parseKubeYaml }] = await Promise.all([import('../../kube-client/kubeconfig.js'), import('../../core/yaml/kube-yaml.js')]);
  const names: string[] = [];
  for (const path of kubeconfigPaths(flags.kubeconfig, env, env.HOME ?? homedir()).paths) {
    let doc: unknown;
    try {
      doc = parseKubeYaml(await readFile(path, 'utf8'));
    } catch {
      continue;
    }
    const items = (doc as Record<string, unknown> | null)?.[list];
    if (!Array.isArray(items)) continue;
    for (const c of items) {
      const name = (c as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Names of the items of a list the API server returns. */
function itemNames(list: { items?: { metadata?: { name?: string } }[] }): string[] {
  return (list.items ?? []).map((i) => i.metadata?.name).filter((n): n is string => typeof n === 'string');
}

async function fromCluster(need: CompletionNeed, env: KubeEnv, signal: AbortSignal): Promise<string[]> {
  const { connect } = await import('../kube/rest.js');
  // An exec plugin may run, but never prompts and never writes on the user's prompt.
  const { kube, rest } = await connect(need.flags, { env, home: env.HOME ?? homedir(), stdinIsTTY: false, quiet: true });
  signal.addEventListener(
    'abort',
    () => {
      rest.close();
    },
    { once: true },
  );
  try {
    if (need.fact === 'namespaces') return itemNames(await rest.get(apiPath(Resource.namespaces)));
    return itemNames(await rest.get(apiPath(Resource.deployments, { namespace: kube.namespace })));
  } finally {
    rest.close();
  }
}

async function lookup(need: CompletionNeed, env: KubeEnv): Promise<CompletionFacts> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error('timed out'));
    }, LOOKUP_TIMEOUT_MS);
  });
  try {
    const fact = need.fact;
    const work = fact === 'contexts' || fact === 'clusters' || fact === 'users' ? kubeconfigNames(fact, need.flags, env) : fromCluster(need, env, ac.signal);
    work.catch(() => {}); // a late failure after the timeout is nobody's business
    return { [fact]: await Promise.race([work, timeout]) };
  } catch {
    return {};
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

async function run(argv: string[], env: KubeEnv): Promise<string> {
  // kubectl passes the words only; a Cobra-style `__complete` first word is accepted as well.
  const words = argv[0] === '__complete' ? argv.slice(1) : argv;
  const args = words.slice(0, -1);
  const word = words.at(-1) ?? '';
  const need = completionNeeds(args, word);
  const facts = need ? await lookup(need, env) : {};
  return formatCompletion(complete(args, word, facts));
}

run(process.argv.slice(2), process.env).then(
  (text) => process.stdout.write(text, () => process.exit(0)),
  // Unreachable in practice (run catches lookups); still never a stack trace on the user's prompt.
  () => process.stdout.write(':1\n', () => process.exit(0)),
);
