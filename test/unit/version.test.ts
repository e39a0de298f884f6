// One source of the version: package.json. core/version.ts (both binaries import it), the Helm
// chart's version and appVersion, and the image tag the kustomize manifests install all say it;
// `paas-webhook --version` prints it, run as a user runs the bin.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { VERSION } from '../../core/version.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const packageVersion = (JSON.parse(read('package.json')) as { version: string }).version;

function webhook(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/index.mjs')).href, join(ROOT, 'webhook/main.ts'), ...args],
      { env: { ...process.env, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' }, timeout: 25_000 },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

describe('the version', () => {
  it("core/version.ts is package.json's version (make core/version.ts writes it)", () => {
    expect(VERSION).toBe(packageVersion);
  });

  it('the Helm chart is released as that version and installs that appVersion', () => {
    const chart = parse(read('manifests/helm/paas-webhook/Chart.yaml')) as { version: string; appVersion: string };
    expect(chart.version).toBe(packageVersion);
    expect(chart.appVersion).toBe(packageVersion);
  });

  it('kubectl apply -k manifests/ installs the image of that version', () => {
    const k = parse(read('manifests/base/kustomization.yaml')) as { images: Array<{ name: string; newTag: string }> };
    expect(k.images.find((i) => i.name === 'paas-webhook')?.newTag).toBe(packageVersion);
  });

  it('paas-webhook --version prints it and exits 0', async () => {
    const r = await webhook(['--version']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(packageVersion);
  });
});
