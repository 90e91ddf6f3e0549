import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start their own moto on a free port; two at a time suits two cores.
    maxWorkers: 2,
    // Clears the fault suites' tallies before a run and prints their one summary line after it.
    globalSetup: ['test/faults/summary.ts'],
  },
});
