// docs/admission-policy.md is generated (`make docs`, plugin/release/docs.ts): regenerated here, it
// must be the page in the tree to the byte, so the documented differences are the ones the
// renderer knows of (core/policy/admission-gaps.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { admissionPolicyPage } from '../../../core/policy/index.js';

describe('docs/admission-policy.md', () => {
  it('is what `make docs` writes from the list of differences', () => {
    const page = readFileSync(resolve(import.meta.dirname, '../../../docs/admission-policy.md'), 'utf8');
    expect(page, 'docs/admission-policy.md is stale: run make docs').toBe(admissionPolicyPage());
  });
});
