// The values table of the Helm chart's README is generated (`make docs`,
// plugin/release/helm-values.ts) from values.yaml and values.schema.json: regenerated here, it must
// be the table in the README to the byte, and it must name every key values.yaml sets and every
// key the schema allows.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allKeys, valuesTable, VALUES_BEGIN, VALUES_END, withValuesTable, type SchemaNode } from '../../../plugin/release/helm-values.js';

const CHART = resolve(import.meta.dirname, '../../../manifests/helm/paas-webhook');
const read = (f: string) => readFileSync(resolve(CHART, f), 'utf8');
const schema = JSON.parse(read('values.schema.json')) as SchemaNode;
const table = valuesTable(read('values.yaml'), schema);

describe("the Helm chart's values table", () => {
  it('is what `make docs` writes from values.yaml and values.schema.json', () => {
    const readme = read('README.md');
    expect(readme, 'manifests/helm/paas-webhook/README.md: the values table is stale: run make docs').toBe(withValuesTable(readme, table));
  });

  it('has a row for every key values.yaml sets and every key the schema allows (but Helm’s own `global`)', () => {
    const rows = new Set([...table.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
    const { values, schema: fromSchema } = allKeys(read('values.yaml'), schema);
    // A key whose value is a map of free keys (resources.requests) is one row; its parent a heading.
    const covered = (k: string) => rows.has(k) || [...rows].some((r) => r.startsWith(`${k}.`));
    expect(values.filter((k) => !covered(k))).toEqual([]);
    expect(fromSchema.filter((k) => k !== 'global' && !covered(k))).toEqual([]);
  });

  it('says what the schema allows and what the comments say', () => {
    expect(table).toContain(
      '| `config.deploy.readiness_probe` | `http` | `http`, `tcp`, `off` | added where a container has a port and no probe: http, tcp or off |',
    );
    expect(table).toMatch(/^\| `config\.webhook\.max_body_bytes` \| unset \| integer ≥ 1024 \| .*\(e\.g\. `3145728`\) \|$/m);
    expect(table).toMatch(/^\| `commonAnnotations` \| `\{\}` \| map of strings \| Added to every object's labels \/ annotations\. \|$/m);
    // Inside a map a comment describes only the key below it.
    expect(table).toMatch(/^\| `image\.pullPolicy` \| `IfNotPresent` \| `Always`, `IfNotPresent`, `Never` \| {2}\|$/m);
  });

  it('refuses a README without the markers', () => {
    expect(() => withValuesTable('# chart\n', table)).toThrow(/no values table markers/);
    expect(withValuesTable(`a\n${VALUES_BEGIN}\nold\n${VALUES_END}\nb`, 'T\n')).toBe(`a\n${VALUES_BEGIN}\n\nT\n\n${VALUES_END}\nb`);
  });
});
