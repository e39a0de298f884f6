// Prints the closing line of `make test` from vitest's JSON reports: one line per project, then
// the total as `total: N passed, N failed, N skipped`. Usage: node test/report.mjs REPORT.json...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const p = r.numPassedTests ?? 0;
  const f = r.numFailedTests ?? 0;
  const s = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  process.stdout.write(`${basename(file, '.json')} tests (${r.numTotalTestSuites ?? '?'} suites): ${p} passed / ${f} failed / ${s} skipped\n`);
  passed += p;
  failed += f;
  skipped += s;
}
process.stdout.write(`total: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
