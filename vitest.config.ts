import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/longest-first.ts';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration files each start their own moto on a free port. Three at a time on two cores: a file
    // waits on its moto (and on Chromium, the CLI's polls) part of the time, which a third fills; measured
    // on a quiet 2-core machine, 565 s of vitest against 598 s with two (before moto was forked from a zygote).
    maxWorkers: 3,
    // The longest files start first, so the two workers end together (test/longest-first.ts).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        extends: true,
        // Unit tests share their workers' module cache (no new worker per file: about a minute less on 2
        // cores). They hold no AWS client, moto or module mock; one that stubs env or stdout restores it.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        // Handlers against moto, the sandbox and the fault sweeps keep a fresh module graph per file.
        test: {
          name: 'aws',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          // Clears the fault suites' tallies before a run and prints their one summary line after it.
          // It also checks the permissions of the AWS calls the handlers made, which the setup file records.
          globalSetup: ['test/faults/summary.ts', 'test/helpers/moto-zygote-setup.ts'],
          setupFiles: ['test/helpers/handler-calls-setup.ts'],
        },
      },
    ],
  },
});
