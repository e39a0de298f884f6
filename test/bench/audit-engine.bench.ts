// Micro-benchmark of `kubectl paas audit`'s pure part, no cluster: the policy engine and the
// printers over 2,000 Deployments shaped as the API server lists them (the Deployments captured
// from the real cluster beside the diagnose scenarios, as list items, spread over 100 namespaces
// with a mix of scopes), beside a baseline in the same run: JSON.parse of the same list's body,
// which every client pays before it can look at an item. Prints medians in ms and the heap.
// Run: tsx test/bench/audit-engine.bench.ts (BENCH_DEPLOYMENTS, BENCH_ROUNDS to change the size).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../core/config.js';
import type { JsonObject } from '../../core/policy/index.js';
import { auditAll, summarize } from '../../plugin/audit/audit.js';
import { auditDocument, auditText, PolicySource } from '../../plugin/audit/print.js';

const N = Number(process.env.BENCH_DEPLOYMENTS ?? 2000);
const NAMESPACES = 100;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const REAL = resolve(import.meta.dirname, '../fixtures/diagnose/real');

/** The captured Deployments, as items of a list (no kind, no apiVersion). */
function captured(): JsonObject[] {
  return readdirSync(REAL)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const {
        apiVersion: _a,
        kind: _k,
        ...item
      } = (parse(readFileSync(resolve(REAL, f), 'utf8')) as { snapshot: { deployment: JsonObject } }).snapshot.deployment;
      return item;
    });
}

/** The list body the API server would send: N Deployments over NAMESPACES namespaces. */
function listBody(): string {
  const shapes = captured();
  const items = Array.from({ length: N }, (_, i) => {
    const d = structuredClone(shapes[i % shapes.length]!);
    const meta = d.metadata as JsonObject;
    meta.namespace = `team-${String(i % NAMESPACES).padStart(3, '0')}`;
    meta.name = `app-${i}`;
    meta.uid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    // One in ten opted out by its label, as a cluster in the middle of adopting the policy.
    if (i % 10 === 0) meta.labels = { ...(meta.labels as Record<string, string>), 'paas.io/rollout-policy': 'disabled' };
    return d;
  });
  return JSON.stringify({ kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: '1' }, items });
}

/** Every namespace's labels: a tenth opted out, a tenth in warn mode. */
function namespaceLabels(): Map<string, Record<string, string>> {
  return new Map(
    Array.from({ length: NAMESPACES }, (_, i) => {
      const labels: Record<string, string> = i % 10 === 1 ? { 'paas.io/rollout-policy': 'disabled' } : i % 10 === 2 ? { 'paas.io/mode': 'warn' } : {};
      return [`team-${String(i).padStart(3, '0')}`, labels] as const;
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function main(): void {
  const body = listBody();
  const namespaces = namespaceLabels();
  const policy = { config: DEFAULT_CONFIG, facts: { nativeSleep: true } };
  const used = {
    source: PolicySource.defaults,
    from: 'built-in defaults',
    mode: DEFAULT_CONFIG.webhook.mode,
    namespaces: DEFAULT_CONFIG.webhook.namespaces,
    excludedNamespaces: DEFAULT_CONFIG.webhook.excludedNamespaces,
    nativeSleep: true,
  };
  const times: Record<string, number[]> = {
    'JSON.parse of the list body (baseline)': [],
    'audit: engine over every Deployment': [],
    'audit: -o json document': [],
    'audit: text report': [],
  };
  let summary;
  for (let round = 0; round < ROUNDS + 2; round++) {
    const record = round >= 2; // two warm-up rounds
    let t = process.hrtime.bigint();
    const items = (JSON.parse(body) as { items: JsonObject[] }).items;
    if (record) times['JSON.parse of the list body (baseline)']!.push(ms(t));
    t = process.hrtime.bigint();
    const rows = auditAll(items, namespaces, policy);
    if (record) times['audit: engine over every Deployment']!.push(ms(t));
    t = process.hrtime.bigint();
    JSON.stringify(auditDocument({ policy: used, rows, notes: [] }), null, 2);
    if (record) times['audit: -o json document']!.push(ms(t));
    t = process.hrtime.bigint();
    auditText({ policy: used, rows, notes: [] }, false);
    if (record) times['audit: text report']!.push(ms(t));
    summary = summarize(rows);
  }
  const heap = process.memoryUsage();
  process.stdout.write(
    `${N} Deployments over ${NAMESPACES} namespaces (list body ${(body.length / 1e6).toFixed(1)} MB), median of ${ROUNDS} rounds, Node ${process.version}\n`,
  );
  const base = median(times['JSON.parse of the list body (baseline)']!);
  for (const [name, xs] of Object.entries(times))
    process.stdout.write(`  ${name.padEnd(42)} ${median(xs).toFixed(1).padStart(7)} ms  (${(median(xs) / base).toFixed(2)}x the baseline)\n`);
  process.stdout.write(`  verdicts: ${JSON.stringify(summary)}\n`);
  process.stdout.write(`  heap used ${(heap.heapUsed / 1e6).toFixed(0)} MB, RSS ${(heap.rss / 1e6).toFixed(0)} MB at the end\n`);
}

main();
