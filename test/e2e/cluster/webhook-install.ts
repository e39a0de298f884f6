// paas-webhook installed as users install it, on the e2e cluster's real node: the image built
// from the Dockerfile (webhook-image.sh, no Docker, no registry), imported into the node's
// containerd, then `kubectl apply -k` of the shipped manifests/ tree through a test overlay
// (test/e2e/overlays/) that only points at that image and puts the pods on the real node.
// `make cluster-install`, the e2e suite (webhook-in-cluster.test.ts), the demo and the latency
// bench all go through installWebhook below.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { readState } from './control-plane.js';
import { ctr, type NodeState } from './node.js';
import type { JsonObject } from '../../../core/policy/index.js';
import { armedLine } from '../../../webhook/server/self-check-command.js';
import { judgeProbe, probeDeployment } from '../../../webhook/server/self-check.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, '.cache/webhook-image');

/** The overlays of test/e2e/overlays/: the shipped default, fail-open, warn and opt-in, with the local image. */
export const Overlay = { default: 'default', failOpen: 'fail-open', warn: 'warn', optIn: 'opt-in' } as const;
export type Overlay = (typeof Overlay)[keyof typeof Overlay];

/** What webhook-image.sh records of the image it built. */
export type WebhookImage = { image: string; tar: string; bytes: number; nodeVersion: string; user: string; base: string };

export const WebhookNames = {
  namespace: 'paas-system',
  deployment: 'paas-webhook',
  service: 'paas-webhook',
  secret: 'paas-webhook-tls',
  configuration: 'paas-webhook',
  podSelector: 'app.kubernetes.io/name=paas-webhook',
} as const;

type Exec = { code: number; stdout: string; stderr: string };
function sh(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Exec> {
  return new Promise((ok) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1;
        ok({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.on('error', () => {});
    child.stdin?.end(opts.input ?? '');
  });
}

/** Builds the image if its inputs changed (minutes the first time: npm ci in the build stage). */
export async function buildWebhookImage(log: (line: string) => void = () => {}): Promise<WebhookImage> {
  const r = await sh('bash', [join(ROOT, 'test/e2e/cluster/webhook-image.sh')], { timeoutMs: 900_000 });
  for (const l of r.stderr.split('\n')) if (l.startsWith('webhook-image:')) log(l);
  if (r.code !== 0) throw new Error(`webhook-image.sh failed (${r.code}):\n${r.stderr.trim().split('\n').slice(-30).join('\n')}`);
  return JSON.parse(readFileSync(join(OUT, 'current.json'), 'utf8')) as WebhookImage;
}

/** The real node of the cluster whose admin kubeconfig is `kubeconfig` (its run dir holds state.json). */
export function nodeOf(kubeconfig: string): NodeState {
  const state = readState(dirname(kubeconfig));
  if (!state?.node) throw new Error(`no real node recorded beside ${kubeconfig} (start the cluster with make cluster-up or the e2e setup)`);
  return state.node;
}

/** Imports the image archive into the node's containerd (k8s.io namespace) unless it is there. */
export async function loadWebhookImage(node: NodeState, image: WebhookImage, log: (line: string) => void = () => {}): Promise<void> {
  await loadImage(node, image, log);
}

/** Imports an image archive built on this machine into the node's containerd unless it is there. */
export async function loadImage(node: NodeState, image: { image: string; tar: string }, log: (line: string) => void = () => {}): Promise<void> {
  if (await hasImage(node, image.image)) return;
  const r = await ctr(node, ['images', 'import', image.tar], 300_000);
  if (r.code !== 0) throw new Error(`ctr images import ${image.tar} failed: ${r.stderr.trim()}`);
  if (!(await hasImage(node, image.image))) throw new Error(`${image.tar} imported, but ${image.image} is not in the node's containerd`);
  log(`imported ${image.image} into the node's containerd`);
}

/** A second name for the same image in the node (a "new release" for a rolling upgrade). */
export async function tagWebhookImage(node: NodeState, from: string, to: string): Promise<void> {
  const r = await ctr(node, ['images', 'tag', '--force', from, to]);
  if (r.code !== 0) throw new Error(`ctr images tag ${from} ${to} failed: ${r.stderr.trim()}`);
}

async function hasImage(node: NodeState, ref: string): Promise<boolean> {
  const r = await ctr(node, ['images', 'ls', '-q', `name==${ref}`]);
  return r.code === 0 && r.stdout.split('\n').includes(ref);
}

export type InstallOptions = {
  kubeconfig: string;
  /** kubectl of the cluster's release. */
  kubectl: string;
  overlay?: Overlay;
  /** The image reference to run (default: the one just built). */
  image?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
};

/**
 * The kustomization `kubectl apply -k` is given: the checked-in test overlay plus the image tag
 * of this build (generated, in .cache/webhook-image/install/<overlay>/).
 */
export function kustomizationDir(overlay: Overlay, image: string): string {
  const dir = join(OUT, 'install', overlay);
  mkdirSync(dir, { recursive: true });
  const [name, tag] = splitRef(image);
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      '# Generated by test/e2e/cluster/webhook-install.ts: the test overlay with the tag of this build.',
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'resources:',
      `  - ${relative(dir, join(ROOT, 'test/e2e/overlays', overlay))}`,
      'images:',
      `  - name: ${name}`,
      `    newTag: "${tag}"`,
      '',
    ].join('\n'),
  );
  return dir;
}

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  if (at <= ref.lastIndexOf('/')) throw new Error(`image ${ref} has no tag`);
  return [ref.slice(0, at), ref.slice(at + 1)];
}

/**
 * `kubectl apply -k` of the overlay with `image` (built and loaded or not: an image the node does
 * not hold is an install whose pods never start), once a paas-system left Terminating by an
 * earlier uninstall is gone. Returns kubectl's output; waits for nothing else.
 */
export async function applyWebhook(o: InstallOptions & { image: string }, deadline = Date.now() + 180_000): Promise<string> {
  const k = (args: string[]) => sh(o.kubectl, args, { timeoutMs: 60_000, env: { ...process.env, KUBECONFIG: o.kubeconfig } });
  // A paas-system left Terminating by an uninstall (or another test file) cannot take new objects.
  await until(deadline, 'paas-system to finish terminating', async () => {
    const ns = await k(['get', 'namespace', WebhookNames.namespace, '-o', 'jsonpath={.status.phase}', '--ignore-not-found']);
    return ns.code === 0 && ns.stdout.trim() !== 'Terminating';
  });
  const dir = kustomizationDir(o.overlay ?? Overlay.default, o.image);
  const applied = await k(['apply', '-k', dir]);
  if (applied.code !== 0) throw new Error(`kubectl apply -k ${dir} failed: ${applied.stderr.trim()}`);
  o.log?.(`kubectl apply -k ${relative(ROOT, dir)} (${o.image})`);
  return applied.stdout;
}

/**
 * Builds (if needed) and loads the image, applies the overlay with kubectl apply -k, and waits
 * until the webhook serves: the Deployment rolled out, the caBundle written, the leader armed the
 * configuration, and the API server calling it through its Service (a server-side dry run in
 * `default` comes back mutated).
 */
export async function installWebhook(o: InstallOptions): Promise<{ image: string; applied: string }> {
  const log = o.log ?? (() => {});
  const deadline = Date.now() + (o.timeoutMs ?? 240_000);
  const node = nodeOf(o.kubeconfig);
  let image = o.image;
  if (!image) {
    const built = await buildWebhookImage(log);
    await loadWebhookImage(node, built, log);
    image = built.image;
  }
  const k = (args: string[], input?: string, timeoutMs = 60_000) =>
    sh(o.kubectl, args, { input, timeoutMs, env: { ...process.env, KUBECONFIG: o.kubeconfig } });
  const applied = { stdout: await applyWebhook({ ...o, image }, deadline) };
  const left = () => Math.max(1, Math.round((deadline - Date.now()) / 1000));
  const rolled = await k(
    ['rollout', 'status', `deployment/${WebhookNames.deployment}`, '-n', WebhookNames.namespace, `--timeout=${left()}s`],
    undefined,
    left() * 1000 + 10_000,
  );
  if (rolled.code !== 0) throw new Error(`the webhook did not roll out: ${rolled.stderr.trim() || rolled.stdout.trim()}\n${await describePods(k)}`);
  await waitServing(k, deadline);
  log(`paas-webhook serves through its Service (${image})`);
  return { image, applied: applied.stdout };
}

/**
 * Until the webhook serves and is armed, whatever the overlay's mode: a server-side dry run of the
 * self-check probe (paas-system, through the Service, as the leader's own self-check) comes back
 * mutated, and the configuration holds the policy's entries.
 */
export async function waitServing(k: (args: string[], input?: string) => Promise<Exec>, deadline: number): Promise<void> {
  const probe = JSON.stringify(probeDeployment(WebhookNames.namespace));
  await until(deadline, 'the API server to call the webhook through its Service (a mutated server-side dry run of the self-check probe)', async () => {
    const r = await k(['create', '--dry-run=server', '-o', 'json', '-f', '-'], probe);
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return judgeProbe(JSON.parse(r.stdout), WebhookNames.namespace).ok;
  });
  await until(deadline, 'the leader to arm the MutatingWebhookConfiguration', async () => {
    const r = await k(['get', 'mutatingwebhookconfiguration', WebhookNames.configuration, '-o', 'json']);
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return armedLine(JSON.parse(r.stdout) as JsonObject) !== undefined;
  });
}

/** Deletes everything the overlay applied and waits until paas-system is gone. */
export async function uninstallWebhook(o: Omit<InstallOptions, 'image'> & { image: string }): Promise<void> {
  const dir = kustomizationDir(o.overlay ?? Overlay.default, o.image);
  const k = (args: string[], timeoutMs = 180_000) => sh(o.kubectl, args, { timeoutMs, env: { ...process.env, KUBECONFIG: o.kubeconfig } });
  const r = await k(['delete', '-k', dir, '--ignore-not-found', '--wait=true', '--timeout=150s']);
  if (r.code !== 0) throw new Error(`kubectl delete -k ${dir} failed: ${r.stderr.trim()}`);
}

async function describePods(k: (args: string[]) => Promise<Exec>): Promise<string> {
  const r = await k(['get', 'pods,events', '-n', WebhookNames.namespace, '-o', 'wide']);
  return r.stdout.trim().split('\n').slice(-30).join('\n');
}

async function until(deadline: number, what: string, check: () => Promise<boolean>): Promise<void> {
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
      last = '';
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last: ${last.slice(0, 500)})` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
