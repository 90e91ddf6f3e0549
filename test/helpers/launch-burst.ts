/**
 * A burst of jobs firing at the same minute (issue 16 §1), against moto: every job's firing delivered to
 * run-batch-job at once, each invocation with its own runtime and clients (as Lambda runs them, one
 * instance each), and ECS's RunTask throttling injected at the SDK boundary, in front of moto: a token
 * bucket per account, `burst` tokens, refilled at `perSecond` (AWS Fargate throttling quotas: task
 * launches burst 100, sustained 20 a second), every RunTask beyond it answered ThrottlingException as
 * ECS answers it. moto throttles nothing; the injector sits below the SDK's retry middleware, so each
 * retry meets the bucket again. Real time: the SDK waits for real.
 * Used by test/integration/stack-scale.test.ts (small) and bench/launch-burst.ts (300 jobs).
 */
import { DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { runBatchJob } from '../../functions/run-batch-job.ts';
import { EMULATOR_REGION, type Emulator, emulatorClientConfig } from '../../sandbox/emulator.ts';
import { seedSandbox } from '../../sandbox/seed.ts';
import { EmulatorTimers } from '../../sandbox/timers.ts';
import { ECS_ATTEMPTS, ECS_THROTTLE_BACKOFF, ECS_WAIT_BUDGET_SECONDS, jitteredBackoffRetries } from '../../shared/aws/throttle-backoff.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { createJobRuntime } from '../../shared/jobs/runtime.ts';
import type { Log } from '../../shared/logger.ts';

export interface BurstOptions {
  jobs: number;
  /** The injected bucket: its size and refill per second. */
  burst: number;
  perSecond: number;
  /**
   * Runs the burst `timeScale` times faster than it would be: the bucket refills that much faster and the
   * ECS retries wait that much less (the production strategy, its back-off and budget divided by it), so the
   * same race plays out in a fraction of the time. 1 (the bench): the production strategy itself.
   */
  timeScale?: number;
}

export interface BurstResult {
  jobs: number;
  /** Invocations that threw: each would be retried by Lambda and, at last, dead-lettered. */
  thrown: string[];
  /** Tasks started, per job. */
  tasksPerJob: Map<string, number>;
  runStatuses: Map<string, string>;
  runTaskCalls: number;
  throttled: number;
  /** From the firings' delivery to the last successful RunTask, in the burst's own time (times timeScale). */
  lastLaunchMs: number;
  /** The most RunTask calls that succeeded in any one (real) second. */
  busiestSecond: number;
}

const quietLog: Log = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };
const CLUSTER = 'burst';
const SCHEDULED = '2026-12-07T02:00:00Z';

/** A token bucket over real time. */
function tokenBucket(size: number, perSecond: number) {
  let tokens = size;
  let at = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(size, tokens + ((now - at) / 1000) * perSecond);
    at = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

function throttlingException(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

export async function launchBurst(emulator: Emulator, options: BurstOptions): Promise<BurstResult> {
  const names = Array.from({ length: options.jobs }, (_, i) => `export-${String(i).padStart(4, '0')}`);
  const automation = validateAutomation({
    defaults: {
      cluster: CLUSTER,
      launchType: 'FARGATE',
      network: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60001'] },
    },
    jobs: Object.fromEntries(names.map((name) => [name, { schedule: 'cron(0 2 * * ? *)', taskDefinition: 'export' }])),
  });
  const world = await seedSandbox(emulator, automation, { stage: 'test' });
  const timers = new EmulatorTimers(world);
  const take = tokenBucket(options.burst, options.perSecond * (options.timeScale ?? 1));
  const launches: number[] = [];
  let runTaskCalls = 0;
  let throttled = 0;
  const started = performance.now();
  // The production retries (throttle-backoff.ts), scaled in time: the emulator's client settings but for their single attempt.
  const scale = options.timeScale ?? 1;
  const clientConfig = {
    ...emulatorClientConfig(emulator.endpoint),
    maxAttempts: undefined,
    ...(scale !== 1 && {
      ecsRetryStrategy: jitteredBackoffRetries(ECS_ATTEMPTS, {
        backoff: { initialSeconds: ECS_THROTTLE_BACKOFF.initialSeconds / scale, maxSeconds: ECS_THROTTLE_BACKOFF.maxSeconds / scale },
        budgetSeconds: ECS_WAIT_BUDGET_SECONDS / scale,
      }),
    }),
  };
  const now = new Date(Date.parse(SCHEDULED) + 5_000);
  const thrown: string[] = [];
  const answers = await Promise.all(
    names.map(async (job) => {
      const rt = createJobRuntime({
        automation,
        tableName: world.tableName,
        busName: world.busName,
        clientConfig,
        timers,
        log: quietLog,
        now: () => now,
        sleep: async () => {},
        leaseSeconds: 120,
      });
      rt.ecs.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== 'RunTaskCommand') return next(args);
          runTaskCalls += 1;
          if (!take()) {
            throttled += 1;
            throw throttlingException();
          }
          const output = await next(args);
          launches.push(performance.now() - started);
          return output;
        },
        { step: 'deserialize', name: 'injectRunTaskThrottling', priority: 'high' },
      );
      try {
        return await runBatchJob({ job, scheduledTime: SCHEDULED }, rt);
      } catch (error) {
        thrown.push(`${job}: ${(error as Error).name}: ${(error as Error).message}`);
        return undefined;
      }
    }),
  );
  const tasksPerJob = await tasksByJob(emulator);
  const runStatuses = new Map(
    answers.flatMap((answer) => (answer && 'job' in answer && answer.job ? [[answer.job, String(answer.status)]] : [])),
  );
  const perSecond = new Map<number, number>();
  for (const at of launches) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  return {
    jobs: options.jobs,
    thrown,
    tasksPerJob,
    runStatuses,
    runTaskCalls,
    throttled,
    lastLaunchMs: Math.round(Math.max(0, ...launches) * scale),
    busiestSecond: Math.max(0, ...perSecond.values()),
  };
}

/** The tasks moto holds in the burst's cluster, counted by the job tag run-batch-job puts on them. */
async function tasksByJob(emulator: Emulator): Promise<Map<string, number>> {
  const ecs = new ECSClient({ ...emulatorClientConfig(emulator.endpoint), region: EMULATOR_REGION });
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ecs.send(new ListTasksCommand({ cluster: CLUSTER, nextToken }));
    arns.push(...(page.taskArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const counts = new Map<string, number>();
  for (let i = 0; i < arns.length; i += 100) {
    const { tasks = [] } = await ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: arns.slice(i, i + 100), include: ['TAGS'] }));
    for (const task of tasks) {
      const job = task.tags?.find((tag) => tag.key === 'ecs-autopilot:job')?.value ?? '(untagged)';
      counts.set(job, (counts.get(job) ?? 0) + 1);
    }
  }
  return counts;
}
