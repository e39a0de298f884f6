// docs/audit.md says what the code does: its JSON Schema is AUDIT_SCHEMA, its exit codes are
// --help's (core/exit-codes.ts), and its samples are what `kubectl paas audit` prints for the
// cluster they show (run here against the recorded cluster of the command tests).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { COMMAND_EXITS, exitCodeHelp } from '../../../core/exit-codes.js';
import type { JsonObject } from '../../../core/policy/index.js';
import { AUDIT_SCHEMA } from '../../../plugin/audit/print.js';
import { main } from '../../../plugin/cli.js';
import { against, type ClusterData } from '../audit/fake-cluster.js';
import { captured, compliant, placed, plain } from '../audit/fixtures.js';

const page = readFileSync(resolve(import.meta.dirname, '../../../docs/audit.md'), 'utf8');

/** The fenced block of `lang` that follows `heading` (its first one). */
function block(heading: string, lang: string, nth = 0): string {
  const section = page.slice(page.indexOf(heading));
  const blocks = [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))];
  return blocks[nth]![1]!;
}

/** The cluster the samples show. */
function sampleCluster(): ClusterData {
  const batch = plain('batch', 'shop');
  const spec = batch.spec as JsonObject;
  spec.strategy = { type: 'Recreate' };
  ((spec.template as JsonObject).spec as JsonObject).terminationGracePeriodSeconds = 10;
  return {
    deployments: [
      plain('web', 'shop'),
      placed(captured('readiness-503'), 'shop', 'checkout', { app: 'checkout' }),
      compliant('api', 'shop', '5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10'),
      batch,
      plain('reports', 'legacy'),
      plain('coredns', 'kube-system'),
    ],
    namespaces: { shop: {}, legacy: { 'paas.io/rollout-policy': 'disabled' }, 'kube-system': {} },
    configMap: { 'paas.toml': '[deploy]\nsurge = 1\n' },
  };
}

async function printed(argv: string[]): Promise<string> {
  const run = against(sampleCluster());
  await main(argv, run.deps);
  return run.out();
}

describe('docs/audit.md', () => {
  it('its JSON Schema is AUDIT_SCHEMA', () => {
    expect(JSON.parse(block('## The JSON document', 'json'))).toEqual(JSON.parse(JSON.stringify(AUDIT_SCHEMA)));
  });

  it("its exit codes are --help's", () => {
    expect(block('## Exit codes', 'text').trimEnd()).toBe(exitCodeHelp(COMMAND_EXITS.audit));
  });

  it('its text sample is what kubectl paas audit -A prints for that cluster', async () => {
    expect(block('## Sample output', 'text', 0)).toBe(`$ kubectl paas audit -A\n${await printed(['audit', '-A'])}`);
  });

  it('its JSON sample is what -o json prints, and the schema takes it', async () => {
    const sample = block('## Sample output', 'text', 1);
    const out = await printed(['audit', 'checkout', '-n', 'shop', '-o', 'json']);
    expect(sample).toBe(`$ kubectl paas audit checkout -n shop -o json\n${out}`);
    const validate = new Ajv2020({ strict: true }).compile(AUDIT_SCHEMA);
    expect(validate(JSON.parse(out))).toBe(true);
  });
});
