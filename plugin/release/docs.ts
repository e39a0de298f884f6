// `make docs`: writes the generated pages of docs/ from their one source. Today one page:
// docs/exit-codes.md, from the catalogue (core/errors.ts, core/exit-codes.ts).
// test/unit/docs/exit-codes.test.ts fails when a page differs from what this writes.
// Usage: tsx plugin/release/docs.ts
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitCodesPage } from '../../core/exit-codes.js';

const ROOT = resolve(import.meta.dirname, '../..');

writeFileSync(join(ROOT, 'docs/exit-codes.md'), exitCodesPage());
process.stdout.write('wrote docs/exit-codes.md\n');
