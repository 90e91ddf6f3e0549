/**
 * notify's trigger contract: what it is invoked with — an event from our bus (the alerts rule routes
 * those with detail.alert, ALERT_EVENT_PATTERN) or one of its own timers — and what it does not emit:
 * notify publishes to the alert topic, never to the bus. zod/mini keeps the cold start small. Every kind
 * of event notify takes an alert from has a schema here, which checks what its message will show: a
 * malformed event fails here, named in one line (and ends in notify's dead-letter queue), before it is
 * counted — never at the flush that would render it minutes later and hold back its whole group. An
 * alert in an event of another kind is refused the same way.
 */
import * as z from 'zod/mini';
import { DEPLOYMENT_DETAIL_TYPES, DEPLOYMENT_REQUEST_DETAIL_TYPES } from '../blue-green/model.ts';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { BadEventError, excerptOf } from '../errors.ts';
import type { AlertBlock } from '../events/alert.ts';
import { EVENT_SOURCE, JOB_RUN_DETAIL_TYPES } from '../events/bus.ts';
import { JOB_SUCCESS_OVERDUE } from '../events/job-freshness-events.ts';
import { SCALING_DETAIL_TYPES } from '../events/scaling-events.ts';
import { SERVICE_EVENT_DETAIL_TYPES, SERVICE_PROBLEM_DETAIL_TYPES } from '../events/service-events.ts';
import { STOPPED_TASK_DETAIL_TYPES } from '../events/stopped-task-events.ts';
import type { AlertDetail, AlertSample } from './decide.ts';

/** On our bus, every event that has an alert: `exists` matches a leaf, so it tests alert.cluster. */
export const ALERT_EVENT_PATTERN = {
  source: [EVENT_SOURCE],
  // The requests are the only events others (`deployers`) may put on the bus: an alert in one is forged.
  'detail-type': [{ 'anything-but': [...DEPLOYMENT_REQUEST_DETAIL_TYPES] }],
  detail: { alert: { cluster: [{ exists: true }] } },
} as const;

const ALERT_TIMERS = ['alert-flush', 'alert-resolve'] as const;
export type AlertTimer = (typeof ALERT_TIMERS)[number];

/** The input of a group's timers: which timer, of which group, armed for when (a stale one is told by it). */
export interface AlertTimerInput {
  timer: AlertTimer;
  groupKey: string;
  at: string;
}

export type NotifyInput =
  /** `eventId`: what the event is counted by, once (see eventIdOf). */
  | { kind: 'alert'; alert: AlertBlock; sample: AlertSample; eventId: string }
  /** An event that ends its group's episode (alert.resolves): a watched task's restarts resumed, a job's success; `time`: when it happened. */
  | { kind: 'resolution'; alert: AlertBlock; id: string; detailType: string; time: string }
  /** An event without an alert: nothing for a person (the rule should not have sent it). */
  | { kind: 'no-alert'; id: string; detailType: string }
  | { kind: 'timer'; timer: AlertTimerInput };

/** notify's input schemas, built on first use (not at import: see shared/built-on-first-use.ts). */
const schemas = builtOnFirstUse(() => {
  const text = z.string().check(z.minLength(1));
  const instant = z.iso.datetime({ offset: true });

  const timerSchema = z.object({ timer: z.enum(ALERT_TIMERS), groupKey: text, at: instant });

  const busEventSchema = z.object({
    id: text,
    source: z.literal(EVENT_SOURCE),
    'detail-type': text,
    time: instant,
    detail: z.record(z.string(), z.unknown()),
  });

  const eventIdSchema = z.optional(text);

  const alertSchema = z.object({
    cluster: text,
    subject: z.object({ kind: z.enum(['job', 'watched-task', 'service', 'app']), name: text }),
    category: text,
    severity: z.enum(['critical', 'warning']),
    resolvedBy: z.optional(z.enum(['quiet-period', 'resolving-event'])),
    resolves: z.optional(z.boolean()),
  });

  const stopSchema = z.object({
    taskArn: text,
    taskId: text,
    clusterArn: z.string(),
    taskDefinitionArn: z.string(),
    family: text,
    revision: z.number(),
    availabilityZone: z.optional(z.string()),
    stopCode: z.optional(z.string()),
    stoppedReason: z.optional(z.string()),
    containers: z.array(z.object({ name: text, exitCode: z.optional(z.number()), reason: z.optional(z.string()) })),
    classification: z.object({ category: text, because: z.string() }),
    advice: z.object({ likelyCause: z.string(), nextSteps: z.array(z.string()) }),
    consoleUrl: z.string(),
    logs: z.array(z.object({ container: text, url: z.string() })),
  });

  const jobRunSchema = z.object({
    job: text,
    scheduledTime: instant,
    attempt: z.number(),
    cluster: text,
    taskDefinition: text,
    taskArns: z.array(z.string()),
    reason: z.optional(z.string()),
    runtime: z.optional(z.string()),
    stop: z.optional(stopSchema),
    retry: z.optional(
      z.discriminatedUnion('willRetry', [
        z.object({ willRetry: z.literal(true), nextAttempt: z.number(), retryAt: instant, because: z.string() }),
        z.object({ willRetry: z.literal(false), because: z.string() }),
      ]),
    ),
  });

  /** What a message says of a deployment that rolled back or failed (render.ts, deploymentView). */
  const deploymentSchema = z.object({
    app: text,
    deploymentId: text,
    reason: z.string(),
    from: z.optional(z.string()),
    to: z.optional(z.string()),
    fromService: z.optional(z.string()),
    toService: z.optional(z.string()),
    taskDefinition: z.optional(z.string()),
    requestedBy: z.optional(z.string()),
    weights: z.optional(z.array(z.object({ at: instant, newPercent: z.number(), why: z.string() }))),
  });

  /** What a message says of an event without a view of its own: its reason and the next step it names. */
  const reasonAndNextStepSchema = z.object({ reason: z.string(), nextStep: z.string() });

  /** What a message says of a problem ECS reported about a service (render.ts, serviceProblemView). */
  const serviceProblemSchema = z.extend(reasonAndNextStepSchema, {
    service: text,
    serviceArn: text,
    ecsEvent: z.object({ id: text, eventName: text, eventType: text, time: instant }),
    consoleUrl: z.string(),
    resolvedWhen: z.string(),
  });

  /** The events whose alert counts into a group: the message is rendered from their detail. */
  const detailSchemas: Record<string, z.ZodMiniType> = {
    [JOB_RUN_DETAIL_TYPES.failed]: jobRunSchema,
    [JOB_RUN_DETAIL_TYPES['timed-out']]: jobRunSchema,
    [JOB_RUN_DETAIL_TYPES.missed]: jobRunSchema,
    [JOB_RUN_DETAIL_TYPES.skipped]: z.extend(jobRunSchema, { consecutiveSkips: z.optional(z.number()) }),
    [JOB_SUCCESS_OVERDUE]: z.object({
      job: text,
      cluster: text,
      taskDefinition: text,
      expectSuccessWithin: text,
      since: instant,
      armedBy: z.enum(['success', 'firing']),
      reason: z.string(),
    }),
    [STOPPED_TASK_DETAIL_TYPES.crashLoopDetected]: z.object({
      subject: z.object({ kind: z.enum(['watched-task', 'service']), name: text }),
      stops: z.number(),
      windowSeconds: z.number(),
      dominantCategory: text,
      categories: z.record(z.string(), z.number()),
      action: z.enum(['restarts-paused', 'alert-only']),
      lastStop: stopSchema,
      resumeWith: z.optional(z.string()),
      pausedAt: z.optional(instant),
    }),
    [STOPPED_TASK_DETAIL_TYPES.infrastructureLossDetected]: z.object({
      subject: z.object({ kind: z.literal('service'), name: text }),
      stops: z.number(),
      windowSeconds: z.number(),
      categories: z.record(z.string(), z.number()),
      lastStop: stopSchema,
      reason: z.string(),
      advice: z.object({ likelyCause: z.string(), nextSteps: z.array(z.string()) }),
    }),
    [STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped]: z.object({
      watchedTask: text,
      stop: stopSchema,
      decision: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('restart'), delaySeconds: z.number(), restartAt: instant }),
        z.object({ kind: z.enum(['restart-now', 'no-restart', 'paused']), reason: z.string() }),
      ]),
    }),
    [STOPPED_TASK_DETAIL_TYPES.serviceTaskStopped]: z.object({
      service: text,
      stop: stopSchema,
      counted: z.boolean(),
      stopsInWindow: z.number(),
    }),
    [STOPPED_TASK_DETAIL_TYPES.watchedTaskRestartFailed]: z.extend(reasonAndNextStepSchema, { watchedTask: text }),
    [SCALING_DETAIL_TYPES.failed]: z.extend(reasonAndNextStepSchema, { service: text }),
    [DEPLOYMENT_DETAIL_TYPES.rolledBack]: deploymentSchema,
    [DEPLOYMENT_DETAIL_TYPES.failed]: deploymentSchema,
    [DEPLOYMENT_DETAIL_TYPES.held]: deploymentSchema,
    ...Object.fromEntries(SERVICE_PROBLEM_DETAIL_TYPES.map((detailType) => [detailType, serviceProblemSchema])),
  };

  /** The events whose alert ends its group's episode (alert.resolves): nothing of their detail is shown. */
  const resolvingSchemas: Record<string, z.ZodMiniType> = {
    [STOPPED_TASK_DETAIL_TYPES.watchedTaskResumed]: z.object({ watchedTask: text }),
    [SERVICE_EVENT_DETAIL_TYPES.recovered]: z.object({ service: text }),
    [JOB_RUN_DETAIL_TYPES.succeeded]: z.object({ job: text }),
  };

  return { timerSchema, busEventSchema, eventIdSchema, alertSchema, detailSchemas, resolvingSchemas };
});

export function alertTimerInput(timer: AlertTimer, groupKey: string, at: string): AlertTimerInput {
  return { timer, groupKey, at };
}

export function parseNotifyInput(event: unknown): NotifyInput {
  const { timerSchema, busEventSchema, eventIdSchema, alertSchema, detailSchemas, resolvingSchemas } = schemas();
  if (typeof event === 'object' && event !== null && 'timer' in event) {
    return { kind: 'timer', timer: check(timerSchema, event, 'not a notify timer input', event) };
  }
  const envelope = check(busEventSchema, event, `not an event from the ${EVENT_SOURCE} bus nor a notify timer input`, event);
  const detailType = envelope['detail-type'];
  // Both come from the event as it was put: quoted and cut, so that the message stays one short line.
  const what = `the ${excerptOf(detailType, 100)} event ${excerptOf(envelope.id, 100)}`;
  // A request is put by a pipeline, not decided by ecs-autopilot: whatever alert it carries is forged.
  const forged = (DEPLOYMENT_REQUEST_DETAIL_TYPES as readonly string[]).includes(detailType);
  if (envelope.detail.alert === undefined || forged) return { kind: 'no-alert', id: envelope.id, detailType };
  const alert = check(alertSchema, envelope.detail.alert, `${what} has a malformed alert block`, event);
  const time = new Date(envelope.time).toISOString();
  const bodySchemas = alert.resolves ? resolvingSchemas : detailSchemas;
  const detailSchema = Object.hasOwn(bodySchemas, detailType) ? bodySchemas[detailType] : undefined;
  if (!detailSchema) {
    const known = Object.keys(bodySchemas).join(', ');
    throw new BadEventError(`${what} carries an alert, but notify renders none of its kind (it renders ${known}): ${excerptOf(event)}`);
  }
  check(detailSchema, envelope.detail, `${what} has a malformed detail`, event);
  if (alert.resolves) return { kind: 'resolution', alert, id: envelope.id, detailType, time };
  const decisionId = check(eventIdSchema, envelope.detail.eventId, `${what} has a malformed detail.eventId`, event);
  // The detail as it came (the schemas check a part of it): the message is rendered from all of it.
  const sample: AlertSample = { id: envelope.id, detailType, time, detail: envelope.detail as AlertDetail };
  const unstorable = whyNotStorable(sample);
  if (unstorable) throw new BadEventError(`${what} has a detail notify cannot store: ${unstorable}: ${excerptOf(event)}`);
  return { kind: 'alert', alert, sample, eventId: eventIdOf(envelope.id, decisionId) };
}

/**
 * The most of a sample, as JSON, that notify keeps: EventBridge's limit on an event (a PutEvents entry),
 * so that no event that came over the bus is refused, while the group's inbox, which holds the sample
 * beside its remembered ids (~6 KB), and its decisions, whose message holds it again, stay within
 * DynamoDB's 400 KB item.
 */
export const MAX_SAMPLE_BYTES = 262_144;

/**
 * Why the group's items could not hold `sample` (undefined: they can). Refused here, before anything is
 * counted, rather than cut: a message rendered from part of a detail would say something the event did
 * not, and a sample the inbox cannot take would fail the count on every retry. Alert events come from
 * ecs-autopilot's own functions with details of a few KB, so one that is not storable is a defect that
 * the dead-letter queue keeps for a person.
 */
function whyNotStorable(sample: AlertSample): string | undefined {
  let json: string;
  try {
    json = JSON.stringify(sample);
  } catch (error) {
    return `it must be JSON, and cannot be written as JSON (${(error as Error).message})`;
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_SAMPLE_BYTES) return `${bytes} bytes as JSON, too big (at most ${MAX_SAMPLE_BYTES}, the most an EventBridge event holds)`;
  return undefined;
}

/**
 * What an event is counted by: the id of the decision it reports (detail.eventId), which a publisher that
 * puts the same decision on the bus again after a crash or a retry gives it again; for events that carry
 * none yet, EventBridge's own id, which a redelivery of the same event keeps.
 */
function eventIdOf(eventBridgeId: string, decisionId: string | undefined): string {
  return decisionId ?? `eventbridge:${eventBridgeId}`;
}

function check<T>(schema: z.ZodMiniType<T>, value: unknown, problem: string, event: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new BadEventError(`${problem} (${issuesText(result.error.issues)}): ${excerptOf(event)}`);
}

/** The issues a reader needs to start with, on one line: a few, their paths' keys (from the event) cut. */
const ISSUES_SHOWN = 5;

function issuesText(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, ISSUES_SHOWN).map((issue) => `${issuePath(issue.path)}: ${issue.message}`);
  const more = issues.length > ISSUES_SHOWN ? `; and ${issues.length - ISSUES_SHOWN} more` : '';
  return `${shown.join('; ')}${more}`.replace(/\s+/g, ' ');
}

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'value';
  return path
    .map((key) => (typeof key === 'number' || /^[\w-]{1,64}$/.test(String(key)) ? String(key) : excerptOf(String(key), 50)))
    .join('.');
}
