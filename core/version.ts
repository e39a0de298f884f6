// The release of kubectl-paas and paas-webhook: package.json's "version", the one source.
// Written by `make core/version.ts` (part of `make build`) when package.json changes; a unit test
// (test/unit/version.test.ts) holds it, the chart's version and the manifests' image tag to it.

/** The version both binaries report (`paas-webhook --version`, GET /version, paas_webhook_build_info). */
export const VERSION = '0.1.0';
