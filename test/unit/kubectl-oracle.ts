// The real kubectl (built by `make cluster-bin` into .cache/bin) as an offline oracle for how
// Kubernetes reads manifests. `kubectl label --local -o json -f - <absent-key>-` reads a stream
// exactly as `kubectl apply -f` does (cli-runtime's stream visitor: apimachinery's
// YAMLOrJSONDecoder, sigs.k8s.io/yaml over go-yaml v2, then unstructured JSON) and prints every
// object as it would send it, with no cluster. Its one addition: `metadata.labels: {}` on an object
// without labels (the same on both sides of a comparison).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_K8S_VERSION } from '../e2e/cluster/control-plane.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const path = resolve(root, '.cache/bin', `k8s-${process.env.K8S_VERSION ?? DEFAULT_K8S_VERSION}`, 'kubectl');

/** The kubectl binary, or undefined when it is not built. */
export const KUBECTL: string | undefined = existsSync(path) ? path : undefined;

/** Whether a missing kubectl must fail the suites that use it (`make test` sets it). */
const REQUIRED = process.env.PAAS_REQUIRE_KUBECTL === '1';

/**
 * Whether the kubectl suites skip: no kubectl, and not required. They skip as vitest counts a
 * skip (`describe.skipIf`), so `make test-unit` says how many; with PAAS_REQUIRE_KUBECTL=1 they
 * run, and each fails on the missing binary.
 */
export const SKIP_KUBECTL = !KUBECTL && !REQUIRED;

/** The kubectl binary; throws (failing the test that asked) when it is not built. */
export function kubectlBin(): string {
  if (!KUBECTL) throw new Error(`kubectl missing at ${path}${REQUIRED ? ' and PAAS_REQUIRE_KUBECTL=1' : ''} (run make cluster-bin)`);
  return KUBECTL;
}

/** Says once per suite why its tests are counted skipped. */
export function warnIfNoKubectl(suite: string): void {
  if (SKIP_KUBECTL) console.warn(`${suite} skipped: no kubectl at ${path} (make cluster-bin; PAAS_REQUIRE_KUBECTL=1 makes that a failure)`);
}

/** What kubectl reads from a manifest stream: its objects, or its error message. */
export type KubectlReading = { objects: Record<string, unknown>[] } | { error: string };

/** Reads a stream as kubectl does (a kind: List gives its items). */
export function kubectlRead(text: string): KubectlReading {
  const bin = kubectlBin();
  try {
    const out = execFileSync(bin, ['label', '--local', '-o', 'json', '-f', '-', 'oracle.kubectl-paas.test/absent-'], {
      input: text,
      env: { PATH: process.env.PATH ?? '', KUBECONFIG: '/dev/null', HOME: '/nonexistent' },
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { objects: parseJsonStream(out.toString()) };
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    if (stderr) return { error: stderr };
    throw e;
  }
}

/** Objects of a JSON stream (kubectl prints one after another). */
export function parseJsonStream(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>);
  }
  return out;
}
