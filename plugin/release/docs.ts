// `make docs`: writes the generated pages of docs/ from their one source: docs/exit-codes.md from
// the catalogue (core/errors.ts, core/exit-codes.ts), docs/admission-policy.md from
// core/policy/admission-gaps.ts, docs/cli/ from the command table (plugin/release/cli-docs.ts),
// and the values table of the Helm chart's README from values.yaml and values.schema.json
// (plugin/release/helm-values.ts). test/unit/docs/ fails when a page differs from what this writes.
// Usage: tsx plugin/release/docs.ts
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { exitCodesPage } from '../../core/exit-codes.js';
import { admissionPolicyPage } from '../../core/policy/index.js';
import { cliPages } from './cli-docs.js';
import { valuesTable, withValuesTable, type SchemaNode } from './helm-values.js';

const ROOT = resolve(import.meta.dirname, '../..');

writeFileSync(join(ROOT, 'docs/exit-codes.md'), exitCodesPage());
process.stdout.write('wrote docs/exit-codes.md\n');
writeFileSync(join(ROOT, 'docs/admission-policy.md'), admissionPolicyPage());
process.stdout.write('wrote docs/admission-policy.md\n');

const cli = join(ROOT, 'docs/cli');
mkdirSync(cli, { recursive: true });
const pages = cliPages();
// A command that went away takes its page with it.
for (const f of readdirSync(cli)) if (!pages.has(f)) rmSync(join(cli, f));
for (const [file, text] of pages) writeFileSync(join(cli, file), text);
process.stdout.write(`wrote docs/cli/ (${pages.size} pages)\n`);

const chart = join(ROOT, 'manifests/helm/paas-webhook');
const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as SchemaNode;
const readme = readFileSync(join(chart, 'README.md'), 'utf8');
writeFileSync(join(chart, 'README.md'), withValuesTable(readme, valuesTable(readFileSync(join(chart, 'values.yaml'), 'utf8'), schema)));
process.stdout.write('wrote the values table of manifests/helm/paas-webhook/README.md\n');
