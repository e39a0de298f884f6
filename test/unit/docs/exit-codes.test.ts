// docs/exit-codes.md is generated (`make docs`, plugin/release/docs.ts): regenerated here, it
// must be the page in the tree to the byte, so the documented codes are the ones the binaries use.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodesPage } from '../../../core/exit-codes.js';

describe('docs/exit-codes.md', () => {
  it('is what `make docs` writes from the catalogue', () => {
    const page = readFileSync(resolve(import.meta.dirname, '../../../docs/exit-codes.md'), 'utf8');
    expect(page, 'docs/exit-codes.md is stale: run make docs').toBe(exitCodesPage());
  });
});
