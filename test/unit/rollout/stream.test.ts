import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { rolloutStatus, type RolloutView } from '../../../plugin/rollout/status.js';
import { streamChange, type StreamFormat } from '../../../plugin/rollout/stream.js';
import { snapshot } from './fixtures.js';

const at = (name: string, i: number, laterMs = 0): RolloutView => {
  const s = snapshot(name, i);
  return rolloutStatus(s.deployment, s.replicaSets, s.pods, Date.parse(s.now) + laterMs);
};

const json = (single: boolean): StreamFormat => ({ format: 'json', single });
const yaml = (single: boolean): StreamFormat => ({ format: 'yaml', single, yaml: stringify });

// rolling-update: 0 and 1 differ in `updated`, 2 is old pods pending termination, 3 is Completed.
const cases: {
  name: string;
  printed: () => RolloutView[] | undefined;
  next: () => RolloutView[];
  f: StreamFormat;
  expected: 'nothing' | 'document' | 'separated';
  /** The document's state (a list's worst) and each Deployment's name and updated replicas. */
  want?: { rollout_status: string; items: [name: string, updated: number][] };
}[] = [
  {
    name: 'json: the first view is written',
    printed: () => undefined,
    next: () => [at('rolling-update', 0)],
    f: json(true),
    want: { rollout_status: 'InProgress', items: [['web', 1]] },
    expected: 'document',
  },
  {
    name: 'json: more updated replicas is a change',
    printed: () => [at('rolling-update', 0)],
    next: () => [at('rolling-update', 1)],
    f: json(true),
    want: { rollout_status: 'InProgress', items: [['web', 2]] },
    expected: 'document',
  },
  {
    name: 'json: old pods pending termination is a change',
    printed: () => [at('rolling-update', 1)],
    next: () => [at('rolling-update', 2)],
    f: json(true),
    want: { rollout_status: 'InProgress', items: [['web', 3]] },
    expected: 'document',
  },
  {
    name: 'json: Completed is a change',
    printed: () => [at('rolling-update', 2)],
    next: () => [at('rolling-update', 3)],
    f: json(true),
    want: { rollout_status: 'Completed', items: [['web', 3]] },
    expected: 'document',
  },
  {
    name: 'json: the same view again writes nothing',
    printed: () => [at('rolling-update', 1)],
    next: () => [at('rolling-update', 1)],
    f: json(true),
    expected: 'nothing',
  },
  {
    name: 'json: only the deadline countdown moving writes nothing',
    printed: () => [at('never-ready', -1)],
    next: () => [at('never-ready', -1, 5_000)],
    f: json(true),
    expected: 'nothing',
  },
  { name: 'json: nothing to show writes nothing', printed: () => undefined, next: () => [], f: json(true), expected: 'nothing' },
  {
    name: 'yaml: the first document has no separator',
    printed: () => undefined,
    next: () => [at('rolling-update', 0)],
    f: yaml(true),
    want: { rollout_status: 'InProgress', items: [['web', 1]] },
    expected: 'document',
  },
  {
    name: 'yaml: a later document starts with ---',
    printed: () => [at('rolling-update', 0)],
    next: () => [at('rolling-update', 3)],
    f: yaml(true),
    want: { rollout_status: 'Completed', items: [['web', 3]] },
    expected: 'separated',
  },
  {
    name: 'yaml: the same view again writes nothing',
    printed: () => [at('rolling-update', 3)],
    next: () => [at('rolling-update', 3)],
    f: yaml(true),
    expected: 'nothing',
  },
];

describe('streamChange over several workloads: one document per workload that changed, each naming its workload', () => {
  const lines = (out: string | undefined) =>
    (out ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as RolloutView);
  const ids = (vs: RolloutView[]) => vs.map((v) => [v.kind, v.namespace, v.name, v.replicas.updated]);

  it.each([
    {
      name: 'the first look writes a line for each, in the order followed',
      printed: () => undefined,
      next: () => [at('paused', 0), at('rolling-update', 0)],
      want: [
        ['Deployment', 'rollout-capture-mwsvb3od', 'paused', 0],
        ['Deployment', 'rollout-capture-mwsvb3od', 'web', 1],
      ],
    },
    {
      name: 'one of several changing writes only its line',
      printed: () => [at('paused', 0), at('rolling-update', 0)],
      next: () => [at('paused', 0), at('rolling-update', 1)],
      want: [['Deployment', 'rollout-capture-mwsvb3od', 'web', 2]],
    },
    {
      name: 'none changing writes nothing',
      printed: () => [at('paused', 0), at('rolling-update', 1)],
      next: () => [at('paused', 0), at('rolling-update', 1)],
      want: [],
    },
  ])('$name', ({ printed, next, want }) => {
    expect(ids(lines(streamChange(printed(), next(), json(false))))).toEqual(want);
  });

  it('yaml: each document after the very first starts with ---', () => {
    const first = streamChange(undefined, [at('paused', 0), at('rolling-update', 0)], yaml(false))!;
    expect(first.startsWith('---')).toBe(false);
    expect(first.match(/^---$/gm)).toHaveLength(1);
    const later = streamChange([at('paused', 0), at('rolling-update', 0)], [at('paused', 0), at('rolling-update', 1)], yaml(false))!;
    expect(later.startsWith('---\n')).toBe(true);
    expect(parseAllDocuments(later).map((d) => (d.toJS() as RolloutView).name)).toEqual(['web']);
  });
});

describe('streamChange (a watched -o json|yaml: a document per change)', () => {
  it.each(cases)('$name', ({ printed, next, f, expected, want }) => {
    const views = next();
    const out = streamChange(printed(), views, f);
    if (expected === 'nothing') {
      expect(out).toBeUndefined();
      return;
    }
    expect(out).toBeDefined();
    let doc: unknown;
    if (f.format === 'json') {
      // NDJSON: exactly one line.
      expect(out!.endsWith('\n')).toBe(true);
      expect(out!.slice(0, -1)).not.toContain('\n');
      doc = JSON.parse(out!);
    } else {
      expect(out!.startsWith('---\n')).toBe(expected === 'separated');
      doc = parseYaml(out!.replace(/^---\n/, ''));
    }
    // The document -o json prints at the end (docs/json-output.md's shape): one named Deployment's view, whole.
    const plain = JSON.parse(JSON.stringify(views)) as RolloutView[];
    expect(doc).toEqual(plain[0]);
    const v = doc as RolloutView;
    expect({ rollout_status: v.rollout_status, items: [[v.name, v.replicas.updated]] }).toEqual(want);
  });

  it('a whole watched rollout reads back as one document per change, ending Completed', () => {
    const steps = [0, 0, 1, 1, 2, 3, 3].map((i) => [at('rolling-update', i)]);
    const write = (f: StreamFormat): string => {
      let printed: RolloutView[] | undefined;
      let text = '';
      for (const vs of steps) {
        const out = streamChange(printed, vs, f);
        if (out === undefined) continue;
        text += out;
        printed = vs;
      }
      return text;
    };
    const lines = write(json(true))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as RolloutView);
    expect(lines.map((v) => v.rollout_status)).toEqual(['InProgress', 'InProgress', 'InProgress', 'Completed']);
    const docs = parseAllDocuments(write(yaml(true))).map((d) => d.toJS() as RolloutView);
    expect(docs).toEqual(lines);
  });
});
