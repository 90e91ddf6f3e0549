/**
 * `npm run bench:launch-burst` (and the fourth part of `npm run bench`): issue 16's burst, 300 jobs firing
 * at the same minute, against moto, with ECS's RunTask throttling injected at the SDK boundary at the
 * documented Fargate task launch rate (a bucket of 100, refilled at 20 a second: "AWS Fargate throttling
 * quotas"), in real time, with run-batch-job's production retries (shared/aws/throttle-backoff.ts). Reports
 * whether every job launched exactly once with no invocation failing (a failed one is retried by Lambda
 * and at last dead-lettered), the throttled calls, and the time to the last launch.
 * BENCH_BURST_JOBS, BENCH_BURST_SIZE and BENCH_BURST_RATE change the figures. A benchmark: it exits 0;
 * results in .bench/launch-burst.json. test/integration/scale.test.ts runs a small burst in the suite.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../sandbox/emulator.ts';
import { launchBurst } from '../test/helpers/launch-burst.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, '.bench');
const jobs = Number(process.env.BENCH_BURST_JOBS ?? 300);
const burst = Number(process.env.BENCH_BURST_SIZE ?? 100);
const perSecond = Number(process.env.BENCH_BURST_RATE ?? 20);

console.log(`launch burst: ${jobs} jobs at the same minute, RunTask throttled above a bucket of ${burst} refilled at ${perSecond}/s`);
const emulator = await startEmulator();
try {
  const started = performance.now();
  const result = await launchBurst(emulator, { jobs, burst, perSecond });
  const counts = [...result.tasksPerJob.values()];
  const exactlyOnce = result.tasksPerJob.size === jobs && counts.every((count) => count === 1);
  const summary = {
    jobs,
    bucket: { burst, perSecond },
    launchedExactlyOnce: exactlyOnce,
    jobsLaunched: result.tasksPerJob.size,
    tasks: counts.reduce((sum, count) => sum + count, 0),
    failedInvocations: result.thrown.length,
    runTaskCalls: result.runTaskCalls,
    throttled: result.throttled,
    lastLaunchSeconds: result.lastLaunchMs / 1000,
    /** The least the bucket allows: the burst at once, the rest at its rate. */
    fastestPossibleSeconds: Math.max(0, (jobs - burst) / perSecond),
    wallSeconds: Math.round(performance.now() - started) / 1000,
  };
  console.log(
    `  ${summary.jobsLaunched}/${jobs} jobs launched (${summary.tasks} tasks, exactly once each: ${exactlyOnce}), ${summary.failedInvocations} invocations failed`,
  );
  console.log(`  ${summary.runTaskCalls} RunTask calls, ${summary.throttled} throttled`);
  console.log(
    `  last launch ${summary.lastLaunchSeconds.toFixed(1)} s after the firings (the bucket allows ${summary.fastestPossibleSeconds.toFixed(1)} s at best)`,
  );
  for (const failure of result.thrown.slice(0, 5)) console.log(`  failed: ${failure}`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'launch-burst.json'), `${JSON.stringify(summary, null, 2)}\n`);
} finally {
  await emulator.stop();
}
