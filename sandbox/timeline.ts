/**
 * What the sandbox shows: one timeline line per event, in the local time of the job's (or the scaled
 * service's) zone, a summary per job, per watched task, per scaled service and per deployment (with its
 * weight history), and the alerts that would have been sent. Outcome lines are made from the events the real handlers published on the bus, alert
 * lines from the messages notify published.
 */
import type { Hold } from '../shared/alerts/hold.ts';
import type { ChatbotNotification } from '../shared/alerts/render.ts';
import { DEPLOYMENT_DETAIL_TYPES } from '../shared/blue-green/model.ts';
import { formatDuration } from '../shared/config/duration.ts';
import type { JobSpec } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';
import {
  type Bounds,
  SCALING_DETAIL_TYPES,
  type ScalingWhy,
  type ServiceScaledDetail,
  type ServiceScalingDeferredDetail,
  type ServiceScalingFailedDetail,
  type ServiceShape,
} from '../shared/events/scaling-events.ts';
import { STOPPED_TASK_DETAIL_TYPES } from '../shared/events/stopped-task-events.ts';
import { type RetryDecision, RUN_STATUSES, type RunRecord, type RunStatus } from '../shared/jobs/run-record.ts';
import { describeShape } from '../shared/scaling/decide.ts';
import type { PublishedEvent } from './seed.ts';

export type RunOutcome = Exclude<RunStatus, 'launching'>;

export type TimelineKind =
  | RunOutcome
  | 'task-exited'
  | 'task-already-stopped'
  | 'spot-notice'
  | 'capacity-outage'
  | 'late-delivery'
  | 'duplicate-delivery'
  | 'delivery-error'
  | 'watched-task-started'
  | 'watched-task-stopped'
  | 'watched-task-restarted'
  | 'watched-task-resumed'
  | 'watched-task-restart-failed'
  | 'crash-loop'
  | 'service-task-stopped'
  | 'service-scaled'
  | 'service-scaling-deferred'
  | 'service-scaling-failed'
  | 'deployment-requested'
  | 'deployment-started'
  | 'deployment-step'
  | 'deployment-hook'
  | 'deployment-held'
  | 'deployment-succeeded'
  | 'deployment-rolled-back'
  | 'deployment-failed'
  | 'deployment-rejected'
  | 'alarm-state'
  | 'operator-command'
  | 'metric-values'
  | 'target-health'
  | 'listener-changed'
  | 'circuit-breaker'
  | 'autoscaling'
  | 'service-event'
  | 'silence'
  | 'manual-run'
  | 'suspension'
  | 'alert-held'
  | 'alert-sent';

export interface TimelineEntry {
  /** When it happened on the virtual clock (ISO 8601 UTC). */
  time: string;
  /** `time` in `timeZone`, e.g. `2026-11-23 02:00 CET`. */
  local: string;
  timeZone: string;
  /** The job, or what the line is about when no job is (a watched task, a service, a capacity provider). */
  subject: string;
  job?: string | undefined;
  what: TimelineKind;
  /** `what` in words: `launched`, `task exited 0`, `capacity outage injected`… */
  label: string;
  detail: string;
  scheduledTime?: string | undefined;
  taskArns?: string[] | undefined;
  /** Where the fact comes from: an event on the bus, the run history, the scenario's own injection, an alert message. */
  source: 'bus' | 'run-history' | 'scenario' | 'scheduler' | 'alert-topic';
}

export interface JobSummary {
  job: string;
  schedule: string;
  timeZone: string;
  suspended: boolean;
  /** Firings of the schedule in the window. */
  firings: number;
  /** Attempts that started tasks (whatever became of them); a retry is an attempt of its own. */
  launched: number;
  /** Failed attempts that the retry policy tried again. */
  retries: number;
  skipped: number;
  missed: number;
  /** Failed attempts that nothing tried again: the final failures. */
  failed: number;
  timedOut: number;
  replaced: number;
  succeeded: number;
  /** Runs still recorded as launched at the end of the window: no end of theirs has been recorded yet. */
  open: number;
  /** The job's run history as the handlers left it, oldest first. */
  runs: RunSummary[];
}

export type RunSummary = Pick<
  RunRecord,
  | 'scheduledTime'
  | 'attempt'
  | 'status'
  | 'reason'
  | 'category'
  | 'retry'
  | 'capacityProvider'
  | 'taskArns'
  | 'launchedAt'
  | 'endedAt'
  | 'manualId'
  | 'catchUp'
  | 'skippedFor'
>;

export interface WatchedTaskSummary {
  watchedTask: string;
  cluster: string;
  /** Its tasks that stopped (Spot notices not counted). */
  stops: number;
  /** Tasks ecs-autopilot started to replace stopped ones. */
  restarts: number;
  /** Restarts paused by the crash-loop budget, as the watch state has it at the end of the window. */
  paused: { at: string; local: string; reason: string } | undefined;
}

export interface ServiceScalingSummary {
  /** The key in automation.yml `services`. */
  serviceKey: string;
  cluster: string;
  /** The zone of its scaling schedules, which its timeline lines are shown in. */
  timeZone: string;
  /** Changes scale-service made (Service Scaled events). */
  changes: number;
  deferrals: number;
  failures: number;
  /** Its desiredCount at the end of the window, as ECS has it; undefined when ECS has no active service of that name. */
  desiredCount: number | undefined;
  /** Its scalable target's bounds at the end of the window; undefined when it has none. */
  bounds: Bounds | undefined;
}

/** One weight the listener had during a deployment: percent on the new colour, and why. */
export interface WeightStep {
  at: string;
  local: string;
  newPercent: number;
  why: string;
}

/** A deployment the scenario requested, as shift-traffic left it in the state table. */
export interface DeploymentSummary {
  app: string;
  id: string;
  requestedAt: string;
  local: string;
  /** The services traffic moved from (the live colour) and to; undefined when it never got that far. */
  fromService: string | undefined;
  toService: string | undefined;
  /** The task definition the new colour ran (registered from the images when the request gave images). */
  taskDefinition: string | undefined;
  images: Record<string, string> | undefined;
  /** Its stage when the window ended, or `rejected` for a request that never became a deployment. */
  stage: string;
  /** Undefined while it still runs. */
  outcome: { status: 'succeeded' | 'rolled-back' | 'failed' | 'rejected'; reason: string; at: string; local: string } | undefined;
  /** Every weight the listener had, in order (the start, 0%, is not listed). */
  weights: WeightStep[];
}

/** A blue/green app as the emulated AWS has it at the end of the window. */
export interface AppSummary {
  app: string;
  /** Per colour: its share of the listener's (or rule's) forward action, and its service. */
  colours: Array<{
    colour: 'blue' | 'green';
    service: string;
    /** Percent of the traffic; undefined when the forward action does not name its target group. */
    percent: number | undefined;
    /** Undefined when ECS has no active service of that name. */
    desiredCount: number | undefined;
    taskDefinition: string | undefined;
  }>;
}

/** A message notify published on the alert topic, as its subscribers got it. */
export interface SentAlert {
  /** When notify published it (virtual clock). */
  time: string;
  local: string;
  status: 'firing' | 'resolved';
  /** cluster|kind:name|category: one message stream per group. */
  groupKey: string;
  /** The SNS subject, also the email's. */
  subject: string;
  /** The email's text. */
  text: string;
  /** What AWS Chatbot posts to Slack or Teams. */
  chatbot: ChatbotNotification | undefined;
}

/** A message notify held back instead of sending it (a silence, a mute window, inhibition). */
export interface HeldAlert {
  /** When notify held it (virtual clock). */
  time: string;
  local: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  /** Events held for the first time by this message. */
  count: number;
  hold: Hold;
  /** The hold in words: `silenced by 79617d75 until …`. */
  why: string;
}

export interface SandboxReport {
  window: {
    from: string;
    to: string;
    hours: number;
    timeZone: string;
    localFrom: string;
    localTo: string;
    /** `Monday`: the day of the week of localFrom (and of localTo), in timeZone. */
    localFromWeekday: string;
    localToWeekday: string;
    /** What chose the start: `--from`, the scenario's `day`, or the default, the next midnight. */
    chosenBy: 'from' | 'scenario-day' | 'next-midnight';
  };
  configFile: string;
  /** `day`: the scenario's day as written (`next-weekday`, `2026-12-07`), when it pins one. */
  scenario: { file: string; description: string | undefined; day?: string | undefined } | undefined;
  emulator: { endpoint: string; bridged: boolean };
  timeline: TimelineEntry[];
  summary: JobSummary[];
  watchedTasks: WatchedTaskSummary[];
  /** Per service with scaling. */
  services: ServiceScalingSummary[];
  /** Per deployment the scenario requested, in the order requested. */
  deployments: DeploymentSummary[];
  /** Per blue/green app: the listener's weights and the services at the end of the window. */
  apps: AppSummary[];
  /** Every message notify published, in the order sent. */
  alerts: SentAlert[];
  /** Every message notify held back, in order. */
  heldAlerts: HeldAlert[];
  /** Every event the handlers published on the bus, as the capture queue received them. */
  events: PublishedEvent[];
  /** Injections that found nothing to act on, and other remarks. */
  notes: string[];
  /** Wall-clock seconds the simulation took. */
  realSeconds: number;
}

export function timelineEntry(fields: Omit<TimelineEntry, 'time' | 'local' | 'label'> & { time: Date; label?: string }): TimelineEntry {
  const { time, label, timeZone, subject, job, what, detail, scheduledTime, taskArns, source } = fields;
  return {
    time: time.toISOString(),
    local: formatLocal(time, timeZone),
    timeZone,
    subject,
    job,
    what,
    label: label ?? what,
    detail,
    scheduledTime,
    taskArns,
    source,
  };
}

export function shortTaskId(taskArn: string): string {
  return (taskArn.split('/').pop() ?? taskArn).replaceAll('-', '').slice(0, 6);
}

export function describeTasks(taskArns: string[]): string {
  if (taskArns.length === 0) return '';
  return `(task${taskArns.length === 1 ? '' : 's'} ${taskArns.map(shortTaskId).join(', ')})`;
}

/** `02:00` in the zone (`02:00:40` with seconds): how a run is named on a line that may be hours after it was scheduled. */
export function localClockTime(iso: string, timeZone: string, seconds = false): string {
  const instant = new Date(iso);
  const minutes = formatLocal(instant, timeZone).slice(11, 16);
  return seconds ? `${minutes}:${String(instant.getUTCSeconds()).padStart(2, '0')}` : minutes;
}

interface RunDetail {
  job?: string;
  scheduledTime?: string;
  attempt?: number;
  status?: string;
  reason?: string;
  taskArns?: string[];
  capacityProvider?: string;
  /** Where the attempt's capacity fallback started (past FARGATE_SPOT for a retry after a Spot interruption). */
  launch?: { firstProviderIndex?: number };
  receivedAt?: string;
  launchedAt?: string;
  updatedAt?: string;
  runtime?: string;
  retry?: RetryDecision;
}

/** Every status a run's event announces: all but `launching`, which no event carries. */
const OUTCOMES: readonly string[] = RUN_STATUSES.filter((status) => status !== 'launching');

/** The timeline line of a `Job Run …` event; undefined for events that are not about a job run. */
export function outcomeEntry(event: PublishedEvent, job: JobSpec | undefined): TimelineEntry | undefined {
  const detail = event.detail as RunDetail;
  if (!detail.job || !detail.status || !OUTCOMES.includes(detail.status)) return undefined;
  const timeZone = job?.timezone ?? 'UTC';
  const status = detail.status as RunOutcome;
  const taskArns = detail.taskArns ?? [];
  const scheduled = detail.scheduledTime ? localClockTime(detail.scheduledTime, timeZone) : '?';
  const attempts = job?.retry.attempts ?? 1;
  const attempt = detail.attempt ?? 1;
  const ofAttempts = attempts > 1 ? `attempt ${attempt} of ${attempts}` : `attempt ${attempt}`;
  let text: string;
  let label: string = status;
  if (status === 'launched') {
    text = [launchedWhere(detail, job), describeTasks(taskArns)].filter(Boolean).join(' ');
    if (attempt > 1) text = `${ofAttempts} of the ${scheduled} run: ${text}`;
    const lateSeconds =
      detail.receivedAt && detail.scheduledTime ? (Date.parse(detail.receivedAt) - Date.parse(detail.scheduledTime)) / 1000 : 0;
    // A chained job starts when its upstreams end: after the firing it shares with them, by design.
    if (job?.after.length) text += `, for the ${scheduled} firing, after ${job.after.join(', ')}`;
    else if (attempt === 1 && lateSeconds >= 60) text += `, delivered ${formatDuration(lateSeconds)} after its scheduled time ${scheduled}`;
    if (detail.reason) text += ` — ${detail.reason}`;
  } else if (detail.launchedAt) {
    const how = detail.reason ?? (status === 'succeeded' ? 'every container exited 0' : status);
    const run = attempt > 1 ? `run of ${scheduled}, attempt ${attempt}` : `run of ${scheduled}`;
    text = `${run} ${describeTasks(taskArns)}: ${how}`.replace(' :', ':');
    if (detail.runtime && (status === 'succeeded' || status === 'failed')) text += `, after ${detail.runtime}`;
  } else {
    text = `${scheduled} firing: ${detail.reason ?? status}`;
  }
  // A failed attempt, whether its tasks failed or its launch found no capacity: what the retry policy does.
  if (status === 'failed' && detail.retry?.willRetry) {
    label = 'failed → retry';
    const wait = detail.updatedAt
      ? ` (in ${formatDuration((Date.parse(detail.retry.retryAt) - Date.parse(detail.updatedAt)) / 1000)})`
      : '';
    text += `; attempt ${detail.retry.nextAttempt} of ${attempts} at ${localClockTime(detail.retry.retryAt, timeZone)}${wait}`;
  } else if (status === 'failed' && detail.retry && attempts > 1) {
    text += `; no retry: ${detail.retry.because}`;
  }
  return timelineEntry({
    time: new Date(detail.updatedAt ?? event.time),
    timeZone,
    subject: detail.job,
    job: detail.job,
    what: status,
    label,
    detail: text,
    scheduledTime: detail.scheduledTime,
    taskArns,
    source: 'bus',
  });
}

interface StopDetail {
  taskArn?: string;
  isSpotNotice?: boolean;
  classification?: { category?: string; because?: string };
}

type WatchedDecision =
  | { kind: 'restart'; delaySeconds: number; restartAt: string }
  | { kind: 'restart-now' | 'no-restart' | 'paused'; reason: string };

/**
 * The timeline line of an event about a watched task or a service (Watched Task Stopped, Restarted,
 * Restart Failed, Restarts Resumed, Crash Loop Detected, Service Task Stopped); undefined for any other event.
 */
export function stoppedTaskEntry(event: PublishedEvent, timeZone: string): TimelineEntry | undefined {
  const detail = event.detail as Record<string, unknown>;
  const common = { time: new Date(event.time), timeZone, source: 'bus' as const };
  const stopped = (stop: StopDetail | undefined) => {
    const task = stop?.taskArn ? `task ${shortTaskId(stop.taskArn)}` : 'a task';
    const category = stop?.classification?.category;
    return `${task}${category ? ` (${category})` : ''}${stop?.classification?.because ? `: ${stop.classification.because}` : ''}`;
  };
  switch (event['detail-type']) {
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskStopped: {
      const decision = detail.decision as WatchedDecision;
      const stop = detail.stop as StopDetail;
      const [label, after] =
        stop?.isSpotNotice && decision.kind === 'restart-now'
          ? ['Spot notice → restart now', decision.reason]
          : decision.kind === 'restart'
            ? [
                `stopped → restart in ${formatDuration(decision.delaySeconds)}`,
                `restart at ${localClockTime(decision.restartAt, timeZone, true)}`,
              ]
            : decision.kind === 'restart-now'
              ? ['stopped → restart now', decision.reason]
              : decision.kind === 'no-restart'
                ? ['stopped, no restart', decision.reason]
                : ['stopped, not restarted', decision.reason];
      return timelineEntry({
        ...common,
        subject: String(detail.watchedTask),
        what: 'watched-task-stopped',
        label,
        detail: `${stopped(stop)}; ${after}`,
        taskArns: stop?.taskArn ? [stop.taskArn] : undefined,
      });
    }
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskRestarted: {
      const taskArns = (detail.taskArns as string[] | undefined) ?? [];
      const inWindow = Number(detail.restartsInWindow ?? 0);
      const replacing = String(detail.replacing ?? '');
      return timelineEntry({
        ...common,
        subject: String(detail.watchedTask),
        what: 'watched-task-restarted',
        label: 'restarted',
        detail:
          `${describeTasks(taskArns).replace(/^\((.*)\)$/, '$1')} started` +
          `${replacing.includes('/') ? `, replacing ${shortTaskId(replacing)}` : ''}` +
          (inWindow > 0 ? ` (${inWindow} restart${inWindow === 1 ? '' : 's'} within the crash-loop window)` : ''),
        taskArns,
      });
    }
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskRestartFailed: {
      const tries = Number(detail.tries ?? 1);
      const replacing = String(detail.replacing ?? '');
      return timelineEntry({
        ...common,
        subject: String(detail.watchedTask),
        what: 'watched-task-restart-failed',
        label: 'restart failed, paused',
        detail:
          `${replacing.includes('/') ? `replacing ${shortTaskId(replacing)}, ` : ''}after ${tries} ${tries === 1 ? 'try' : 'tries'}: ` +
          `${String(detail.reason ?? '')}; ${String(detail.nextStep ?? '')}`,
      });
    }
    case STOPPED_TASK_DETAIL_TYPES.watchedTaskResumed:
      return timelineEntry({
        ...common,
        subject: String(detail.watchedTask),
        what: 'watched-task-resumed',
        label: 'restarts resumed',
        detail: String(detail.reason ?? detail.by ?? ''),
      });
    case STOPPED_TASK_DETAIL_TYPES.crashLoopDetected: {
      const subject = detail.subject as { kind: string; name: string };
      const paused = detail.action === 'restarts-paused';
      return timelineEntry({
        ...common,
        subject: subject.name,
        what: 'crash-loop',
        label: 'crash loop detected',
        detail:
          `${detail.stops} stops within ${formatDuration(Number(detail.windowSeconds))}, mostly ${detail.dominantCategory}: ` +
          (paused
            ? `restarts paused until \`ecs-autopilot resume ${subject.name}\` or a new task definition revision`
            : 'ECS keeps replacing the tasks; ecs-autopilot alerts'),
      });
    }
    case STOPPED_TASK_DETAIL_TYPES.serviceTaskStopped: {
      const stop = detail.stop as StopDetail;
      return timelineEntry({
        ...common,
        subject: String(detail.service),
        what: 'service-task-stopped',
        label: 'task stopped',
        detail: `${stopped(stop)}${detail.counted ? `; ${detail.stopsInWindow} stops in the crash-loop window` : '; not counted'}`,
        taskArns: stop?.taskArn ? [stop.taskArn] : undefined,
      });
    }
    default:
      return undefined;
  }
}

const BASELINE: Record<ServiceScaledDetail['baseline'], string | undefined> = {
  remembered: 'baseline remembered',
  forgotten: 'baseline restored',
  kept: 'baseline kept',
  none: undefined,
};

/** What changed, bounds first as scale-service applies them: `bounds 2-8 → 4-20, desired 2 → 4`, or the count kept. */
function describeChange(from: ServiceShape, to: ServiceShape): string {
  const range = (bounds: Bounds | undefined) => (bounds ? `${bounds.min}-${bounds.max}` : 'none');
  const changes: string[] = [];
  if (to.bounds && range(from.bounds) !== range(to.bounds)) changes.push(`bounds ${range(from.bounds)} → ${range(to.bounds)}`);
  if (from.desiredCount !== to.desiredCount) changes.push(`desired ${from.desiredCount} → ${to.desiredCount}`);
  // New bounds that already hold the count leave it where autoscaling put it; say so, or a reader expects it to move.
  else if (changes.length > 0 && to.desiredCount !== undefined)
    changes.push(`desired ${to.desiredCount} kept: within the bounds, autoscaling moves it`);
  return changes.join(', ');
}

/** The period, override or "outside" that gave the target; a stop or restore also says so (the numbers alone do not). */
function describeWhy({ target, because }: ScalingWhy): string {
  const source = because.kind === 'override' ? `override ${because.name}` : (because.name ?? because.kind);
  return target.kind === 'stop' || target.kind === 'restore' ? `${source}: ${target.kind}` : source;
}

/**
 * The timeline line of a scaling event (Service Scaled, Service Scaling Deferred, Service Scaling
 * Failed), in the service's zone; undefined for any other event. `occasion` says why scale-service ran
 * when no schedule of the service fired then.
 */
export function scalingEntry(event: PublishedEvent, timeZone: string, occasion?: string): TimelineEntry | undefined {
  const common = { time: new Date(event.time), timeZone, subject: String(event.detail.serviceKey), source: 'bus' as const };
  const because = (why: ScalingWhy) => `(${[describeWhy(why), occasion].filter(Boolean).join(', ')})`;
  switch (event['detail-type']) {
    case SCALING_DETAIL_TYPES.scaled: {
      const detail = event.detail as unknown as ServiceScaledDetail;
      const baseline = BASELINE[detail.baseline];
      return timelineEntry({
        ...common,
        what: 'service-scaled',
        label: 'scaled',
        detail: `${describeChange(detail.from, detail.to)} ${because(detail.why)}${baseline ? `; ${baseline}` : ''}`,
      });
    }
    case SCALING_DETAIL_TYPES.deferred: {
      const detail = event.detail as unknown as ServiceScalingDeferredDetail;
      return timelineEntry({
        ...common,
        what: 'service-scaling-deferred',
        label: 'scaling deferred',
        detail:
          `${describeChange(detail.from, detail.to)} ${because(detail.why)} waits: ${detail.reason}; ` +
          `retry ${detail.attempt} at ${localClockTime(detail.retryAt, timeZone)}`,
      });
    }
    case SCALING_DETAIL_TYPES.failed: {
      const detail = event.detail as unknown as ServiceScalingFailedDetail;
      return timelineEntry({ ...common, what: 'service-scaling-failed', label: 'scaling failed', detail: detail.reason });
    }
    default:
      return undefined;
  }
}

/** What a deployment event (or a request for one) says, as shift-traffic's facts and the CLI's requests carry it. */
interface DeploymentDetail {
  app?: string;
  id?: string;
  /** A retry's or undo's new deployment. */
  newId?: string;
  /** A promote --full. */
  full?: boolean;
  deploymentId?: string;
  fromService?: string;
  toService?: string;
  newPercent?: number;
  step?: number;
  steps?: number;
  stage?: string;
  strategy?: string;
  reason?: string;
  taskDefinition?: string;
  images?: Record<string, string>;
  requestedBy?: string;
  by?: string;
  hook?: { id: string; runs: string; status?: string; output?: string };
  testListener?: { state: string };
}

/** `shop-blue 90% / shop-green 10%`: the colour traffic leaves first. */
export function describeWeights(fromService: string, toService: string, newPercent: number): string {
  return `${fromService} ${100 - newPercent}% / ${toService} ${newPercent}%`;
}

/** `task definition shop:7` or `image app=…/shop:v2`: what a deployment request asks for. */
function describeVersion(detail: DeploymentDetail): string {
  if (detail.taskDefinition) return `task definition ${detail.taskDefinition.split('/').pop()}`;
  const images = Object.entries(detail.images ?? {}).map(([container, image]) => `${container}=${image}`);
  return `image${images.length === 1 ? '' : 's'} ${images.join(', ')}`;
}

/**
 * The timeline line of a blue/green event on the bus: a request (deploy, promote, abort) and what
 * shift-traffic published about it (Started, Step Completed, Succeeded, Rolled Back, Failed, Rejected);
 * undefined for any other event.
 */
export function deploymentEntry(event: PublishedEvent, timeZone: string): TimelineEntry | undefined {
  const detail = event.detail as DeploymentDetail;
  const id = detail.deploymentId ?? detail.id ?? '?';
  const weights =
    detail.fromService && detail.toService ? describeWeights(detail.fromService, detail.toService, detail.newPercent ?? 0) : undefined;
  const line = (what: TimelineKind, label: string, text: string) =>
    timelineEntry({ time: new Date(event.time), timeZone, subject: String(detail.app), what, label, detail: text, source: 'bus' });
  const by = detail.by ? ` by ${detail.by}` : '';
  switch (event['detail-type']) {
    case DEPLOYMENT_DETAIL_TYPES.requested:
      return line(
        'deployment-requested',
        'deploy requested',
        `${id}: ${describeVersion(detail)}${detail.requestedBy ? `, by ${detail.requestedBy}` : ''}`,
      );
    case DEPLOYMENT_DETAIL_TYPES.promoteRequested:
      return line('deployment-requested', 'promote requested', `${id}${detail.full ? ' (--full: straight to 100%)' : ''}${by}`);
    case DEPLOYMENT_DETAIL_TYPES.retryRequested:
      return line('deployment-requested', 'retry requested', `${detail.newId ?? '?'}: ${id}'s revision again${by}`);
    case DEPLOYMENT_DETAIL_TYPES.undoRequested:
      return line('deployment-requested', 'undo requested', `${detail.newId ?? '?'}: the revision before ${id}${by}`);
    case DEPLOYMENT_DETAIL_TYPES.abortRequested:
      return line('deployment-requested', 'abort requested', `${id}${by}${detail.reason ? `: ${detail.reason}` : ''}`);
    case DEPLOYMENT_DETAIL_TYPES.started:
      return line(
        'deployment-started',
        'deployment started',
        `${id}: from ${detail.fromService} (live) to ${detail.toService}, ${detail.strategy} in ${detail.steps} steps`,
      );
    case DEPLOYMENT_DETAIL_TYPES.stepCompleted: {
      const holding = detail.stage === 'baking' ? 'baking' : detail.stage === 'paused' ? 'paused' : detail.stage;
      return line(
        'deployment-step',
        'traffic shifted',
        `${weights ?? `${detail.newPercent}%`} (step ${detail.step} of ${detail.steps}, ${holding})`,
      );
    }
    case DEPLOYMENT_DETAIL_TYPES.hookStarted:
    case DEPLOYMENT_DETAIL_TYPES.hookPassed:
    case DEPLOYMENT_DETAIL_TYPES.hookFailed: {
      const hook = detail.hook ?? { id: '?', runs: '?' };
      const verdict = event['detail-type'] === DEPLOYMENT_DETAIL_TYPES.hookStarted ? 'hook started' : `hook ${hook.status ?? 'ended'}`;
      const tested = detail.testListener?.state === 'set' && detail.toService ? ` (the test listener on ${detail.toService})` : '';
      return line('deployment-hook', verdict, `${hook.id}: ${hook.runs}${tested}${hook.output ? `: ${hook.output}` : ''}`);
    }
    case DEPLOYMENT_DETAIL_TYPES.held:
      return line('deployment-held', 'deployment held', `${id}: ${detail.reason}`);
    case DEPLOYMENT_DETAIL_TYPES.succeeded:
      return line('deployment-succeeded', 'deployment succeeded', `${id}: ${detail.reason}`);
    case DEPLOYMENT_DETAIL_TYPES.rolledBack:
      return line('deployment-rolled-back', 'rolled back', `${id}: ${detail.reason}${weights ? `; back to ${weights}` : ''}`);
    case DEPLOYMENT_DETAIL_TYPES.failed:
      return line('deployment-failed', 'deployment failed', `${id}: ${detail.reason}`);
    case DEPLOYMENT_DETAIL_TYPES.rejected:
      return line('deployment-rejected', 'deploy rejected', `${id}: ${detail.reason}`);
    default:
      return undefined;
  }
}

/** The timeline line of a message notify published. */
export function alertEntry(alert: SentAlert, timeZone: string): TimelineEntry {
  const [, subject = alert.groupKey] = /^[^|]*\|[^:|]*:([^|]*)\|/.exec(alert.groupKey) ?? [];
  return timelineEntry({
    time: new Date(alert.time),
    timeZone,
    subject,
    what: 'alert-sent',
    label: alert.status === 'resolved' ? 'alert sent (resolved)' : 'alert sent',
    detail: alert.subject,
    source: 'alert-topic',
  });
}

function launchedWhere(detail: RunDetail, job: JobSpec | undefined): string {
  const count = `${detail.taskArns?.length ?? 0} task${detail.taskArns?.length === 1 ? '' : 's'}`;
  const where = detail.capacityProvider;
  if (!where || where === 'cluster default') return `${count} on the cluster's default capacity`;
  const providers = job && 'capacityProviders' in job.launch ? job.launch.capacityProviders : [];
  const first = detail.launch?.firstProviderIndex ?? 0;
  const index = providers.indexOf(where);
  return index > first ? `${count} on ${where} after ${providers.slice(first, index).join(', ')} had no capacity` : `${count} on ${where}`;
}

export function renderTimeline(entries: TimelineEntry[]): string[] {
  const width = (pick: (e: TimelineEntry) => string) => Math.max(0, ...entries.map((e) => pick(e).length));
  const local = width((e) => e.local);
  const subject = width((e) => e.subject);
  const label = width((e) => e.label);
  return entries.map((e) => `${e.local.padEnd(local)}  ${e.subject.padEnd(subject)}  ${e.label.padEnd(label)}  ${e.detail}`.trimEnd());
}

const SUMMARY_COLUMNS: Array<[string, keyof JobSummary]> = [
  ['firings', 'firings'],
  ['launched', 'launched'],
  ['retries', 'retries'],
  ['skipped', 'skipped'],
  ['missed', 'missed'],
  ['failed', 'failed'],
  ['timed-out', 'timedOut'],
  ['replaced', 'replaced'],
  ['succeeded', 'succeeded'],
  ['open', 'open'],
];

export function renderSummary(rows: JobSummary[]): string[] {
  const jobWidth = Math.max(3, ...rows.map((row) => row.job.length));
  const header = ['job'.padEnd(jobWidth), ...SUMMARY_COLUMNS.map(([title]) => title)].join('  ');
  const lines = rows.map((row) => {
    if (row.suspended) return `${row.job.padEnd(jobWidth)}  suspended: ${row.schedule} does not fire`;
    return [row.job.padEnd(jobWidth), ...SUMMARY_COLUMNS.map(([title, key]) => String(row[key]).padStart(title.length))].join('  ');
  });
  return [header, ...lines];
}

export function renderWatchedTasks(rows: WatchedTaskSummary[]): string[] {
  if (rows.length === 0) return [];
  const nameWidth = Math.max('watched task'.length, ...rows.map((row) => row.watchedTask.length));
  const header = ['watched task'.padEnd(nameWidth), 'stops', 'restarts', 'restarts paused'].join('  ');
  const lines = rows.map((row) =>
    [
      row.watchedTask.padEnd(nameWidth),
      String(row.stops).padStart('stops'.length),
      String(row.restarts).padStart('restarts'.length),
      row.paused ? `since ${row.paused.local.slice(11)}: ${row.paused.reason}` : 'no',
    ].join('  '),
  );
  return [header, ...lines];
}

export function renderServiceScaling(rows: ServiceScalingSummary[]): string[] {
  if (rows.length === 0) return [];
  const nameWidth = Math.max('service'.length, ...rows.map((row) => row.serviceKey.length));
  const header = ['service'.padEnd(nameWidth), 'changes', 'deferrals', 'failures', 'at the end'].join('  ');
  const lines = rows.map((row) =>
    [
      row.serviceKey.padEnd(nameWidth),
      String(row.changes).padStart('changes'.length),
      String(row.deferrals).padStart('deferrals'.length),
      String(row.failures).padStart('failures'.length),
      row.desiredCount === undefined
        ? `no active service in ${row.cluster}`
        : describeShape({ desiredCount: row.desiredCount, bounds: row.bounds }),
    ].join('  '),
  );
  return [header, ...lines];
}

const OUTCOME_WORDS: Record<string, string> = { 'rolled-back': 'rolled back' };

/** One line per deployment: `shop  shop-20261123T090000-ab12  shop-blue → shop-green  succeeded  0 → 10 → 100%`. */
export function renderDeployments(rows: DeploymentSummary[]): string[] {
  if (rows.length === 0) return [];
  const cells = rows.map((row) => {
    const status = row.outcome?.status ?? `${row.stage} (still running)`;
    const progression = `${[0, ...row.weights.map((w) => w.newPercent)].join(' → ')}%`;
    const reason = row.outcome && row.outcome.status !== 'succeeded' ? row.outcome.reason : undefined;
    return [
      row.app,
      row.id,
      row.fromService && row.toService ? `${row.fromService} → ${row.toService}` : '-',
      OUTCOME_WORDS[status] ?? status,
      row.outcome?.status === 'rejected' ? (reason ?? '') : `${progression}${reason ? `: ${reason}` : ''}`,
    ];
  });
  const header = ['app', 'deployment', 'from → to', 'outcome', 'weights on the new colour'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]?.length ?? 0)));
  const render = (cell: string[]) =>
    cell
      .map((text, column) => (column === cell.length - 1 ? text : text.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [render(header), ...cells.map(render)];
}

/** `shop at the end: shop-green 100% of the traffic, 2 tasks of shop:2; shop-blue 0%, 0 tasks of shop:3`. */
export function renderApps(rows: AppSummary[]): string[] {
  return rows.map((row) => {
    const colours = [...row.colours].sort((a, b) => (b.percent ?? -1) - (a.percent ?? -1));
    const parts = colours.map((c, index) => {
      const share = c.percent === undefined ? 'not in the forward action' : `${c.percent}%${index === 0 ? ' of the traffic' : ''}`;
      const tasks =
        c.desiredCount === undefined
          ? 'no active service'
          : `${c.desiredCount} task${c.desiredCount === 1 ? '' : 's'} of ${c.taskDefinition?.split('/').pop() ?? '?'}`;
      return `${c.service} ${share}, ${tasks}`;
    });
    return `${row.app} at the end: ${parts.join('; ')}`;
  });
}

export function renderAlertCount(alerts: SentAlert[], held: HeldAlert[] = []): string {
  const resolved = alerts.filter((alert) => alert.status === 'resolved').length;
  const kinds = [`${alerts.length - resolved} firing`, ...(resolved > 0 ? [`${resolved} resolved`] : [])].join(', ');
  const sent =
    alerts.length === 0
      ? 'alerts: none would have been sent'
      : `alerts: ${alerts.length} message${alerts.length === 1 ? '' : 's'} would have been sent (${kinds})`;
  const byKind = new Map<string, number>();
  for (const message of held) byKind.set(message.hold.kind, (byKind.get(message.hold.kind) ?? 0) + 1);
  const heldBack =
    held.length === 0 ? '' : `; ${held.length} held back (${[...byKind].map(([kind, count]) => `${count} ${kind}`).join(', ')})`;
  return `${sent}${heldBack}${alerts.length > 0 ? '; --json has their text' : ''}`;
}

/** `Monday 2026-12-07 00:00 CET → Tuesday 2026-12-08 00:00 CET (24h, Europe/Berlin, the scenario's day: next-weekday)`. */
export function describeWindow(window: SandboxReport['window'], scenarioDay: string | undefined): string {
  const chosenBy = { from: '--from', 'scenario-day': `the scenario's day: ${scenarioDay}`, 'next-midnight': 'the next midnight' }[
    window.chosenBy
  ];
  return (
    `${window.localFromWeekday} ${window.localFrom} → ${window.localToWeekday} ${window.localTo} ` +
    `(${window.hours}h, ${window.timeZone}, ${chosenBy})`
  );
}

export function renderSandboxReport(report: SandboxReport): string {
  const { window } = report;
  const lines = [
    `Sandbox: ${report.configFile}${report.scenario ? ` with scenario ${report.scenario.file}` : ''} on ${report.emulator.endpoint}`,
    ...wrap(report.scenario?.description ?? '', 100).map((line) => `  ${line}`),
    `Simulated ${describeWindow(window, report.scenario?.day)} in ${report.realSeconds.toFixed(1)}s`,
    '',
    ...(report.timeline.length > 0 ? renderTimeline(report.timeline) : ['(nothing fired in the window)']),
    '',
    ...renderSummary(report.summary),
  ];
  if (report.summary.some((row) => row.open > 0)) {
    lines.push('', 'open: runs still recorded as launched when the window ended (their tasks are running, or no end was recorded yet).');
  }
  if (report.watchedTasks.length > 0) lines.push('', ...renderWatchedTasks(report.watchedTasks));
  if (report.services.length > 0) lines.push('', ...renderServiceScaling(report.services));
  if (report.deployments.length > 0 || report.apps.length > 0) {
    lines.push('', ...renderDeployments(report.deployments), ...renderApps(report.apps));
  }
  lines.push('', renderAlertCount(report.alerts, report.heldAlerts));
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `note: ${note}`));
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** The whole report as one JSON document (what `--json` prints, and nothing else). */
export function renderSandboxReportJson(report: SandboxReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
