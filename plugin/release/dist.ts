// `make dist`: what a release publishes for the plugin, built from `make build`'s bundles into dist/:
//   kubectl-paas-<version>-<os>-<arch>.tar.gz   one per platform of ReleasePlatforms
//   SHA256SUMS                                  their sums, as `sha256sum -c` reads them
//   paas.yaml                                   the krew Plugin manifest pointing at them
// An archive holds the bundle and what it loads, nothing else: the launcher (kubectl-paas), the
// bundle (kubectl-paas.cjs), the completion bundle (kubectl_complete-paas), a package.json that
// makes Node read those as CommonJS whatever package.json sits above the install dir, the part
// of @kubernetes/client-node the plugin loads for auth-provider kubeconfigs only (one bundled
// file under node_modules/, so the plugin's own require finds it; never loaded otherwise), the
// LICENSE and the licenses of the bundled npm packages. The JavaScript is the same on every
// platform, so the archives are byte-identical (same sha256): one name per platform is what krew's
// selectors and users expect, and leaves room for native builds later.
// Usage: tsx plugin/release/dist.ts [--download-base=URL]   (RELEASE_URL in the Makefile)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import { archiveName, ArchiveFiles as F, krewManifest, ReleasePlatforms, type ReleaseArchive } from './krew-manifest.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');
const BIN = join(DIST, 'bin');
const META = join(ROOT, '.cache/esbuild'); // the Makefile's esbuild metafiles
const STAGE = join(DIST, 'release-stage');

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; engines: { node: string }; license: string };
const version = `v${pkg.version}`;
const downloadBase =
  process.argv.find((a) => a.startsWith('--download-base='))?.slice('--download-base='.length) ||
  `https://github.com/kubectl-paas/kubectl-paas/releases/download/${version}`;

function fail(message: string): never {
  process.stderr.write(`dist: ${message}\n`);
  process.exit(1);
}

for (const f of ['kubectl-paas.js', 'kubectl-paas.cjs', 'kubectl_complete-paas.cjs']) {
  if (!existsSync(join(BIN, f))) fail(`${relative(ROOT, join(BIN, f))} is missing: run make build first`);
}

rmSync(STAGE, { recursive: true, force: true });
mkdirSync(STAGE, { recursive: true });
const stage = (name: string) => join(STAGE, name);

// The launcher, with its code cache moved into the install dir (uninstalling removes it).
const launcher = readFileSync(join(BIN, 'kubectl-paas.js'), 'utf8');
const SWITCH = 'const CACHE_IN_INSTALL_DIR = false;';
if (launcher.split(SWITCH).length !== 2) fail(`dist/bin/kubectl-paas.js: expected the line \`${SWITCH}\` once (plugin/bundle/launcher.cjs)`);
writeFileSync(stage(F.launcher), launcher.replace(SWITCH, 'const CACHE_IN_INSTALL_DIR = true;'));
copyFileSync(join(BIN, 'kubectl-paas.cjs'), stage(F.bundle));
copyFileSync(join(BIN, 'kubectl_complete-paas.cjs'), stage(F.complete));
writeFileSync(stage(F.packageJson), `${JSON.stringify({ type: 'commonjs' })}\n`);
copyFileSync(join(ROOT, 'LICENSE'), stage(F.license));

// @kubernetes/client-node, reduced to what kube-client/auth-provider.ts uses (KubeConfig), in one file.
const clientNodePkg = JSON.parse(readFileSync(join(ROOT, 'node_modules/@kubernetes/client-node/package.json'), 'utf8')) as { version: string; license: string };
const clientNodeDir = stage(join(F.clientNode, '@kubernetes/client-node'));
mkdirSync(clientNodeDir, { recursive: true });
const chunk = await build({
  stdin: { contents: "export { KubeConfig } from '@kubernetes/client-node';", resolveDir: ROOT, sourcefile: 'client-node-entry.js' },
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  outfile: join(clientNodeDir, 'index.cjs'),
});
writeFileSync(
  join(clientNodeDir, 'package.json'),
  `${JSON.stringify(
    {
      name: '@kubernetes/client-node',
      version: clientNodePkg.version,
      description: 'KubeConfig of @kubernetes/client-node, bundled by kubectl-paas make dist: loaded only for auth-provider kubeconfigs',
      license: clientNodePkg.license,
      type: 'commonjs',
      main: 'index.cjs',
    },
    null,
    2,
  )}\n`,
);

// The licenses of every npm package whose code is in a shipped file.
const metafiles = ['kubectl-paas.json', 'kubectl_complete-paas.json'].map((f) => {
  const p = join(META, f);
  if (!existsSync(p)) fail(`${relative(ROOT, p)} is missing: run make build first (its esbuild writes it)`);
  return JSON.parse(readFileSync(p, 'utf8')) as { inputs: Record<string, unknown> };
});
const inputs = [...metafiles.flatMap((m) => Object.keys(m.inputs)), ...Object.keys(chunk.metafile.inputs)];
writeFileSync(stage(F.notices), thirdPartyLicenses(inputs));

// Modes as a user expects them, whatever the umask: the two executables 0755, the rest 0644.
for (const p of walk(STAGE)) chmodSync(p, statSync(p).isDirectory() || p === stage(F.launcher) || p === stage(F.complete) ? 0o755 : 0o644);

// Reproducible archives: sorted names, root owner, every mtime the last commit's time.
const epoch = process.env.SOURCE_DATE_EPOCH ?? execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: ROOT, encoding: 'utf8' }).trim();
const archives: ReleaseArchive[] = [];
for (const old of readdirSync(DIST)) if (/^kubectl-paas-.*\.tar\.gz$/.test(old)) rmSync(join(DIST, old));
for (const p of ReleasePlatforms) {
  const file = archiveName(version, p);
  const tar = execFileSync(
    'tar',
    ['--sort=name', '--format=gnu', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${epoch}`, '-C', STAGE, '-cf', '-', ...Object.values(F)],
    { maxBuffer: 64 << 20 },
  );
  const gz = execFileSync('gzip', ['-9n'], { input: tar, maxBuffer: 64 << 20 });
  writeFileSync(join(DIST, file), gz);
  archives.push({ ...p, file, sha256: createHash('sha256').update(gz).digest('hex') });
}
writeFileSync(join(DIST, 'SHA256SUMS'), archives.map((a) => `${a.sha256}  ${a.file}\n`).join(''));

const manifest = krewManifest({ version, homepage: 'https://github.com/kubectl-paas/kubectl-paas', downloadBase, archives, nodeEngines: pkg.engines.node });
writeFileSync(join(DIST, 'paas.yaml'), `# krew manifest of kubectl-paas ${version}, written by make dist.\n${stringify(manifest, { lineWidth: 0 })}`);
rmSync(STAGE, { recursive: true, force: true });

const size = (f: string) => `${(statSync(join(DIST, f)).size / 1024).toFixed(0)} KiB`;
process.stdout.write(
  [
    ...archives.map((a) => `dist/${a.file}  ${size(a.file)}  sha256 ${a.sha256}`),
    'dist/SHA256SUMS',
    `dist/paas.yaml (krew: kubectl krew install --manifest=dist/paas.yaml --archive=dist/${archives[0]!.file})`,
    '',
  ].join('\n'),
);

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
}

/** One section per package (name@version, license, its license text), sorted by name. */
function thirdPartyLicenses(files: string[]): string {
  const roots = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    const at = parts.lastIndexOf('node_modules');
    if (at < 0) continue;
    const n = parts[at + 1]!.startsWith('@') ? 2 : 1;
    roots.add(join(ROOT, ...parts.slice(0, at + 1 + n)));
  }
  const sections = [...roots]
    .map((dir) => {
      const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
        license?: string;
        author?: unknown;
        repository?: unknown;
      };
      if (!p.license) fail(`${relative(ROOT, dir)}/package.json: no license field for its bundled code`);
      const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.md|\.txt)?$/i.test(f));
      // A few packages (tr46) ship no license file: their package.json's fields are all there is.
      const text = file
        ? readFileSync(join(dir, file), 'utf8').trim()
        : `The package ships no license file. Its package.json declares the license ${p.license}; author ${JSON.stringify(p.author ?? 'not named')}; repository ${JSON.stringify(p.repository ?? 'not named')}.`;
      return { id: `${p.name}@${p.version}`, license: p.license, text };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const header = `kubectl-paas bundles the following npm packages into kubectl-paas.cjs, kubectl_complete-paas and\nnode_modules/@kubernetes/client-node/index.cjs. Their licenses follow.\n`;
  return `${header}${sections.map((s) => `\n${'='.repeat(78)}\n${s.id} (${s.license})\n${'='.repeat(78)}\n\n${s.text}\n`).join('')}`;
}
