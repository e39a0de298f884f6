// The paas.io/deploy-id label: a new UUID exactly when a rollout starts.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../core/policy/index.js';
import { deployment, mutate, policy } from './fixtures.js';

const ID = 'paas.io/deploy-id';
const idOf = (o: JsonObject): unknown =>
  ((((o.spec as JsonObject).template as JsonObject).metadata as JsonObject | undefined)?.labels as JsonObject | undefined)?.[ID];

/** A Deployment as the webhook would have stored it: policy applied, id stamped. */
function stored(id: string, over: Parameters<typeof deployment>[0] = {}): JsonObject {
  const d = withId(deployment(over), id);
  return mutate(d, { stampId: true }).object;
}
function withId(d: JsonObject, id: string | undefined): JsonObject {
  const copy = structuredClone(d);
  const meta = ((copy.spec as JsonObject).template as JsonObject).metadata as JsonObject;
  const labels = meta.labels as JsonObject;
  if (id === undefined) delete labels[ID];
  else labels[ID] = id;
  return copy;
}
function setImage(d: JsonObject, image: string): JsonObject {
  const copy = structuredClone(d);
  (((copy.spec as JsonObject).template as JsonObject).spec as { containers: JsonObject[] }).containers[0]!.image = image;
  return copy;
}
/** The id after the webhook's patch, and the warnings. */
function roll(object: JsonObject, old: JsonObject | null) {
  const r = mutate(object, { old, stampId: true });
  return { id: idOf(r.object), warnings: r.warnings, patch: r.patch, changes: r.changes };
}

describe('deploy-id on CREATE', () => {
  it('stamps a new id, creating the labels map when there is none', () => {
    const d = deployment();
    delete (((d.spec as JsonObject).template as JsonObject).metadata as JsonObject).labels;
    const r = roll(d, null);
    expect(r.id).toBe('id-1');
    expect(r.patch).toContainEqual({ op: 'add', path: '/spec/template/metadata/labels', value: { [ID]: 'id-1' } });
    expect(r.warnings).toContain('paas: deploy-id id-1 (new rollout)');
    expect(r.changes).toContain('deploy-id');
  });

  it('creates template metadata when it is missing (kustomize bases)', () => {
    const d = deployment();
    delete ((d.spec as JsonObject).template as JsonObject).metadata;
    expect(roll(d, null).patch).toContainEqual({ op: 'add', path: '/spec/template/metadata', value: { labels: { [ID]: 'id-1' } } });
  });

  it('escapes the label key in the pointer', () => {
    expect(roll(deployment(), null).patch).toContainEqual({ op: 'add', path: '/spec/template/metadata/labels/paas.io~1deploy-id', value: 'id-1' });
  });

  it('keeps an incoming id', () => {
    const r = roll(withId(deployment(), 'mine'), null);
    expect(r.id).toBe('mine');
    expect(r.changes).not.toContain('deploy-id');
  });

  it('never stamps offline (stampId false) and never calls newId', () => {
    const r = mutate(deployment(), { stampId: false });
    expect(r.patch.some((op) => op.path.includes('deploy-id'))).toBe(false);
  });
});

describe('deploy-id on UPDATE', () => {
  const old = stored('old-id');
  it.each([
    { name: 're-applying the same manifest (no label) restores the old id', object: () => withId(deployment(), undefined), want: 'old-id' },
    { name: 're-applying the stored object keeps it', object: () => structuredClone(old), want: 'old-id' },
    {
      name: 'scaling keeps it',
      object: () => {
        const c = structuredClone(old);
        (c.spec as JsonObject).replicas = 9;
        return c;
      },
      want: 'old-id',
    },
    {
      name: 'a strategy-only change keeps it',
      object: () => withId(deployment({ spec: { strategy: { type: 'Recreate' } } }), undefined),
      want: 'old-id',
    },
    { name: 'a manifest with a stale id and the same template restores the old id', object: () => withId(deployment(), 'stale'), want: 'old-id' },
    { name: 'a new image starts a rollout with a new id', object: () => setImage(withId(deployment(), undefined), 'nginx:1.28'), want: 'id-1' },
    { name: 'a new image carrying the old id gets a new id', object: () => setImage(structuredClone(old), 'nginx:1.28'), want: 'id-1' },
    {
      name: 'rollout undo (older template with its own id) keeps that id',
      object: () => setImage(withId(deployment(), 'older-id'), 'nginx:1.26'),
      want: 'older-id',
    },
  ])('$name', ({ object, want }) => {
    expect(roll(object(), old).id).toBe(want);
  });

  it('says the id was kept when it restores it', () => {
    expect(roll(withId(deployment(), undefined), old).warnings).toContain('paas: deploy-id old-id kept: pod template unchanged');
  });

  it('a config change that alters the template starts a rollout', () => {
    const r = mutate(withId(deployment(), undefined), { old, stampId: true, policy: policy({ prestopSleep: 10 }) });
    expect(r.warnings).toContain('paas: deploy-id id-1 (new rollout)');
  });

  it('an old object stored before the webhook (no id) with the same template gets no label', () => {
    const before = mutate(deployment(), { stampId: false }).object;
    expect(roll(withId(deployment(), undefined), before).id).toBeUndefined();
    const r = roll(withId(deployment(), 'x'), before);
    expect(r.id).toBeUndefined();
    expect(r.patch).toContainEqual({ op: 'remove', path: '/spec/template/metadata/labels/paas.io~1deploy-id' });
  });

  it('is idempotent under reinvocation: the second pass keeps the first pass id', () => {
    for (const object of [setImage(withId(deployment(), undefined), 'nginx:2'), withId(deployment(), undefined), withId(deployment(), 'stale')]) {
      const first = mutate(object, { old, stampId: true });
      const after = first.object;
      expect(mutate(after, { old, stampId: true }).patch).toEqual([]);
    }
  });
});
