// `make admission-policy-overlay`: writes the installers' generated MutatingAdmissionPolicy files:
// manifests/overlays/admission-policy's (the default paas.toml) and the Helm chart's template
// (mode admission-policy). Unit tests regenerate both and fail when a committed file differs.
// Usage: tsx plugin/release/write-admission-policy-overlay.ts
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OVERLAY_POLICY_FILE, overlayPolicyText } from './admission-policy-overlay.js';
import { CHART_POLICY_FILE, chartPolicyTemplate } from './helm-admission-policy.js';

const root = resolve(import.meta.dirname, '../..');
for (const [file, text] of [
  [OVERLAY_POLICY_FILE, overlayPolicyText()],
  [CHART_POLICY_FILE, chartPolicyTemplate()],
] as const) {
  writeFileSync(join(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
