/**
 * The six handlers as fuzz targets: each raw handler (functions/*.ts) with the runtime its builder makes,
 * its clients answered by the AWS double, fed its real inputs mutated and values of any shape. For every
 * input: it settles within a few seconds; it fails, if at all, with one of the project's errors; a
 * rejection (BadEventError, ConfigError) is one line that says what was expected and comes before any
 * write to AWS.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type fc from 'fast-check';
import { enforceMaxRuntimeTick } from '#functions/enforce-max-runtime.ts';
import { notify } from '#functions/notify.ts';
import { onTaskStopped } from '#functions/on-task-stopped.ts';
import { runBatchJob } from '#functions/run-batch-job.ts';
import { scaleService } from '#functions/scale-service.ts';
import { shiftTraffic } from '#functions/shift-traffic.ts';
import { AlertTopic } from '#shared/alerts/publish.ts';
import { createNotifyRuntime } from '#shared/alerts/runtime.ts';
import { createShiftRuntime } from '#shared/blue-green/runtime.ts';
import { loadAutomationFile } from '#shared/config/load.ts';
import { byOwnName } from '#shared/config/own-names.ts';
import type { Automation } from '#shared/config/schema.ts';
import { createJobRuntime } from '#shared/jobs/runtime.ts';
import type { Log } from '#shared/logger.ts';
import { createScalingRuntime } from '#shared/scaling/runtime.ts';
import { createStopRuntime } from '#shared/stopped-tasks/runtime.ts';
import { SchedulerTimers } from '#shared/timers/timers.ts';
import { serviceEvent } from '../fixtures/service-events.ts';
import { stoppedTaskEvent, taskEvent, taskEventNames } from '../fixtures/task-events.ts';
import { busEvent, crashLoop, jobRunFailed, serviceTaskStopped, watchedTaskStopped } from '../helpers/alert-events.ts';
import type { AwsDouble } from './aws-double.ts';
import { handlerInputs, mutated } from './mutations.ts';
import { errorText, isProjectError, isRejection, rejectionProblem, type Target, withinTime } from './property.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REAL_EVENTS = join(ROOT, '..', 'shared', 'real-events');

/** A handler that has not settled by then is taken to hang (the double answers at once). */
const SETTLE_MS = 5_000;

const REGION = 'eu-central-1';
const ACCOUNT = '111122223333';
const clientConfig = { region: REGION, credentials: { accessKeyId: 'fuzz', secretAccessKey: 'fuzz' }, maxAttempts: 1 };
const TABLE = 'ecs-autopilot-fuzz-state';
const BUS = 'ecs-autopilot-fuzz';

/** Remembers what was logged as an error: an error the handler caught and logged must be one of ours too. */
export class RecordingLog implements Log {
  readonly errors: unknown[] = [];
  info() {}
  debug() {}
  warn() {}
  error(_message: unknown, ...extra: unknown[]) {
    for (const fields of extra) {
      if (typeof fields === 'object' && fields !== null && 'error' in fields) this.errors.push(fields.error);
    }
  }
}

interface Invocation {
  what: string;
  invoke: () => Promise<unknown>;
  log: RecordingLog;
}

/** Judges one invocation against the handlers' properties; the double was reset (and seeded) before. */
export async function judgeInvocation(aws: AwsDouble, { what, invoke, log }: Invocation): Promise<string | undefined> {
  log.errors.length = 0;
  const invocation = aws.invocation(invoke);
  const outcome = await withinTime(() => invocation.result, SETTLE_MS);
  if (outcome.hung) invocation.abandon();
  if (outcome.hung) return `${what} did not settle within ${SETTLE_MS / 1000} s — after ${aws.calls.length} AWS calls`;
  const logged = log.errors.find((error) => !isProjectError(error) && !isAwsError(error));
  if (logged) return `${what} logged ${whereFrom(logged)} — ${errorText(logged)}`;
  if (!('error' in outcome)) return undefined;
  const { error } = outcome;
  if (!isProjectError(error)) return `${what} failed with ${whereFrom(error)}, not one of the project's errors — ${errorText(error)}`;
  if (!isRejection(error)) return undefined;
  const problem = rejectionProblem(error.message);
  if (problem) return `${what} rejected the input but ${problem}`;
  const writes = aws.writes();
  if (writes.length > 0) return `${what} rejected the input after writing to AWS — ${writes.map((call) => call.name).join(', ')}`;
  return undefined;
}

/** An error the SDK raised (the double never does: a handler that made one up is judged like any other). */
function isAwsError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

/** `TypeError at shared/jobs/decide.ts:120`: the class and the project's frame that threw, which tells two defects apart. */
function whereFrom(error: unknown): string {
  if (!(error instanceof Error)) return `a thrown ${typeof error}`;
  const frame = error.stack
    ?.split('\n')
    .slice(1)
    .find((line) => line.includes(ROOT) && !line.includes('/node_modules/'));
  const place = frame?.match(/\((.*?):(\d+):\d+\)$/) ?? frame?.match(/at (.*?):(\d+):\d+$/);
  return place ? `${error.name} at ${place[1]?.replace(`${ROOT}/`, '').replace('file://', '')}:${place[2]}` : error.name;
}

function timers() {
  return new SchedulerTimers(new SchedulerClient(clientConfig), {
    groupName: 'ecs-autopilot-fuzz',
    roleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler`,
    targets: {
      'run-batch-job': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:run-batch-job`,
      'on-task-stopped': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:on-task-stopped`,
      notify: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notify`,
      'scale-service': `arn:aws:lambda:${REGION}:${ACCOUNT}:function:scale-service`,
    },
    deadLetterArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:timers-dlq`,
  });
}

/** Monday 2026-11-23, 07:00 UTC (08:00 in Berlin: web's business hours begin). */
const NOW = new Date('2026-11-23T07:00:05Z');
const now = () => NOW;

function handlerTarget(aws: AwsDouble, name: string, seeds: unknown[], invoke: (input: unknown) => Promise<unknown>, log: RecordingLog) {
  return {
    name,
    inputs: handlerInputs(seeds),
    judge: async (input: unknown) => {
      aws.reset();
      return judgeInvocation(aws, { what: name, invoke: () => invoke(input), log });
    },
  } satisfies Target<unknown>;
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The real events beside the project (shared/real-events, in the work tree and in CI); a clone without them fuzzes from the fixtures alone. */
function realEvents(): unknown[] {
  if (!existsSync(REAL_EVENTS)) return [];
  return readdirSync(REAL_EVENTS)
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson(join(REAL_EVENTS, file)));
}

/** The job functions' runtime against the double, on the given clock. */
function jobRuntime(automation: Automation, log: RecordingLog, clock: () => Date) {
  return createJobRuntime({
    automation,
    tableName: TABLE,
    busName: BUS,
    clientConfig,
    timers: timers(),
    log,
    now: clock,
    sleep: async () => {},
    leaseSeconds: 120,
  });
}

/**
 * The example's jobs and one chained after nightly-report (as the schema resolves one: the chain's schedule,
 * no starting deadline), so that the end of a run has a job to start.
 */
function withChain(automation: Automation): Automation {
  const upstream = automation.jobs['nightly-report'];
  if (!upstream) return automation;
  const chained = { ...upstream, name: 'report-digest', after: ['nightly-report'], startingDeadlineSeconds: undefined };
  return { ...automation, jobs: byOwnName({ ...automation.jobs, [chained.name]: chained }) };
}

/** The end of nightly-report's run as the job-chains rule delivers it. */
function upstreamEnded(status: 'succeeded' | 'failed', detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: `eb-${status}`,
    source: 'ecs-autopilot',
    'detail-type': status === 'succeeded' ? 'Job Run Succeeded' : 'Job Run Failed',
    account: ACCOUNT,
    region: REGION,
    time: '2026-11-23T07:00:00Z',
    resources: [],
    detail: { job: 'nightly-report', scheduledTime: '2026-11-23T06:00:00.000Z', attempt: 1, status, ...detail },
  };
}

function runBatchJobTarget(aws: AwsDouble, example: Automation): Target<unknown> {
  const log = new RecordingLog();
  const automation = withChain(example);
  const rt = { ...jobRuntime(automation, log, now), account: ACCOUNT, region: REGION };
  const seeds = [
    ...Object.keys(automation.jobs).map((job) => ({ job, scheduledTime: '2026-11-23T07:00:00Z', executionId: 'exec-1' })),
    { job: 'nightly-report', scheduledTime: '2026-11-23T06:58:00.000Z', attempt: 2, capacityProvider: 'FARGATE' },
    // An expectSuccessWithin timer's input (shared/jobs/freshness.ts).
    { check: 'expect-success', job: 'nightly-report', since: '2026-11-22T06:41:48.882Z', armedBy: 'success' },
    // The end of an upstream's run, from the job-chains rule: a success starts report-digest, a final failure skips it.
    upstreamEnded('succeeded'),
    upstreamEnded('failed', { retry: { willRetry: false, because: 'no attempts left' } }),
  ];
  return handlerTarget(aws, 'run-batch-job', seeds, (input) => runBatchJob(input, rt), log);
}

function onTaskStoppedTarget(aws: AwsDouble, automation: Automation): Target<unknown> {
  const log = new RecordingLog();
  const rt = createStopRuntime({ automation, tableName: TABLE, busName: BUS, clientConfig, timers: timers(), log, now });
  const at = { stoppingAt: '2026-11-23T06:59:30.000Z', stoppedAt: '2026-11-23T07:00:00.000Z' };
  const seeds = [
    ...taskEventNames().map((name) => taskEvent(name)),
    ...realEvents(),
    stoppedTaskEvent({ cluster: 'batch-prod', taskDefinition: 'sales-report:12', startedBy: 'ecs-autopilot/nightly-report', ...at }),
    stoppedTaskEvent({
      cluster: 'batch-prod',
      taskDefinition: 'queue-worker:4',
      group: 'family:queue-worker',
      startedBy: 'ecs-autopilot/watched/queue-worker',
      containers: [{ name: 'worker', exitCode: 1 }],
      ...at,
    }),
    stoppedTaskEvent({
      cluster: 'web-prod',
      taskDefinition: 'web:9',
      group: 'service:web',
      startedBy: 'ecs-svc/1234567890',
      containers: [{ name: 'app', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }],
      ...at,
    }),
    {
      timer: 'restart-watched-task',
      watchedTask: 'queue-worker',
      replacing: 'arn:aws:ecs:eu-central-1:111122223333:task/batch-prod/abc',
      try: 2,
    },
    { timer: 'check-paused-watched-task', watchedTask: 'queue-worker' },
    // ECS's own events about the watched service web (shared/service-events/): a problem and a recovery.
    ...(['service-task-placement-failure', 'service-deployment-failed', 'service-steady-state'] as const).map((name) => ({
      ...serviceEvent(name),
      account: ACCOUNT,
      region: REGION,
      resources: [`arn:aws:ecs:${REGION}:${ACCOUNT}:service/web-prod/web`],
    })),
  ];
  return handlerTarget(aws, 'on-task-stopped', seeds, (input) => onTaskStopped(input, rt), log);
}

function scaleServiceTarget(aws: AwsDouble, automation: Automation): Target<unknown> {
  const log = new RecordingLog();
  const rt = createScalingRuntime({ automation, tableName: TABLE, busName: BUS, clientConfig, timers: timers(), log, now });
  const seeds = [
    { service: 'web', scheduledTime: '2026-11-23T07:00:00Z' },
    { service: 'staging-api', scheduledTime: '2026-11-23T06:00:00Z' },
    { service: 'web' },
    { timer: 'scaling-retry', service: 'web', attempt: 2, since: '2026-11-23T06:50:00.000Z' },
  ];
  return handlerTarget(aws, 'scale-service', seeds, (input) => scaleService(input, rt), log);
}

function shiftTrafficTarget(aws: AwsDouble, automation: Automation): Target<unknown> {
  const log = new RecordingLog();
  const rt = createShiftRuntime({ automation, tableName: TABLE, busName: BUS, clientConfig, log, now, account: ACCOUNT, region: REGION });
  const envelope = (source: string, detailType: string, detail: object, resources: string[] = []) => ({
    version: '0',
    id: 'c0ffee00-0000-4000-8000-000000000001',
    'detail-type': detailType,
    source,
    account: ACCOUNT,
    time: '2026-11-23T07:00:00Z',
    region: REGION,
    resources,
    detail,
  });
  const green = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/web-prod/shop-green`;
  const seeds = [
    { tick: true },
    envelope('ecs-autopilot', 'Deployment Requested', {
      app: 'shop',
      id: 'deploy-42',
      taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/shop:8`,
      requestedBy: 'pipeline',
    }),
    envelope('ecs-autopilot', 'Deployment Requested', { app: 'shop', images: { app: 'shop:1.2.3' } }),
    envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'deploy-42', step: 1, by: 'alice' }),
    envelope('ecs-autopilot', 'Deployment Abort Requested', { app: 'shop', id: 'deploy-42', by: 'alice', reason: 'errors' }),
    envelope('ecs-autopilot', 'Deployment Promotion Requested', { app: 'shop', id: 'deploy-42', step: 1, full: true, by: 'alice' }),
    envelope('ecs-autopilot', 'Deployment Retry Requested', { app: 'shop', id: 'deploy-42', newId: 'deploy-43', by: 'alice' }),
    envelope('ecs-autopilot', 'Deployment Undo Requested', { app: 'shop', id: 'deploy-42', newId: 'deploy-44', by: 'alice' }),
    envelope('aws.ecs', 'ECS Deployment State Change', { eventType: 'INFO', eventName: 'SERVICE_DEPLOYMENT_COMPLETED' }, [green]),
    envelope('aws.ecs', 'ECS Service Action', { eventType: 'INFO', eventName: 'SERVICE_STEADY_STATE' }, [green]),
    envelope('aws.cloudwatch', 'CloudWatch Alarm State Change', {
      alarmName: 'shop-5xx',
      state: { value: 'ALARM', reason: 'Threshold Crossed' },
      previousState: { value: 'OK' },
    }),
  ];
  return handlerTarget(aws, 'shift-traffic', seeds, (input) => shiftTraffic(input, rt), log);
}

function notifyTarget(aws: AwsDouble, automation: Automation): Target<unknown> {
  const log = new RecordingLog();
  const rt = createNotifyRuntime({
    timing: automation.notifications,
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient(clientConfig), { marshallOptions: { removeUndefinedValues: true } }),
    tableName: TABLE,
    topic: new AlertTopic(new SNSClient(clientConfig), `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`),
    timers: timers(),
    log,
    now,
  });
  const at = { time: '2026-11-23T07:00:00Z' };
  const seeds = [
    busEvent('Job Run Failed', jobRunFailed(), at),
    busEvent('Service Task Stopped', serviceTaskStopped(), at),
    busEvent('Crash Loop Detected', crashLoop(), at),
    busEvent('Watched Task Stopped', watchedTaskStopped(), at),
    busEvent(
      'Watched Task Restarts Resumed',
      {
        watchedTask: 'ingest',
        alert: {
          cluster: 'prod',
          subject: { kind: 'watched-task', name: 'ingest' },
          category: 'crash-loop',
          severity: 'critical',
          resolves: true,
        },
      },
      at,
    ),
    busEvent('Job Run Succeeded', { job: 'nightly-report' }, at),
    { timer: 'alert-flush', groupKey: 'prod|job|nightly-report|out-of-memory', at: '2026-11-23T07:00:00.000Z' },
    { timer: 'alert-resolve', groupKey: 'prod|service|web|out-of-memory', at: '2026-11-23T06:30:00.000Z' },
  ];
  return handlerTarget(aws, 'notify', seeds, (input) => notify(input, rt), log);
}

/**
 * enforce-max-runtime takes no input but the tick; what it reads is the runs it once stored. The fuzz
 * stores a run past its deadline, as run-batch-job stored it, mutated (an older version's record, a hand
 * edit), and runs the tick.
 */
async function enforceMaxRuntimeTarget(aws: AwsDouble, automation: Automation): Promise<Target<unknown>> {
  const log = new RecordingLog();
  let clock = NOW;
  const rt = jobRuntime(automation, log, () => clock);
  aws.reset();
  await runBatchJob({ job: 'nightly-report', scheduledTime: '2026-11-23T07:00:00Z' }, rt);
  const stored = [...aws.table.values()].filter((item) => item.status === 'launched');
  if (stored.length === 0) throw new Error('fuzz: the launch of nightly-report stored no launched run to seed enforce-max-runtime with');
  const past = new Date(NOW.getTime() + 3 * 3_600_000);
  return {
    name: 'enforce-max-runtime',
    inputs: mutated(stored) as fc.Arbitrary<unknown>,
    judge: async (item) => {
      aws.reset();
      const record = item as Record<string, unknown> | undefined;
      // A record the table could not hold (its key not two strings) is left out: DynamoDB refuses such a put.
      if (typeof record?.pk === 'string' && typeof record.sk === 'string') aws.table.set(`${record.pk}|${record.sk}`, record);
      clock = past;
      try {
        return await judgeInvocation(aws, { what: 'enforce-max-runtime', invoke: () => enforceMaxRuntimeTick(rt), log });
      } finally {
        clock = NOW;
      }
    },
  };
}

export async function handlerTargets(aws: AwsDouble): Promise<Target<unknown>[]> {
  const automation = loadAutomationFile(join(ROOT, 'automation.yml'));
  return [
    runBatchJobTarget(aws, automation),
    onTaskStoppedTarget(aws, automation),
    scaleServiceTarget(aws, automation),
    shiftTrafficTarget(aws, automation),
    notifyTarget(aws, automation),
    await enforceMaxRuntimeTarget(aws, automation),
  ];
}
