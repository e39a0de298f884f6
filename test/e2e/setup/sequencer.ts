// The order the e2e files start in, two at a time: first those that share the cluster (longest
// first, as vitest orders them), then those that own it for their run (test/e2e/lib/locks.ts),
// which run one at a time: started early, an owner would wait for its neighbour and then hold
// every other file back.
import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const owns = (file: string): boolean => readFileSync(file, 'utf8').includes('ownClusterForThisFile()');

export default class OwnersLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => !owns(f.moduleId)), ...sorted.filter((f) => owns(f.moduleId))];
  }
}
