import { defineConfig } from 'vitest/config';
import OwnersLast from './test/e2e/setup/sequencer.js';

// Two projects: `unit` (pure logic and in-process servers, fast) and `e2e` (a real
// kube-apiserver, kube-controller-manager, kube-scheduler, kwok and two real nodes, brought up
// once by test/e2e/setup/global.ts). `make test` runs both.
export default defineConfig({
  test: {
    // Vitest reads the order of files from the root only: e2e files that own the cluster last
    // (unit files own nothing: their order is vitest's own).
    sequence: { sequencer: OwnersLast },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/setup/global.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // One cluster, two files at a time, each in namespaces of its own; a file that owns the
          // whole cluster for its run (it installs the webhook in paas-system, or drains a node)
          // runs alone (test/e2e/lib/locks.ts), after the others (setup/sequencer.ts).
          setupFiles: ['test/e2e/setup/share-cluster.ts'],
          pool: 'forks',
          isolate: true,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
