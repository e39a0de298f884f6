import { describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '../../../plugin/kube/objects.js';
import { podsOfReplicaSet, revisionOf, splitReplicaSets, templatesEqualIgnoringHash } from '../../../plugin/kube/replica-sets.js';

const template = (image: string, extra: Record<string, string> = {}) => ({
  metadata: { labels: { app: 'web', ...extra } },
  spec: { containers: [{ name: 'app', image }] },
});

const deployment: Deployment = {
  metadata: { name: 'web', namespace: 'shop', uid: 'd-1' },
  spec: { replicas: 3, template: template('web:2') },
};

function rs(name: string, image: string, opts: { rev: number; created: string; owner?: string; hash?: string }): ReplicaSet {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: opts.created,
      annotations: { 'deployment.kubernetes.io/revision': String(opts.rev) },
      ownerReferences: [{ kind: 'Deployment', name: 'web', uid: opts.owner ?? 'd-1', controller: true }],
    },
    spec: { template: template(image, { 'pod-template-hash': opts.hash ?? name.split('-')[1] ?? '' }) },
  };
}

describe('templatesEqualIgnoringHash', () => {
  it.each([
    { name: 'ignores pod-template-hash', a: template('x', { 'pod-template-hash': 'abc' }), b: template('x'), equal: true },
    { name: 'sees an image change', a: template('x'), b: template('y'), equal: false },
    {
      name: 'treats an empty list as absent',
      a: { ...template('x'), spec: { containers: [{ name: 'app', image: 'x' }], initContainers: [] } },
      b: template('x'),
      equal: true,
    },
    { name: 'sees a new label', a: template('x', { tier: 'fe' }), b: template('x'), equal: false },
    {
      name: 'compares a Date with its wire string',
      a: { metadata: { creationTimestamp: new Date('2026-01-01T00:00:00Z') } } as never,
      b: { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' } } as never,
      equal: true,
    },
  ])('$name', ({ a, b, equal }) => {
    expect(templatesEqualIgnoringHash(a, b)).toBe(equal);
  });
});

describe('splitReplicaSets', () => {
  it('picks the ReplicaSet whose template matches as new, old ones newest revision first', () => {
    const rs1 = rs('web-aaa', 'web:1', { rev: 1, created: '2026-01-01T00:00:00Z' });
    const rs2 = rs('web-bbb', 'web:2', { rev: 2, created: '2026-01-02T00:00:00Z' });
    const rs3 = rs('web-ccc', 'web:3', { rev: 3, created: '2026-01-03T00:00:00Z' });
    const { newRS, oldRSs } = splitReplicaSets(deployment, [rs1, rs3, rs2]);
    expect(newRS?.metadata?.name).toBe('web-bbb');
    expect(oldRSs.map((r) => r.metadata?.name)).toEqual(['web-ccc', 'web-aaa']);
  });

  it('has no new ReplicaSet before the controller creates it', () => {
    const { newRS, oldRSs } = splitReplicaSets(deployment, [rs('web-aaa', 'web:1', { rev: 1, created: '2026-01-01T00:00:00Z' })]);
    expect(newRS).toBeUndefined();
    expect(oldRSs).toHaveLength(1);
  });

  it('ignores ReplicaSets another Deployment controls', () => {
    const foreign = rs('web-zzz', 'web:2', { rev: 9, created: '2026-01-01T00:00:00Z', owner: 'd-2' });
    const { newRS, oldRSs } = splitReplicaSets(deployment, [foreign]);
    expect(newRS).toBeUndefined();
    expect(oldRSs).toEqual([]);
  });

  it('takes the oldest of two equal templates, as the controller does', () => {
    const a = rs('web-bbb', 'web:2', { rev: 4, created: '2026-01-02T00:00:00Z' });
    const b = rs('web-aaa', 'web:2', { rev: 5, created: '2026-01-01T00:00:00Z' });
    expect(splitReplicaSets(deployment, [a, b]).newRS?.metadata?.name).toBe('web-aaa');
  });
});

describe('podsOfReplicaSet and revisionOf', () => {
  it('keeps only the pods the ReplicaSet controls', () => {
    const owner = rs('web-bbb', 'web:2', { rev: 2, created: '2026-01-02T00:00:00Z' });
    const pod = (name: string, uid: string): Pod => ({
      metadata: { name, ownerReferences: [{ kind: 'ReplicaSet', name: 'x', uid, controller: true }] },
    });
    const pods = [pod('web-bbb-1', 'uid-web-bbb'), pod('web-aaa-1', 'uid-web-aaa'), { metadata: { name: 'orphan' } }];
    expect(podsOfReplicaSet(owner, pods).map((p) => p.metadata?.name)).toEqual(['web-bbb-1']);
  });

  it.each([
    { value: '7', expected: 7 },
    { value: 'seven', expected: undefined },
    { value: undefined, expected: undefined },
  ])('reads revision annotation $value as $expected', ({ value, expected }) => {
    const annotations: Record<string, string> = value === undefined ? {} : { 'deployment.kubernetes.io/revision': value };
    expect(revisionOf({ metadata: { annotations } })).toBe(expected);
  });
});
