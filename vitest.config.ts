import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic and in-process servers, fast) and `e2e` (a real
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok, brought up once by
// test/e2e/setup/global.ts). `make test` runs both.
export default defineConfig({
  test: {
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
          // One control plane on two cores: files run one at a time, each in its own namespace.
          fileParallelism: false,
          maxWorkers: 1,
        },
      },
    ],
  },
});
