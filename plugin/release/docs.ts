// `make docs`: writes the generated pages of docs/ from their one source: docs/exit-codes.md,
// from the catalogue (core/errors.ts, core/exit-codes.ts), and docs/admission-policy.md, from
// core/policy/admission-gaps.ts. test/unit/docs/ fails when a page differs from what this writes.
// Usage: tsx plugin/release/docs.ts
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitCodesPage } from '../../core/exit-codes.js';
import { admissionPolicyPage } from '../../core/policy/index.js';

const ROOT = resolve(import.meta.dirname, '../..');

writeFileSync(join(ROOT, 'docs/exit-codes.md'), exitCodesPage());
process.stdout.write('wrote docs/exit-codes.md\n');
writeFileSync(join(ROOT, 'docs/admission-policy.md'), admissionPolicyPage());
process.stdout.write('wrote docs/admission-policy.md\n');
