// `make admission-policy-overlay`: writes manifests/overlays/admission-policy's generated file.
// Usage: tsx plugin/release/write-admission-policy-overlay.ts
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OVERLAY_POLICY_FILE, overlayPolicyText } from './admission-policy-overlay.js';

const file = join(resolve(import.meta.dirname, '../..'), OVERLAY_POLICY_FILE);
writeFileSync(file, overlayPolicyText());
process.stdout.write(`wrote ${OVERLAY_POLICY_FILE}\n`);
