// The samples of command output in README.md and docs/ (test/unit/docs/samples.ts): every marked
// block names a known sample and shows its command; the offline ones (a file shown, the policy
// commands) are run here, in-process, on the files of docs/examples/, and must print what the
// block holds, after the same normaliser the e2e samples go through. With PAAS_UPDATE_SAMPLES=1
// the blocks are written from the runs instead. The samples that need a cluster are run by
// test/e2e/samples.test.ts on the real node.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../../core/errors.js';
import { main } from '../../../plugin/cli.js';
import { nodeFiles, type Files } from '../../../plugin/deps.js';
import { cliRun } from '../plugin/cli-harness.js';
import {
  blocksOf,
  canonical,
  DocNames,
  findSamples,
  loose,
  normalise,
  OFFLINE_DIR,
  PLACEHOLDER,
  recordSample,
  samplePages,
  SampleKind,
  SAMPLES,
  updating,
  writeSample,
  type SampleSpec,
} from './samples.js';

const REPO = resolve(import.meta.dirname, '../../..');
const DIR = join(REPO, OFFLINE_DIR);

/** The files as seen from docs/examples/, where the offline commands run. */
const filesIn = (dir: string): Files => ({
  readFile: (p) => nodeFiles.readFile(resolve(dir, p)),
  exists: (p) => nodeFiles.exists(resolve(dir, p)),
  listDir: (p) => nodeFiles.listDir(resolve(dir, p)),
});

/** Runs an offline sample as a user would in docs/examples/: what a terminal shows, and the exit code. */
async function run(spec: SampleSpec): Promise<{ text: string; code: number }> {
  const [program, ...rest] = spec.command.split(' ');
  if (program === 'cat') return { text: readFileSync(join(DIR, rest[0]!), 'utf8'), code: 0 };
  if (spec.command.startsWith('kubectl paas ')) {
    const r = cliRun({ env: { NO_COLOR: '1' } });
    let code: number;
    try {
      code = await main(spec.command.split(' ').slice(2), { ...r.deps, files: filesIn(DIR) });
    } catch (err) {
      r.deps.err.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      code = exitCodeOf(err);
    }
    return { text: r.out() + r.err(), code };
  }
  throw new Error(`sample ${spec.name}: no offline way to run \`${spec.command}\``);
}

describe('the samples in the docs', () => {
  const marked = samplePages().flatMap((page) => findSamples(readFileSync(join(REPO, page), 'utf8')).map((block) => ({ page, block })));

  it('name known samples, each shown with its command', () => {
    const known = new Map(SAMPLES.map((s) => [s.name, s]));
    const wrong = marked
      .filter(({ block }) => known.get(block.name)?.command !== block.command)
      .map(
        ({ page, block }) =>
          `${page}: sample ${block.name} shows \`$ ${block.command}\`, expected \`$ ${known.get(block.name)?.command ?? '(no such sample)'}\``,
      );
    expect(wrong).toEqual([]);
  });

  it('show every sample somewhere', () => {
    const shown = new Set(marked.map(({ block }) => block.name));
    expect(SAMPLES.filter((s) => !shown.has(s.name)).map((s) => s.name)).toEqual([]);
  });

  it('hold no placeholder in an offline sample', () => {
    expect(marked.filter(({ block }) => block.output === PLACEHOLDER && SAMPLES.find((s) => s.name === block.name)?.kind === SampleKind.offline)).toEqual([]);
  });

  it.each(SAMPLES.filter((s) => s.kind === SampleKind.offline))('$name: `$command` prints what the docs show', async (spec) => {
    const { text, code } = await run(spec);
    expect(code, text).toBe(spec.exit);
    const output = canonical(text);
    if (updating()) {
      recordSample(spec, output);
      return;
    }
    for (const { page, block } of blocksOf(spec.name)) {
      expect(normalise(block.output), `${page}: sample ${spec.name} is stale: PAAS_UPDATE_SAMPLES=1 npx vitest run test/unit/docs/samples.test.ts`).toBe(
        normalise(output),
      );
    }
  });
});

describe('the normaliser', () => {
  const run1 = [
    'Deployment samples-1a2b3c4d/web  revision 2  new ReplicaSet web-575b7b5585  deploy-id 0b1e6f2a-5c3d-4e7f-8a9b-0c1d2e3f4a5b',
    '    new  web-575b7b5585  revision 2  deploy-id 0b1e6f2a  0/1 ready',
    '    old  web-57bf87dfdd  revision 1  deploy-id 9e8d7c6b  3/3 ready',
    '  image paas.local/testapp:1.0.1-typo',
    '    Evidence:',
    '      Warning Failed ×2 on Pod/web-575b7b5585-tqz6g (first 17s ago, last 2s ago)',
    '        Failed to pull image',
    '      Normal BackOff ×1 on Pod/web-575b7b5585-tqz6g (first 17s ago, last 17s ago)',
    '        Back-off pulling image',
    '    Logs of app in pod web-575b7b5585-tqz6g:',
    '      2026-11-28T09:42:50.278257878Z testapp: listening on :8080',
    'REVISION  AGE  PODS',
    '2         59s  0/0',
  ].join('\n');
  // Another run of the same: other names, ids, ages and counts, the evidence begun in another order.
  const run2 = [
    'Deployment samples-9f8e7d6c/web  revision 2  new ReplicaSet web-6c8d9f7b4  deploy-id 7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d',
    '    new  web-6c8d9f7b4  revision 2  deploy-id 7a6b5c4d  0/1 ready',
    '    old  web-5b7c9d8f6  revision 1  deploy-id 1f2e3d4c  3/3 ready',
    '  image paas.local/testapp:1.0.1-typo',
    '    Evidence:',
    '      Normal BackOff ×2 on Pod/web-6c8d9f7b4-zx9k2 (first 1m2s ago, last 3s ago)',
    '        Back-off pulling image',
    '      Warning Failed ×4 on Pod/web-6c8d9f7b4-zx9k2 (first 1m3s ago, last 3s ago)',
    '        Failed to pull image',
    '    Logs of app in pod web-6c8d9f7b4-zx9k2:',
    '      2026-12-01T10:00:00.1Z testapp: listening on :8080',
    'REVISION  AGE    PODS',
    '2         2m10s  0/0',
  ].join('\n');

  it("gives two runs of the same command the docs' names, and then the same text", () => {
    expect(normalise(run1, { namespace: 'samples-1a2b3c4d' })).toBe(normalise(run2, { namespace: 'samples-9f8e7d6c' }));
    expect(canonical(run1, { namespace: 'samples-1a2b3c4d' }).split('\n').slice(0, 4)).toEqual([
      'Deployment shop/web  revision 2  new ReplicaSet web-7d4f8b9c6d  deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10',
      '    new  web-7d4f8b9c6d  revision 2  deploy-id 5f0c2a9e  0/1 ready',
      '    old  web-5f6c9b8d7f  revision 1  deploy-id 8c1e4b7a  3/3 ready',
      '  image registry.example/shop/web:1.0.1-typo',
    ]);
  });

  it('changes nothing in a block it wrote', () => {
    const once = canonical(run1, { namespace: 'samples-1a2b3c4d' });
    expect(canonical(once)).toBe(once);
    expect(canonical(once, { namespace: 'samples-1a2b3c4d' })).toBe(once);
  });

  // Controls: what a sample is for still shows.
  it.each([
    ['a replica count', '0/1 ready', '1/1 ready'],
    ['a reason', 'ErrImagePull', 'ImagePullBackOff'],
    ['an exit code', 'exit code 1', 'exit code 2'],
    ['a line more', 'Next:', 'Next:\n  kubectl rollout undo deployment/web -n shop'],
    ['a revision', 'revision 2', 'revision 3'],
  ])('keeps %s apart', (_what, a, b) => {
    expect(normalise(run1.replace('0/1 ready', a))).not.toBe(normalise(run1.replace('0/1 ready', b)));
  });

  it('keeps two pods of one ReplicaSet apart, and the new ReplicaSet apart from the old', () => {
    expect(normalise('web-575b7b5585-tqz6g web-575b7b5585-b2c4d')).toBe('web-7d4f8b9c6d-4xk2p web-7d4f8b9c6d-7mq9z');
    expect(normalise('web-575b7b5585-tqz6g web-575b7b5585-tqz6g')).not.toBe(normalise('web-575b7b5585-tqz6g web-575b7b5585-b2c4d'));
    expect(normalise('new web-575b7b5585 old web-57bf87dfdd')).not.toBe(normalise('new web-575b7b5585 old web-575b7b5585'));
  });

  it('names an object alike in every sample of one run, a deploy-id seen short before whole included', () => {
    const names = new DocNames({ namespace: 'samples-1a2b3c4d' });
    const status = names.apply('new web-575b7b5585 deploy-id 0b1e6f2a-5c3d-4e7f-8a9b-0c1d2e3f4a5b, old web-57bf87dfdd deploy-id 9e8d7c6b');
    const history = names.apply(
      '2 0b1e6f2a-5c3d-4e7f-8a9b-0c1d2e3f4a5b failed\n3 (was 1) 9e8d7c6b-1a2b-4c3d-8e9f-0a1b2c3d4e5f current, pods web-57bf87dfdd-tqz6g',
    );
    expect(status).toBe('new web-7d4f8b9c6d deploy-id 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10, old web-5f6c9b8d7f deploy-id 8c1e4b7a');
    expect(history).toBe('2 5f0c2a9e-7b1d-4c3e-9a8f-6e5d4c3b2a10 failed\n3 (was 1) 8c1e4b7a-2d9f-4e6b-b3a5-1f7c9d2e8a46 current, pods web-5f6c9b8d7f-4xk2p');
    // What a run wrote is what a fresh reading of it and of the run makes the same.
    expect(normalise(history)).toBe(
      normalise('2 0b1e6f2a-5c3d-4e7f-8a9b-0c1d2e3f4a5b failed\n3 (was 1) 9e8d7c6b-1a2b-4c3d-8e9f-0a1b2c3d4e5f current, pods web-57bf87dfdd-tqz6g'),
    );
  });

  it('leaves what is not a name, a time or a count alone', () => {
    expect(loose('cpu 64Mi, image web:1.0.1-typo, 3 desired, web-config')).toBe('cpu 64Mi, image web:1.0.1-typo, 3 desired, web-config');
    expect(canonical('deployment/web-optout and api-server')).toBe('deployment/web-optout and api-server');
  });

  it('writes a sample into every block of its name and reads it back', () => {
    const md = ['# t', '<!-- sample: logs -->', '```console', `$ x`, PLACEHOLDER, '```', 'text', '<!-- sample: logs -->', '```console', '```', ''].join('\n');
    const written = writeSample(md, 'logs', 'kubectl paas logs web -n shop --tail 2', 'a\nb\n');
    expect(findSamples(written).map((b) => [b.command, b.output])).toEqual([
      ['kubectl paas logs web -n shop --tail 2', 'a\nb'],
      ['kubectl paas logs web -n shop --tail 2', 'a\nb'],
    ]);
    expect(() => findSamples('<!-- sample: x -->\ntext')).toThrow(/not followed by a fenced block/);
  });
});
