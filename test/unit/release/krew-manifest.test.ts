// The krew manifest of a release, as a pure function of the archives: krew itself (e2e krew.test.ts)
// installs from it; here, what it must say and what it refuses.
import { describe, expect, it } from 'vitest';
import { archiveName, COMPLETION_DIR, krewManifest, ReleasePlatforms, type ManifestInput } from '../../../plugin/release/krew-manifest.js';

const SHA = 'ab'.repeat(32);
const input = (over: Partial<ManifestInput> = {}): ManifestInput => ({
  version: 'v1.2.3',
  homepage: 'https://example.test/paas',
  downloadBase: 'https://example.test/releases/v1.2.3/',
  archives: ReleasePlatforms.map((p) => ({ ...p, file: archiveName('v1.2.3', p), sha256: SHA })),
  nodeEngines: '>=20.19.0',
  ...over,
});

type Obj = Record<string, any>; // the manifest, read field by field

describe('krewManifest', () => {
  it('is a v1alpha2 Plugin named paas with one platform per archive, its selector, uri and sha256', () => {
    const m = krewManifest(input()) as Obj;
    expect(m).toMatchObject({ apiVersion: 'krew.googlecontainertools.github.com/v1alpha2', kind: 'Plugin', metadata: { name: 'paas' } });
    expect(m.spec.version).toBe('v1.2.3');
    expect(m.spec.platforms.map((p: Obj) => [p.selector.matchLabels, p.uri, p.sha256, p.bin])).toEqual([
      [{ os: 'linux', arch: 'amd64' }, 'https://example.test/releases/v1.2.3/kubectl-paas-v1.2.3-linux-amd64.tar.gz', SHA, 'kubectl-paas'],
      [{ os: 'linux', arch: 'arm64' }, 'https://example.test/releases/v1.2.3/kubectl-paas-v1.2.3-linux-arm64.tar.gz', SHA, 'kubectl-paas'],
      [{ os: 'darwin', arch: 'amd64' }, 'https://example.test/releases/v1.2.3/kubectl-paas-v1.2.3-darwin-amd64.tar.gz', SHA, 'kubectl-paas'],
      [{ os: 'darwin', arch: 'arm64' }, 'https://example.test/releases/v1.2.3/kubectl-paas-v1.2.3-darwin-arm64.tar.gz', SHA, 'kubectl-paas'],
    ]);
  });

  it('has the descriptions krew shows, and caveats naming Node and the completion directory of this version', () => {
    const spec = (krewManifest(input()) as Obj).spec;
    expect(spec.shortDescription.length).toBeLessThanOrEqual(60);
    expect(spec.description).toContain('kubectl paas rollout status');
    expect(spec.caveats).toContain('Node.js (>=20.19.0)');
    expect(spec.caveats).toContain(`\${KREW_ROOT:-$HOME/.krew}/store/paas/v1.2.3/${COMPLETION_DIR}`);
  });

  it('moves kubectl_complete-paas into its own directory, and every other entry to the top', () => {
    const files = (krewManifest(input()) as Obj).spec.platforms[0].files as Obj[];
    expect(files.find((f) => f.from === 'kubectl_complete-paas')).toEqual({ from: 'kubectl_complete-paas', to: `${COMPLETION_DIR}/kubectl_complete-paas` });
    expect(files.filter((f) => f.from !== 'kubectl_complete-paas').every((f) => f.to === '.')).toBe(true);
  });

  it.each([
    { name: 'a version without v', over: { version: '1.2.3' }, message: 'version 1.2.3: krew needs a v-prefixed semantic version' },
    { name: 'a version that is not semver', over: { version: 'v1.2' }, message: 'version v1.2' },
    {
      name: 'a sha256 that is not 64 hex digits',
      over: { archives: [{ os: 'linux', arch: 'amd64', file: 'x.tar.gz', sha256: 'abc' }] as ManifestInput['archives'] },
      message: 'x.tar.gz: sha256 abc is not 64 hex digits',
    },
  ])('refuses $name', ({ over, message }) => {
    expect(() => krewManifest(input(over))).toThrow(message);
  });
});
