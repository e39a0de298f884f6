// The krew Plugin manifest (krew.googlecontainertools.github.com/v1alpha2) of a release: one
// platform entry per archive, each with its selector, download URI, sha256 and the files krew
// moves out of the archive. Pure: `make dist` (./dist.ts) gives it the archives it built.
//
// krew links one `bin` per plugin into $KREW_ROOT/bin and nothing else (krew issue #812), so
// kubectl_complete-paas, which kubectl looks up on PATH for Tab completion, goes to its own
// completion/ directory in the install dir and the caveats say how to put it on PATH.

/** The platforms a release archive is built for: krew's os/arch labels (Go's GOOS/GOARCH). */
export const ReleasePlatforms = [
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
] as const;
export type ReleasePlatform = (typeof ReleasePlatforms)[number];

/** What an archive holds at its top level, and where krew puts each entry in the install dir. */
export const ArchiveFiles = {
  launcher: 'kubectl-paas',
  bundle: 'kubectl-paas.cjs',
  complete: 'kubectl_complete-paas',
  packageJson: 'package.json',
  clientNode: 'node_modules',
  license: 'LICENSE',
  notices: 'THIRD_PARTY_LICENSES',
} as const;

/** The install dir's subdirectory holding kubectl_complete-paas (to put on PATH). */
export const COMPLETION_DIR = 'completion';

export type ReleaseArchive = ReleasePlatform & { file: string; sha256: string };

export type ManifestInput = {
  version: string; // v-prefixed, as krew names the install dir: $KREW_ROOT/store/paas/<version>
  homepage: string;
  /** Where the archives are published; each platform's uri is <downloadBase>/<file>. */
  downloadBase: string;
  archives: ReleaseArchive[];
  /** Node.js versions the bundle runs on (package.json engines), for the caveats. */
  nodeEngines: string;
};

export const archiveName = (version: string, p: ReleasePlatform) => `kubectl-paas-${version}-${p.os}-${p.arch}.tar.gz`;

/** The Plugin object, ready to be written as YAML. */
export function krewManifest(m: ManifestInput): Record<string, unknown> {
  if (!/^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(m.version)) throw new Error(`version ${m.version}: krew needs a v-prefixed semantic version`);
  for (const a of m.archives) if (!/^[0-9a-f]{64}$/.test(a.sha256)) throw new Error(`${a.file}: sha256 ${a.sha256} is not 64 hex digits`);
  const completionDir = `\${KREW_ROOT:-$HOME/.krew}/store/paas/${m.version}/${COMPLETION_DIR}`;
  return {
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: 'paas' },
    spec: {
      version: m.version,
      homepage: m.homepage,
      shortDescription: 'Zero-downtime rollouts: status, diagnosis and policy',
      description: [
        'kubectl paas reports and explains Deployment rollouts, and applies the',
        'zero-downtime rollout policy that the paas-webhook admission webhook enforces:',
        '',
        '  kubectl paas rollout status deploy/web   # follow a rollout; exit code says how it ended',
        "  kubectl paas diagnose deploy/web         # why a rollout is stuck, in the kubelet's words",
        '  kubectl paas policy apply -f app.yaml    # the manifest as the webhook would admit it',
        '',
        'It reads your kubeconfig as kubectl does. The webhook itself installs with Helm',
        '(manifests/helm/paas-webhook) or kustomize (manifests/).',
        '',
      ].join('\n'),
      caveats: [
        `This plugin runs on Node.js (${m.nodeEngines}), which must be on PATH as \`node\`.`,
        '',
        'Tab completion: kubectl runs kubectl_complete-paas from PATH, which krew does not',
        "link. Add its directory to PATH (in your shell profile, after loading kubectl's completion):",
        '',
        `  export PATH="$PATH:${completionDir}"`,
        '',
        'kubectl-paas keeps a V8 code cache in its install directory; `kubectl krew uninstall paas`',
        'removes it with the rest.',
        '',
      ].join('\n'),
      platforms: m.archives.map((a) => ({
        selector: { matchLabels: { os: a.os, arch: a.arch } },
        uri: `${m.downloadBase.replace(/\/+$/, '')}/${a.file}`,
        sha256: a.sha256,
        bin: ArchiveFiles.launcher,
        files: [
          { from: ArchiveFiles.launcher, to: '.' },
          { from: ArchiveFiles.bundle, to: '.' },
          { from: ArchiveFiles.packageJson, to: '.' },
          { from: ArchiveFiles.clientNode, to: '.' },
          { from: ArchiveFiles.complete, to: `${COMPLETION_DIR}/${ArchiveFiles.complete}` },
          { from: ArchiveFiles.license, to: '.' },
          { from: ArchiveFiles.notices, to: '.' },
        ],
      })),
    },
  };
}
