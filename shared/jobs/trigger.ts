/**
 * The job runs' trigger contract, the one definition of what invokes them and what they announce:
 *
 * - run-batch-job is invoked by each job's Scheduler schedule (schedulerInputTemplate: the stack generator
 *   writes it into the schedule) and by a retry's timer (FiringInput, with the next attempt); both parse
 *   with parseFiring. zod/mini keeps the cold start small.
 * - run-batch-job is also invoked by the job-chains rule on our bus (chainEventPattern): the end of an
 *   upstream job's run, which starts or skips the jobs chained after it (parseUpstreamEnd).
 * - enforce-max-runtime is invoked by a one-minute tick (WATCHDOG_SCHEDULE_NAME) without a payload.
 * - on-task-stopped records a job task's stop (its own trigger: shared/stopped-tasks/trigger.ts).
 *
 * All three announce a run's outcome with runOutcomeEvent: one event per status a run reaches, whose id
 * (job, scheduled time, attempt, status) is the same however often the decision is published again.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { clusterNameOf } from '../config/cluster.ts';
import { formatDuration } from '../config/duration.ts';
import { BadEventError, excerptOf, inputProblems } from '../errors.ts';
import type { AlertBlock } from '../events/alert.ts';
import { EVENT_SOURCE, JOB_RUN_DETAIL_TYPES } from '../events/bus.ts';
import type { EventPattern } from '../events/event-pattern.ts';
import type { PendingEvent } from '../events/pending-event.ts';
import { type FiringInput, isFinalFailure, type RunRecord, type RunStatus } from './run-record.ts';

/** A manual run's id: as a schedule name could spell it. */
export const MANUAL_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Built on first use (not at import: see shared/built-on-first-use.ts). */
const firingSchema = builtOnFirstUse(() =>
  z.object({
    job: z.string().check(z.minLength(1)),
    /** Scheduler fills in <aws.scheduler.scheduled-time>, e.g. 2026-11-22T02:00:00Z. */
    scheduledTime: z.iso.datetime({ offset: true }),
    attempt: z._default(z.number().check(z.int(), z.minimum(1)), 1),
    /** A retry after a Spot interruption: the capacity provider its launch starts on. */
    capacityProvider: z.optional(z.string().check(z.minLength(1))),
    /** <aws.scheduler.execution-id>, for correlating logs with Scheduler. */
    executionId: z.optional(z.string()),
    /** A manual run (`ecs-autopilot run`): its id; scheduledTime is then the time it was requested. */
    manualId: z.optional(z.string().check(z.regex(MANUAL_ID))),
    /** The catch-up of a firing missed while the job was suspended at run time (catchUp: latest, on unsuspend). */
    catchUp: z.optional(z.literal(true)),
  }),
);

/** The Input template the generated schedules carry. */
export function schedulerInputTemplate(job: string): string {
  return JSON.stringify({ job, scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>' });
}

/** What each field of a firing takes, for the message of a bad one. */
const FIRING_FIELDS = {
  job: 'the name of a job in automation.yml',
  scheduledTime: 'an ISO 8601 time, e.g. 2026-11-22T02:00:00Z',
  attempt: 'a whole number from 1',
  capacityProvider: 'a capacity provider name',
  executionId: 'a string',
  manualId: 'a manual run id: 1 to 64 of letters, digits, ".", "-" and "_"',
  catchUp: 'true',
};

export type Firing = FiringInput & { executionId?: string | undefined };

export function parseFiring(event: unknown): Firing {
  const result = firingSchema().safeParse(event);
  if (!result.success) {
    throw new BadEventError(
      `not a run-batch-job firing (${inputProblems(result.error.issues, FIRING_FIELDS, 'event')}): ${excerptOf(event)}`,
    );
  }
  // One spelling of the time everywhere: it is part of the run's key, of the client token and of event ids.
  const { manualId, catchUp, ...firing } = result.data;
  return {
    ...firing,
    scheduledTime: new Date(result.data.scheduledTime).toISOString(),
    ...(manualId !== undefined && { manualId }),
    ...(catchUp && { catchUp }),
  };
}

/**
 * What `ecs-autopilot run <job>` invokes run-batch-job with: launch the job now as a manual run under
 * its id. run-batch-job claims the id (the first request's time becomes the run's scheduled time) and
 * handles it as a firing, so the same id twice is one run.
 */
const manualRunSchema = builtOnFirstUse(() =>
  z.object({
    manualRun: z.object({
      job: z.string().check(z.minLength(1)),
      id: z.string().check(z.regex(MANUAL_ID)),
      requestedBy: z.string().check(z.minLength(1), z.maxLength(128)),
    }),
  }),
);

export type ManualRunRequest = z.infer<ReturnType<typeof manualRunSchema>>['manualRun'];

/** What `ecs-autopilot unsuspend <job>` invokes run-batch-job with when the job has catchUp: latest. */
const catchUpSchema = builtOnFirstUse(() => z.object({ unsuspended: z.object({ job: z.string().check(z.minLength(1)) }) }));

export function isManualRun(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'manualRun' in event;
}

export function isCatchUpRequest(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'unsuspended' in event;
}

export function parseManualRun(event: unknown): ManualRunRequest {
  const result = manualRunSchema().safeParse(event);
  if (!result.success) {
    const fields = {
      manualRun: 'an object with job, id and requestedBy',
      'manualRun.job': FIRING_FIELDS.job,
      'manualRun.id': FIRING_FIELDS.manualId,
      'manualRun.requestedBy': 'who asked, 1 to 128 characters',
    };
    throw new BadEventError(`not a manual run request (${inputProblems(result.error.issues, fields, 'event')}): ${excerptOf(event)}`);
  }
  return result.data.manualRun;
}

export function parseCatchUpRequest(event: unknown): { job: string } {
  const result = catchUpSchema().safeParse(event);
  if (!result.success) {
    const fields = { unsuspended: 'an object with job', 'unsuspended.job': FIRING_FIELDS.job };
    throw new BadEventError(`not a catch-up request (${inputProblems(result.error.issues, fields, 'event')}): ${excerptOf(event)}`);
  }
  return result.data.unsuspended;
}

/** The statuses a run can end in: each may decide what the jobs chained after it do for its period. */
const ENDED_STATUSES = ['succeeded', 'failed', 'timed-out', 'skipped', 'missed', 'replaced'] as const satisfies readonly RunStatus[];
type EndedStatus = (typeof ENDED_STATUSES)[number];

/** On our bus, the ends of the upstream jobs' runs (a failure with a retry to come is told apart in the handler). */
export function chainEventPattern(upstreams: string[]): EventPattern {
  return {
    source: [EVENT_SOURCE],
    'detail-type': ENDED_STATUSES.map((status) => JOB_RUN_DETAIL_TYPES[status]),
    detail: { job: upstreams },
  };
}

/** The end of an upstream job's run, as its event told it. */
export interface UpstreamEnded {
  /** EventBridge's id of the event, for the logs. */
  eventId: string;
  account: string | undefined;
  region: string | undefined;
  job: string;
  scheduledTime: string;
  attempt: number;
  status: EndedStatus;
  reason: string | undefined;
  retry: { willRetry: boolean } | undefined;
}

/** Built on first use (not at import: see shared/built-on-first-use.ts): most invocations are firings. */
const upstreamEndedSchema = builtOnFirstUse(() => {
  const text = z.string().check(z.minLength(1));
  return z.object({
    id: text,
    source: z.literal(EVENT_SOURCE),
    'detail-type': text,
    account: z.optional(z.string()),
    region: z.optional(z.string()),
    detail: z.object({
      job: text,
      scheduledTime: z.iso.datetime({ offset: true }),
      attempt: z.number().check(z.int(), z.minimum(1)),
      status: z.enum(ENDED_STATUSES),
      reason: z.optional(z.string()),
      retry: z.optional(z.object({ willRetry: z.boolean() })),
    }),
  });
});

/** What each field of an upstream's event takes, for the message of a bad one. */
const UPSTREAM_FIELDS = {
  id: "EventBridge's event id",
  source: `"${EVENT_SOURCE}"`,
  'detail-type': 'a Job Run detail-type',
  account: 'an account id',
  region: 'a region',
  detail: 'the run: job, scheduledTime, attempt, status',
  'detail.job': 'the name of a job',
  'detail.scheduledTime': 'an ISO 8601 time, e.g. 2026-11-22T02:00:00Z',
  'detail.attempt': 'a whole number from 1',
  'detail.status': `one of ${ENDED_STATUSES.join(', ')}`,
};

/** An event from a bus (EventBridge's envelope), as opposed to a Scheduler firing or a timer's input. */
export function isBusEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && 'detail-type' in event;
}

export function parseUpstreamEnded(event: unknown): UpstreamEnded {
  const result = upstreamEndedSchema().safeParse(event);
  if (!result.success) {
    throw new BadEventError(
      `not the end of a job's run from the ${EVENT_SOURCE} bus (${inputProblems(result.error.issues, UPSTREAM_FIELDS, 'event')}): ${excerptOf(event)}`,
    );
  }
  const { id, account, region, detail } = result.data;
  // The detail-type is what the rule matched: a detail that says another status is not an event we published.
  if (result.data['detail-type'] !== JOB_RUN_DETAIL_TYPES[detail.status]) {
    throw new BadEventError(
      `a ${excerptOf(result.data['detail-type'], 100)} event whose run is ${detail.status}: not an event ecs-autopilot published: ${excerptOf(event)}`,
    );
  }
  return {
    eventId: id,
    account,
    region,
    job: detail.job,
    scheduledTime: new Date(detail.scheduledTime).toISOString(),
    attempt: detail.attempt,
    status: detail.status,
    reason: detail.reason,
    retry: detail.retry,
  };
}

/** The identity of the event that announces `run` reaching its status. */
export function runEventId(run: Pick<RunRecord, 'job' | 'scheduledTime' | 'attempt' | 'status'>): string {
  return `${run.job}:${run.scheduledTime}:${run.attempt}:${run.status}`;
}

/** What of a run's outcome alerts beyond a final failure, as its job says (alertOn). */
export interface OutcomeAlerting {
  alertMissed?: boolean | undefined;
  /** This skip is the job's alertOn.skipped-th in a row, or later. */
  alertSkipped?: boolean | undefined;
}

/** The event announcing the status `run` has reached, as it is kept in the outbox until published. */
export function runOutcomeEvent(run: RunRecord, now: Date, alerting: OutcomeAlerting = {}): PendingEvent {
  if (run.status === 'launching') throw new RangeError('a run still launching has no outcome to announce');
  const { leaseUntil: _lease, version: _version, eventPublished: _published, outbox: _outbox, ...detail } = run;
  return {
    id: runEventId(run),
    detailType: JOB_RUN_DETAIL_TYPES[run.status],
    detail: {
      ...detail,
      ...(run.launchedAt && run.endedAt && { runtime: formatDuration((Date.parse(run.endedAt) - Date.parse(run.launchedAt)) / 1000) }),
      ...((isFinalFailure(run) ||
        (run.status === 'missed' && alerting.alertMissed) ||
        (run.status === 'skipped' && alerting.alertSkipped)) && {
        alert: jobFailingAlert(run),
      }),
      ...(run.status === 'succeeded' && { alert: jobRecoveredAlert(run) }),
    },
    resources: run.taskArns,
    time: now.toISOString(),
  };
}

/**
 * Every final failure of a job, whatever stopped it, is one group: the job is failing until it succeeds
 * again, so its next success can resolve it (a quiet hour says nothing about a job that runs daily). What
 * stopped this run (its stop category, a timeout, a launch failure) is in the detail the message shows.
 */
export const JOB_FAILING_CATEGORY = 'job-failing';

function jobFailingAlert(run: RunRecord): AlertBlock {
  return jobFailingAlertOf(clusterNameOf(run.cluster), run.job);
}

/** An alert in the job's failure group, which the job's next success resolves. */
export function jobFailingAlertOf(cluster: string, job: string): AlertBlock {
  return { ...jobAlertGroup(cluster, job), resolvedBy: 'resolving-event' };
}

/** A success ends the job's failure group; notify reads it as a resolution, and one for no open group costs a read. */
function jobRecoveredAlert(run: RunRecord): AlertBlock {
  return { ...jobAlertGroup(clusterNameOf(run.cluster), run.job), resolves: true };
}

function jobAlertGroup(cluster: string, job: string): AlertBlock {
  return {
    cluster,
    subject: { kind: 'job', name: job },
    category: JOB_FAILING_CATEGORY,
    severity: 'critical',
  };
}
