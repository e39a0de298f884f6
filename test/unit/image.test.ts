// The image (Dockerfile) installs production dependencies only (`npm ci --omit=dev`): every
// package the webhook loads at run time must therefore be a `dependency`, not a devDependency.
// Walks the real import graph from webhook/main.ts (relative imports followed, `import type`
// ignored since TypeScript erases it) and checks each bare specifier against package.json.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The runtime (non-type-only) import and export-from specifiers of one TypeScript file. */
function runtimeSpecifiers(source: string): string[] {
  const out: string[] = [];
  const statement = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of source.matchAll(statement)) {
    const typeOnly = m[2] !== undefined || /^\{\s*(type\s+[\w$]+\s*(,\s*type\s+[\w$]+\s*)*,?)?\}$/.test((m[3] ?? '').trim());
    if (!typeOnly) out.push(m[4] as string);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

/** Follows relative imports from `entry`; returns the bare packages used and the files visited. */
function importClosure(entry: string): { packages: Map<string, string>; files: string[] } {
  const packages = new Map<string, string>(); // package -> first file importing it
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeSpecifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (!existsSync(target)) throw new Error(`${relative(ROOT, file)} imports ${spec}: ${relative(ROOT, target)} not found`);
        queue.push(target);
        continue;
      }
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
      if (!packages.has(name)) packages.set(name, relative(ROOT, file));
    }
  }
  return { packages, files: [...seen] };
}

describe('the paas-webhook image', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const { packages, files } = importClosure(join(ROOT, 'webhook/main.ts'));

  it('finds the webhook server and the policy engine in the import graph', () => {
    const rel = files.map((f) => relative(ROOT, f));
    expect(rel).toContain('webhook/server/serve.ts');
    expect(rel.some((f) => f.startsWith('core/policy/'))).toBe(true);
    expect([...packages.keys()]).toContain('fastify');
  });

  it('has every package the webhook loads at run time among the production dependencies', () => {
    const missing = [...packages].filter(([name]) => !(name in (pkg.dependencies ?? {}))).map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });

  it('builds from package-lock.json with dev dependencies omitted, and runs as a non-root user', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const stages = dockerfile.match(/^FROM /gm) ?? [];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER (?!0\b|root\b)\S+/m);
    expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
    const nodeVersion = /^ARG NODE_VERSION=(\d+)/m.exec(dockerfile)?.[1];
    expect(['24', '26']).toContain(nodeVersion);
  });
});
