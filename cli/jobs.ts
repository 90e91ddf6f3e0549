/**
 * The operator's job commands: `run <job>` (a manual run now), `suspend` / `unsuspend` (at run time,
 * without a redeploy) and `jobs` (every job, its next firing and its state — the `kubectl get cronjobs`
 * of ECS).
 *
 * `run` and `unsuspend`'s catch-up invoke the deployed run-batch-job function with an operator's request
 * (shared/jobs/trigger.ts): the launch is decided by the deployed code with the deployed automation.yml
 * and done with the function's role, so the operator needs `lambda:InvokeFunction` on that one function,
 * never `ecs:RunTask` or `iam:PassRole`. Suspensions are written, and runs read, in the state table.
 */
import { randomBytes } from 'node:crypto';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RunBatchJobAnswer } from '../functions/run-batch-job.ts';
import { clientConfig, createAwsClients } from '../shared/aws/clients.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { firingsFrom, parseScheduleExpression } from '../shared/config/schedule-expression.ts';
import type { Automation, JobSpec } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';
import { isFinalFailure, type RunRecord } from '../shared/jobs/run-record.ts';
import { MANUAL_ID } from '../shared/jobs/trigger.ts';
import { deployedFunctionName, FUNCTION_NAMES } from '../shared/stack/naming.ts';
import { type JobSuspension, JobSuspensions } from '../shared/state/job-suspensions.ts';
import { RunHistory } from '../shared/state/run-history.ts';
import { defaultCaller } from './deploy.ts';
import { EXIT, type Io, table, UsageError } from './output.ts';
import { checkJobName, durationSeconds } from './runs.ts';

export interface OperatorDeps {
  runs: RunHistory;
  suspensions: JobSuspensions;
  /** run-batch-job, invoked with an operator's request; answers as the function does. */
  invoke: (request: unknown) => Promise<RunBatchJobAnswer>;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  /** Who acts: `cli:<login>`. */
  by: string;
}

export interface OperatorConnection {
  stage: string;
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

/** The deployed stack, with the operator's credentials. */
export function awsOperatorDeps(connection: OperatorConnection): OperatorDeps {
  const clients = createAwsClients({ region: connection.region, endpoint: connection.endpoint });
  const lambda = new LambdaClient(clientConfig({ region: connection.region, endpoint: connection.endpoint }));
  const functionName = deployedFunctionName({ service: 'ecs-autopilot', stage: connection.stage }, FUNCTION_NAMES.runBatchJob);
  return {
    // Retention does not matter for reads.
    runs: new RunHistory(clients.dynamo, connection.tableName, 0),
    suspensions: new JobSuspensions(clients.dynamo, connection.tableName),
    invoke: async (request) => {
      const result = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(request) }));
      const text = new TextDecoder().decode(result.Payload);
      if (result.FunctionError) {
        const { errorType, errorMessage } = JSON.parse(text || '{}') as { errorType?: string; errorMessage?: string };
        throw new Error(`${functionName} could not do it: ${errorType ?? result.FunctionError}: ${errorMessage ?? text}`);
      }
      return JSON.parse(text) as RunBatchJobAnswer;
    },
    now: () => new Date(),
    sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
    by: defaultCaller(),
  };
}

/** A run not over yet, that `jobs` shows as running: its tasks launching, waiting for capacity, or running. */
const UNDER_WAY: readonly string[] = ['launching', 'waiting-for-capacity', 'launched'];

/** How often `--wait` reads the run. */
const POLL_MILLISECONDS = 5_000;

function jobOf(automation: Automation, name: string, file: string): JobSpec {
  checkJobName(automation, name, file);
  return automation.jobs[name] as JobSpec;
}

function describeSuspension(suspension: Pick<JobSuspension, 'suspendedAt' | 'suspendedBy' | 'comment'>): string {
  return `since ${suspension.suspendedAt} by ${suspension.suspendedBy}${suspension.comment ? ` (${suspension.comment})` : ''}`;
}

const taskIds = (taskArns: string[] | undefined) => (taskArns ?? []).map((arn) => arn.split('/').pop()).join(', ') || 'none';

// ── run ──

export interface RunOptions {
  job: string;
  automation: Automation;
  file: string;
  id: string | undefined;
  wait: boolean;
  timeoutSeconds: number | undefined;
  json: boolean;
}

/** A fresh manual run id: when it was asked for, and a few random characters. */
export function newManualId(now: Date): string {
  return `manual-${now.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

/** How long `--wait` follows a run by default: every attempt's longest run and back-off, and a margin. */
export function defaultWaitSeconds(job: JobSpec): number {
  const attempts = job.retry.attempts;
  return (job.maxRuntimeSeconds ?? 86_400) * attempts + job.retry.maxBackoffSeconds * (attempts - 1) + 900;
}

/** A run nothing more will happen to: no further attempt follows it. */
export function isOver(run: RunRecord): boolean {
  return ['succeeded', 'skipped', 'missed', 'replaced'].includes(run.status) || isFinalFailure(run);
}

export async function runCommand(options: RunOptions, deps: OperatorDeps, io: Io): Promise<number> {
  const job = jobOf(options.automation, options.job, options.file);
  if (options.id !== undefined && !MANUAL_ID.test(options.id)) {
    throw new UsageError(`--id must be 1 to 64 of letters, digits, ".", "-" and "_", got "${options.id}"`);
  }
  if (job.suspended) {
    throw new Error(`${job.name} is suspended in ${options.file} (suspended: true): no manual run while it is; set it to false and deploy`);
  }
  const suspension = await deps.suspensions.get(job.name);
  if (suspension?.suspended) {
    throw new Error(
      `${job.name} is suspended ${describeSuspension(suspension)}: no manual run while it is; ecs-autopilot unsuspend ${job.name} first`,
    );
  }
  const id = options.id ?? newManualId(deps.now());
  const answer = await deps.invoke({ manualRun: { job: job.name, id, requestedBy: deps.by } });
  const requested = {
    id,
    job: job.name,
    scheduledTime: answer.scheduledTime,
    requested: answer.requested,
    attempt: answer.attempt,
    status: answer.status,
    taskArns: answer.taskArns ?? [],
    reason: answer.reason,
  };
  if (!options.json) {
    const what = answer.requested === 'existing' ? 'was requested before' : 'requested';
    io.out(
      `${job.name}: manual run ${id} ${what}: ${answer.status} (its time ${answer.scheduledTime}, tasks ${taskIds(answer.taskArns)})${answer.reason ? `: ${answer.reason}` : ''}`,
    );
  }
  const launchFailed = ['failed', 'skipped', 'missed'].includes(answer.status ?? '');
  if (!options.wait || launchFailed || answer.scheduledTime === undefined) {
    if (options.json) io.out(JSON.stringify(requested, null, 2));
    return launchFailed ? EXIT.failed : EXIT.ok;
  }
  const followed = await follow(job, answer.scheduledTime, answer.attempt ?? 1, options, deps, io);
  const outcome = followed.timedOut ? 'timeout' : followed.run.status === 'succeeded' ? 'succeeded' : 'failed';
  if (options.json) {
    io.out(JSON.stringify({ ...requested, ...runFields(followed.run), outcome }, null, 2));
  } else if (followed.timedOut) {
    io.out(`${job.name}: manual run ${id} still ${followed.run.status} after ${formatDuration(followed.waitedSeconds)}; gave up waiting`);
  } else {
    io.out(`${job.name}: manual run ${id} ${followed.run.status}${followed.run.reason ? `: ${followed.run.reason}` : ''}`);
  }
  return outcome === 'succeeded' ? EXIT.ok : EXIT.failed;
}

function runFields(run: RunRecord) {
  return {
    attempt: run.attempt,
    status: run.status,
    taskArns: run.taskArns,
    reason: run.reason,
    launchedAt: run.launchedAt,
    endedAt: run.endedAt,
    durationSeconds: durationSeconds(run),
  };
}

/** Reads the run (and the attempts its retry policy launches) until nothing more will happen to it, or the wait is over. */
async function follow(
  job: JobSpec,
  scheduledTime: string,
  firstAttempt: number,
  options: RunOptions,
  deps: OperatorDeps,
  io: Io,
): Promise<{ run: RunRecord; timedOut: boolean; waitedSeconds: number }> {
  const start = deps.now().getTime();
  const waitSeconds = options.timeoutSeconds ?? defaultWaitSeconds(job);
  let attempt = firstAttempt;
  let last: RunRecord | undefined;
  let said = '';
  for (;;) {
    const run = (await deps.runs.get(job.name, scheduledTime, attempt)) ?? last;
    if (run) {
      last = run;
      const line = `${job.name}: attempt ${run.attempt} ${run.status}${run.status === 'failed' && run.retry?.willRetry ? `, retried at ${run.retry.retryAt}` : ''}`;
      if (line !== said && !options.json) io.out(line);
      said = line;
      if (run.retry?.willRetry && !UNDER_WAY.includes(run.status)) attempt = run.retry.nextAttempt;
      else if (isOver(run)) return { run, timedOut: false, waitedSeconds: (deps.now().getTime() - start) / 1000 };
    }
    const waited = (deps.now().getTime() - start) / 1000;
    if (waited >= waitSeconds) {
      if (!last) throw new Error(`the run of ${job.name} at ${scheduledTime} was not found in the state table`);
      return { run: last, timedOut: true, waitedSeconds: waited };
    }
    await deps.sleep(POLL_MILLISECONDS);
  }
}

// ── suspend / unsuspend ──

export interface SuspendOptions {
  job: string;
  automation: Automation;
  file: string;
  comment?: string | undefined;
  json: boolean;
}

export async function suspendCommand(options: SuspendOptions, deps: OperatorDeps, io: Io): Promise<number> {
  const job = jobOf(options.automation, options.job, options.file);
  const change = await deps.suspensions.suspend(job.name, { at: deps.now(), by: deps.by, comment: options.comment });
  if (options.json) {
    io.out(JSON.stringify({ ...change, suspendedInConfig: job.suspended }, null, 2));
    return EXIT.ok;
  }
  const { suspension } = change;
  io.out(
    change.action === 'suspended'
      ? `${job.name}: suspended ${describeSuspension(suspension as JobSuspension)}; its firings are recorded skipped until ecs-autopilot unsuspend ${job.name}`
      : `${job.name}: already suspended ${describeSuspension(suspension as JobSuspension)}`,
  );
  if (job.suspended) io.out(`note: ${job.name} is also suspended in ${options.file} (suspended: true)`);
  return EXIT.ok;
}

export async function unsuspendCommand(options: SuspendOptions, deps: OperatorDeps, io: Io): Promise<number> {
  const job = jobOf(options.automation, options.job, options.file);
  const change = await deps.suspensions.unsuspend(job.name, { at: deps.now(), by: deps.by });
  // Asked again after an unsuspend (a repeat, a crash before its catch-up): the catch-up is asked again, and launches at most once.
  const ended = change.action === 'unsuspended' || change.suspension?.unsuspendedAt !== undefined;
  const catchUp = ended && job.catchUp === 'latest' && !job.suspended ? await deps.invoke({ unsuspended: { job: job.name } }) : undefined;
  if (options.json) {
    io.out(JSON.stringify({ ...change, suspendedInConfig: job.suspended, catchUp: catchUp && catchUpFields(catchUp) }, null, 2));
    return EXIT.ok;
  }
  io.out(
    change.action === 'unsuspended'
      ? `${job.name}: unsuspended (it was suspended ${describeSuspension(change.suspension)})`
      : `${job.name}: was not suspended at run time`,
  );
  if (catchUp?.catchUp?.kind === 'catch-up') {
    io.out(
      `${job.name}: caught up the firing of ${catchUp.catchUp.scheduledTime} (the latest of ${catchUp.catchUp.missed} missed): ${catchUp.status} (tasks ${taskIds(catchUp.taskArns)})${catchUp.reason ? `: ${catchUp.reason}` : ''}`,
    );
  } else if (catchUp?.catchUp) {
    io.out(`${job.name}: nothing to catch up: ${catchUp.catchUp.reason}`);
  }
  if (job.suspended) io.out(`note: ${job.name} is still suspended in ${options.file} (suspended: true): set it to false and deploy`);
  return EXIT.ok;
}

function catchUpFields(answer: RunBatchJobAnswer) {
  return { ...answer.catchUp, status: answer.status, attempt: answer.attempt, taskArns: answer.taskArns, reason: answer.reason };
}

// ── jobs ──

/** How many of each job's latest runs `jobs` reads for its state. */
const JOB_RUNS_READ = 25;

export interface JobState {
  job: string;
  schedule: string;
  timezone: string;
  /** null: no firing ahead (an at() that is past, a suspended job, a rate whose start is not known yet). */
  nextFiring: { local: string; utc: string } | null;
  suspended: {
    inConfig: boolean;
    atRunTime: { since: string; by: string; comment: string | null } | null;
  };
  running: { scheduledTime: string; attempt: number; status: string; manualId: string | null }[];
  lastOutcome: { scheduledTime: string; attempt: number; status: string; endedAt: string | null; reason: string | null } | null;
  lastSuccess: { scheduledTime: string; endedAt: string | null } | null;
}

/** The firing after `now`; a rate schedule counts from its latest scheduled run (only Scheduler knows when it started). */
export function nextFiring(job: JobSpec, now: Date, runs: RunRecord[]): Date | undefined {
  const expression = parseScheduleExpression(job.schedule);
  const until = new Date(now.getTime() + 400 * 86_400_000);
  if (expression.kind === 'rate') {
    const anchor = runs.find((run) => run.manualId === undefined && run.attempt === 1);
    if (!anchor) return undefined;
    return (
      firingsFrom(expression, job.timezone, new Date(now.getTime() + 1), until, new Date(anchor.scheduledTime)).next().value ?? undefined
    );
  }
  return firingsFrom(expression, job.timezone, new Date(now.getTime() + 1), until).next().value ?? undefined;
}

export function jobState(job: JobSpec, runs: RunRecord[], suspension: JobSuspension | undefined, now: Date): JobState {
  const atRunTime = suspension?.suspended
    ? { since: suspension.suspendedAt, by: suspension.suspendedBy, comment: suspension.comment ?? null }
    : null;
  const next = job.suspended || atRunTime ? undefined : nextFiring(job, now, runs);
  const last = runs.find((run) => !UNDER_WAY.includes(run.status));
  const success = runs.find((run) => run.status === 'succeeded');
  return {
    job: job.name,
    schedule: job.schedule,
    timezone: job.timezone,
    nextFiring: next ? { local: formatLocal(next, job.timezone), utc: next.toISOString() } : null,
    suspended: { inConfig: job.suspended, atRunTime },
    running: runs
      .filter((run) => UNDER_WAY.includes(run.status))
      .map((run) => ({ scheduledTime: run.scheduledTime, attempt: run.attempt, status: run.status, manualId: run.manualId ?? null })),
    lastOutcome: last
      ? {
          scheduledTime: last.scheduledTime,
          attempt: last.attempt,
          status: last.status,
          endedAt: last.endedAt ?? null,
          reason: last.reason ?? null,
        }
      : null,
    lastSuccess: success ? { scheduledTime: success.scheduledTime, endedAt: success.endedAt ?? null } : null,
  };
}

export const JOB_COLUMNS = ['JOB', 'SCHEDULE', 'NEXT (LOCAL)', 'NEXT (UTC)', 'SUSPENDED', 'RUNNING', 'LAST OUTCOME', 'LAST SUCCESS (UTC)'];

export function jobRows(states: JobState[]): string[][] {
  return states.map((state) => {
    const by = [state.suspended.inConfig && 'config', state.suspended.atRunTime && `run time (${state.suspended.atRunTime.by})`].filter(
      Boolean,
    );
    return [
      state.job,
      `${state.schedule} ${state.timezone}`,
      state.nextFiring?.local ?? '-',
      state.nextFiring?.utc ?? '-',
      by.length > 0 ? by.join(', ') : 'no',
      state.running.length > 0 ? state.running.map((run) => `${run.status} ${run.scheduledTime}`).join(', ') : '-',
      state.lastOutcome ? `${state.lastOutcome.status} ${state.lastOutcome.scheduledTime}` : '-',
      state.lastSuccess?.endedAt ?? '-',
    ];
  });
}

export async function jobsCommand(options: { automation: Automation; json: boolean }, deps: OperatorDeps, io: Io): Promise<number> {
  const now = deps.now();
  const states = await Promise.all(
    Object.values(options.automation.jobs).map(async (job) => {
      const [runs, suspension] = await Promise.all([deps.runs.list(job.name, JOB_RUNS_READ), deps.suspensions.get(job.name)]);
      return jobState(job, runs, suspension, now);
    }),
  );
  if (options.json) io.out(JSON.stringify(states, null, 2));
  else if (states.length === 0) io.out('no jobs in the automation file');
  else for (const line of table(jobRows(states), JOB_COLUMNS)) io.out(line);
  return EXIT.ok;
}
