// The order the e2e files start in, two at a time: first those that share the cluster, the
// longest first (so the two workers end together; vitest's own order by past durations has no
// past on a fresh clone), then those that own it for their run (test/e2e/lib/locks.ts), which run
// one at a time: started early, an owner would wait for its neighbour and then hold every other
// file back.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The files that take longest (minutes, measured in make test's runs): started first. */
const LONGEST = ['diagnose-real', 'zero-downtime', 'policy-rules', 'yaml-fidelity', 'rollback-history', 'admission-policy', 'node-versions'];

const owns = (file: string): boolean => readFileSync(file, 'utf8').includes('ownClusterForThisFile()');
const rank = (file: string): number => {
  const i = LONGEST.indexOf(basename(file).replace(/\.test\.ts$/, ''));
  return i === -1 ? LONGEST.length : i;
};

export default class OwnersLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const shared = sorted.filter((f) => !owns(f.moduleId));
    // Stable: among the files not named, vitest's order.
    const byRank = shared.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f.moduleId) - rank(b.f.moduleId) || a.i - b.i);
    return [...byRank.map((x) => x.f), ...sorted.filter((f) => owns(f.moduleId))];
  }
}
