import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start their own moto on a free port; two at a time suits two cores.
    maxWorkers: 2,
    // moto's EC2 loads thousands of default AMIs at every reset (0.2-0.4 s a world); nothing here launches an instance.
    env: { MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' },
    // Clears the fault suites' tallies before a run and prints their one summary line after it.
    globalSetup: ['test/faults/summary.ts'],
  },
});
