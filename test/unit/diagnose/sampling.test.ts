import { describe, expect, it } from 'vitest';
import { podSignature, samplePods } from '../../../plugin/diagnose/sampling.js';
import type { Pod } from '../../../plugin/diagnose/model.js';
import { loadFixture } from './fixtures.js';

const pull = loadFixture('image-not-found').snapshot.pods; // three pods failing alike
const crash = loadFixture('crashloop').snapshot.pods.filter((p) => p.metadata.name.startsWith('web-7d4f8b9c6'));

function renamed(p: Pod, name: string): Pod {
  return { ...p, metadata: { ...p.metadata, name, uid: `${name}-uid` } };
}

describe('podSignature', () => {
  it('is equal for pods failing alike and differs across kinds of failure', () => {
    expect(new Set(pull.map(podSignature)).size).toBe(1);
    expect(podSignature(crash[0]!)).not.toBe(podSignature(pull[0]!));
  });
});

describe('samplePods', () => {
  it('takes a few of each kind before more of any one kind', () => {
    const crashes = [0, 1, 2, 3].map((i) => renamed(crash[0]!, `crash-${i}`));
    const got = samplePods([...pull, ...crashes], 2, 10).map((p) => p.metadata.name);
    expect(got).toEqual(['web-7d4f8b9c6-x2k4p', 'crash-0', 'web-7d4f8b9c6-9qv7d', 'crash-1']);
  });
  it('never takes more than the maximum', () => {
    expect(samplePods(pull, 3, 2)).toHaveLength(2);
  });
});
