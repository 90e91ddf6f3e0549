/**
 * The one schema of automation.yml. Every consumer (CLI, `serverless package`, each Lambda at cold
 * start, the sandbox) validates through it, so a file that passes here works everywhere.
 */
import * as z from 'zod';
import type { MuteWindow } from '../alerts/mute-windows.ts';
import { backoffSeconds } from '../backoff.ts';
import { type AppSpec, routeKey } from '../blue-green/model.ts';
import { excerptOf } from '../errors.ts';
import { DEFAULT_GROUP_BY, type GroupLabel } from '../events/alert.ts';
import { chainProblems, rootsOf } from '../jobs/chains.ts';
import { COMMAND_PLACEHOLDERS, RESERVED_ENVIRONMENT_PREFIX, unknownPlaceholders } from '../jobs/task-environment.ts';
import { type ScaleTarget, type ServiceScaling, WEEKDAYS } from '../scaling/targets.ts';
import {
  ATTEMPT_FAILURE_CATEGORIES,
  type AttemptFailureCategory,
  INFRASTRUCTURE_CATEGORIES,
  STOP_CATEGORIES,
  type StopCategory,
} from '../stopped-tasks/categories.ts';
import {
  type AlertRoute,
  alertRoutesSchema,
  alertRoutingProblems,
  alertTopicsSchema,
  groupBySchema,
  type RouteTopic,
} from './alert-routing-schema.ts';
import { appSchema, deployersSchema, resolveApp, routesOf } from './apps-schema.ts';
import { CLUSTER_ARN, CLUSTER_NAME, clusterNameOf } from './cluster.ts';
import { duration } from './duration-schema.ts';
import { DEFAULT_INHIBIT_RULES, type InhibitRule, inhibitSchema } from './inhibit-schema.ts';
import { muteWindowsOf, muteWindowsSchema } from './mute-windows-schema.ts';
import { network } from './network-schema.ts';
import { byOwnName, RESERVED_NAMES } from './own-names.ts';
import { neverFiresReason, parseScheduleExpression, type ScheduleExpression, ScheduleExpressionError } from './schedule-expression.ts';
import { isKnownTimeZone } from './time-zone.ts';

const timeZone = z
  .string()
  .refine(isKnownTimeZone, { error: (issue) => `unknown time zone ${excerptOf(issue.input, 100)}` })
  .meta({ description: 'IANA time zone name, e.g. Europe/Berlin' });

const scheduleExpression = z
  .string()
  .superRefine((text, ctx) => {
    let expression: ScheduleExpression;
    try {
      expression = parseScheduleExpression(text);
    } catch (error) {
      if (!(error instanceof ScheduleExpressionError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return;
    }
    // An error, not a warning: it holds on every day, so no deployment of it can ever do anything.
    const never = neverFiresReason(expression);
    if (never) ctx.addIssue({ code: 'custom', message: `${text} never fires: ${never}; name a day that exists` });
  })
  .meta({
    description: 'cron(min hour day-of-month month day-of-week year), rate(15 minutes) or at(2026-12-24T18:00:00)',
    pattern: '^(cron|rate|at)\\(.+\\)$',
  });

const name = (what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
      error: `${what} may hold letters, digits, "-" and "_" (at most 64, starting with a letter or digit)`,
    })
    .refine((value) => !RESERVED_NAMES.has(value), {
      error: (issue) =>
        `${what} may not be "${String(issue.input)}": "${String(issue.input)}" is a name every JavaScript object has; choose another`,
    });

const roleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)' });

const taskDefinition = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,255}(:\d+)?$/, {
    error: 'must be a task definition family or family:revision, e.g. "nightly-report" or "nightly-report:12"',
  })
  .meta({ description: 'family (latest ACTIVE revision) or family:revision' });

const capacityProviders = z
  .array(z.string().min(1).max(255))
  .min(1)
  .max(6)
  .refine((list) => new Set(list).size === list.length, { error: 'lists a capacity provider twice' })
  .meta({ description: 'Capacity providers in fallback order: a launch that fails for capacity on one tries the next' });

const launchRetry = z
  .strictObject({
    attempts: z.number().int().min(1).max(10).default(4),
    backoff: duration('first wait before retrying a launch that found no capacity', { min: 1, max: 300 }).default(10),
    maxBackoff: duration('longest wait between launch retries', { min: 1, max: 300 }).default(120),
  })
  .meta({ description: 'Retries of a launch that failed for lack of capacity, with exponential back-off' });

/** run-batch-job runs for at most 15 minutes; the capacity waits must leave room for the launches. */
export const MAX_TOTAL_BACKOFF_SECONDS = 600;

/** The waits between rounds: backoff, 2×backoff, … capped at maxBackoff, one fewer than the rounds. */
export function totalBackoffSeconds(retry: { attempts: number; backoff: number; maxBackoff: number }): number {
  let total = 0;
  const backoff = { initialSeconds: retry.backoff, maxSeconds: retry.maxBackoff };
  // By the 64th wait the doubling has long reached maxBackoff: the rest are multiplied, not looped over,
  // so an absurd count (refused elsewhere, but checked here too) never hangs validate.
  const looped = Math.min(retry.attempts, 64);
  for (let round = 1; round < looped; round++) total += backoffSeconds(backoff, round);
  if (retry.attempts > looped) total += (retry.attempts - looped) * retry.maxBackoff;
  return total;
}

const schedulerRetry = z
  .strictObject({
    attempts: z.number().int().min(0).max(185).default(3),
    maxEventAge: duration('how long Scheduler keeps retrying a failed delivery', { min: 60, max: 86_400 }).default(3_600),
  })
  .meta({
    description: "EventBridge Scheduler's retry policy when the function itself fails (then the firing goes to the dead-letter queue)",
  });

const containerOverride = z.strictObject({
  command: z
    .array(z.string())
    .min(1)
    .optional()
    .meta({
      description: `a job's command may hold ${COMMAND_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}: each task's own values`,
    }),
  environment: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'environment names are letters, digits and "_"' })
        .refine((envName) => !envName.startsWith(RESERVED_ENVIRONMENT_PREFIX), {
          error: `environment names starting "${RESERVED_ENVIRONMENT_PREFIX}" are reserved: ecs-autopilot sets them on each task of a job`,
        }),
      z.string(),
    )
    .optional(),
});

const overrides = z.strictObject({
  cpu: z.number().int().positive().optional().meta({ description: 'task CPU units, e.g. 1024' }),
  memory: z.number().int().positive().optional().meta({ description: 'task memory in MiB, e.g. 2048' }),
  containers: z.record(name('a container name'), containerOverride).optional(),
});

const tags = z.record(
  z
    .string()
    .min(1)
    .max(128)
    .refine((key) => !key.startsWith('aws:') && !key.startsWith('ecs-autopilot:'), {
      error: 'tag keys starting "aws:" or "ecs-autopilot:" are reserved',
    }),
  z.string().max(256),
);

const concurrency = z.enum(['allow', 'forbid', 'replace'], {
  error: (issue) => `must be allow, forbid or replace (got ${excerptOf(issue.input, 100)})`,
});

const category = z.enum(STOP_CATEGORIES, {
  error: (issue) => `${excerptOf(issue.input, 100)} is not a stop category (${STOP_CATEGORIES.join(', ')})`,
});

/** AWS Batch's pattern: digits, optionally ending in "*" (e.g. "137", "1*"). */
const exitCodePattern = z
  .string()
  .regex(/^\d{1,9}\*?$|^\*$/, { error: 'an exit code pattern is digits, optionally ending in "*" (e.g. "137" or "1*")' });
/** Glob over the stop reason and the containers' reasons: letters, digits, spaces, punctuation, "*" anywhere. */
const reasonPattern = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\w .:,/()'"*-]+$/, { error: 'a reason pattern holds letters, digits, spaces, punctuation and "*" wildcards' });

/** A retry rule's category: a stop category, or capacity (the launch found no room within launchRetry). */
const attemptCategory = z.enum(ATTEMPT_FAILURE_CATEGORIES, {
  error: (issue) => `${excerptOf(issue.input, 100)} is not a stop category nor capacity (${ATTEMPT_FAILURE_CATEGORIES.join(', ')})`,
});

const retryRule = z
  .strictObject({
    onCategory: z
      .array(attemptCategory)
      .min(1)
      .optional()
      .meta({ description: 'matches when the stop has one of these categories, or capacity: the launch found no room within launchRetry' }),
    onExitCode: exitCodePattern.optional().meta({ description: 'matches an essential container exit code ("1*" = starting with 1)' }),
    onReason: reasonPattern.optional().meta({ description: "glob over the stop reason and the containers' reasons" }),
    action: z.enum(['retry', 'exit']),
  })
  .refine((rule) => rule.onCategory || rule.onExitCode || rule.onReason, {
    error: 'a rule needs at least one of onCategory, onExitCode, onReason',
  })
  .meta({ description: 'AWS Batch evaluateOnExit: every condition given must match; the first matching rule decides' });

/** Without rules of its own a job retries every failure except a person's stop and its own maxRuntime. */
export const DEFAULT_RETRY_RULES: RetryRule[] = [{ onCategory: ['user-stopped', 'timeout'], action: 'exit' }];

const retry = z
  .strictObject({
    attempts: z.number().int().min(1).max(10).default(1).meta({ description: 'attempts in all, the first included (1 = no retry)' }),
    backoff: duration('wait before the second attempt, doubled before each next one', { min: 60, max: 86_400 }).default(60),
    maxBackoff: duration('longest wait between attempts', { min: 60, max: 86_400 }).default(3_600),
    evaluateOnExit: z.array(retryRule).min(1).max(10).optional(),
    otherwise: z
      .enum(['retry', 'exit'])
      .default('retry')
      .meta({ description: 'what a failure no rule matches does (default retry, as in AWS Batch)' }),
    afterSpotInterruption: z.enum(['next-provider', 'same']).default('next-provider').meta({
      description:
        'where the attempt after a Spot interruption launches: next-provider (the capacity provider after the interrupted one in capacityProviders, e.g. FARGATE after FARGATE_SPOT) or same (capacityProviders in their order, from the first)',
    }),
  })
  .meta({
    description:
      'Retries of a run whose tasks failed: a new attempt of the same firing, after back-off. A completed run never retries; a replaced one never does either.',
  });

const restartBackoff = z
  .strictObject({
    initial: duration('first wait before a restart', { min: 1, max: 3_600 }).default(10),
    max: duration('longest wait before a restart', { min: 1, max: 86_400 }).default(300),
    resetAfter: duration('a task that ran this long healthy resets the back-off', { min: 60, max: 86_400 }).default(600),
  })
  .meta({ description: 'Kubernetes-like restart back-off: initial, doubling up to max, reset after a healthy run' });

const crashLoopBudget = z
  .strictObject({
    restarts: z.number().int().min(1).max(100).default(5),
    window: duration('the window the restarts are counted in', { min: 60, max: 86_400 }).default(900),
  })
  .meta({ description: 'Past this many restarts within the window, restarts pause and one alert says so' });

const infrastructureLoss = z
  .strictObject({
    stops: z.number().int().min(2).max(10_000).default(10),
    categories: z.array(category).default([...INFRASTRUCTURE_CATEGORIES]),
  })
  .meta({
    description:
      'Stops of these categories (default: host-lost, spot-interruption) do not count toward the crash loop; this many within the window alert "the cluster is losing hosts"',
  });

const serviceCrashLoop = z
  .strictObject({
    stops: z.number().int().min(2).max(10_000).default(5),
    window: duration('the window the stops are counted in', { min: 60, max: 86_400 }).default(600),
    infrastructure: infrastructureLoss.default({ stops: 10, categories: [...INFRASTRUCTURE_CATEGORIES] }),
  })
  .meta({ description: "Alert when this many of the service's tasks stop within the window" });

const CLUSTER_PROBLEM = 'must be a cluster name (letters, digits, "-", "_") or a cluster ARN';

/** Settings a job may take from `defaults`. */
const sharedJobSettings = {
  cluster: z
    .string()
    .regex(new RegExp(`${CLUSTER_NAME.source}|${CLUSTER_ARN.source}`), { error: CLUSTER_PROBLEM })
    .optional(),
  timezone: timeZone.optional(),
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).optional(),
  capacityProviders: capacityProviders.optional(),
  platformVersion: z.string().optional(),
  network: network.optional(),
  taskRole: roleArn.optional().meta({ description: "the task definition's task role, which launching must be allowed to pass" }),
  executionRole: roleArn.optional().meta({ description: "the task definition's execution role, which launching must be allowed to pass" }),
  concurrency: concurrency.optional(),
  startingDeadline: duration('latest acceptable delivery after the scheduled time', { min: 10, max: 7 * 86_400 }).optional(),
  expectSuccessWithin: duration('alert when no run of the job has succeeded for this long (e.g. 26h for a daily job)', {
    min: 300,
    max: 35 * 86_400,
  }).optional(),
  launchRetry: launchRetry.optional(),
  waitForCapacity: duration(
    'after launchRetry finds no capacity, keep trying for up to this long from the firing (the run waiting-for-capacity), then fail',
    { min: 300, max: 86_400 },
  ).optional(),
  schedulerRetry: schedulerRetry.optional(),
  catchUp: z.enum(['none', 'latest']).optional().meta({
    description:
      'latest: the latest firing missed while the job was suspended at run time (launched on unsuspend), or that no delivery reached (found by the watchdog), is launched once if it falls within startingDeadline (which latest needs)',
  }),
};

const job = z.strictObject({
  description: z.string().max(512).optional(),
  schedule: scheduleExpression.optional().meta({ description: 'when the job fires; a chained job (after) has none' }),
  after: z.array(name('a job name')).min(1, { error: 'name at least one job, e.g. after: [nightly-export]' }).optional().meta({
    description:
      "the jobs this one runs after: its run for a firing of theirs starts when all of theirs have ended (succeeded, or not under onUpstreamFailure: run); it has no schedule of its own and takes the upstreams' scheduled time",
  }),
  onUpstreamFailure: z
    .enum(['skip', 'run'], { error: (issue) => `must be skip or run (got ${excerptOf(issue.input, 100)})` })
    .optional()
    .meta({
      description:
        "what a chained job does when an upstream's run for the firing fails for good, times out or never runs: skip (default; recorded skipped with why) or run anyway",
    }),
  suspended: z.boolean().default(false).meta({ description: 'true keeps the schedule but disables it' }),
  taskDefinition,
  count: z.number().int().min(1).max(10).default(1),
  success: z
    .union([z.literal('all'), z.strictObject({ atLeast: z.number().int().min(1).max(10) })], {
      error: 'must be all or { atLeast: N }',
    })
    .default('all')
    .meta({
      description:
        'when a run of several tasks succeeded: all (every task exited 0) or { atLeast: N } (N of them did); it is over when all its tasks are',
    }),
  overrides: overrides.optional(),
  maxRuntime: duration('longest a run may take before it is stopped', { min: 60, max: 365 * 86_400 }).optional(),
  retry: retry.optional(),
  tags: tags.optional(),
  alertOn: z
    .strictObject({
      missed: z
        .boolean()
        .default(false)
        .meta({ description: "alert a firing missed past its startingDeadline (resolved by the job's next success)" }),
      skipped: z.number().int().min(1).max(1_000).optional().meta({
        description:
          "alert when this many firings in a row are skipped (concurrency forbid, an earlier run still running), and at each skip after; resolved by the job's next success",
      }),
    })
    .optional(),
  ...sharedJobSettings,
});

const launchSettings = {
  cluster: sharedJobSettings.cluster,
  launchType: sharedJobSettings.launchType,
  capacityProviders: sharedJobSettings.capacityProviders,
  platformVersion: sharedJobSettings.platformVersion,
  network: sharedJobSettings.network,
  taskRole: sharedJobSettings.taskRole,
  executionRole: sharedJobSettings.executionRole,
};

const watchedTask = z.strictObject({
  description: z.string().max(512).optional(),
  taskDefinition: taskDefinition.meta({
    description: 'family (restarts use its latest ACTIVE revision) or family:revision; tasks of this group are watched',
  }),
  group: z
    .string()
    .regex(/^[A-Za-z0-9_:./-]{1,255}$/, { error: 'a task group holds letters, digits, "-", "_", ":", "." and "/"' })
    .optional()
    .meta({ description: 'the task group to watch and to restart into (default: "family:<family>", what RunTask sets)' }),
  restart: z
    .enum(['always', 'on-failure', 'never'], {
      error: (issue) => `must be always, on-failure or never (got ${excerptOf(issue.input, 100)})`,
    })
    .default('on-failure'),
  backoff: restartBackoff.default({ initial: 10, max: 300, resetAfter: 600 }),
  crashLoopBudget: crashLoopBudget.default({ restarts: 5, window: 900 }),
  overrides: overrides.optional(),
  tags: tags.optional(),
  ...launchSettings,
});

const clockTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day is written "HH:MM" (00:00–23:59)' })
  .meta({ description: 'wall-clock time in the service\'s time zone, "HH:MM"' });

const WEEKDAY_LIST = WEEKDAYS;

/** "MON-FRI", "SAT,SUN", "MON", or a list of them. */
const days = z
  .union([z.string(), z.array(z.string()).min(1, { error: 'name at least one day, e.g. [MON, TUE] or MON-FRI' })])
  .superRefine((value, ctx) => {
    for (const part of [value].flat().flatMap((text) => text.split(','))) {
      const [first, last, ...rest] = part.trim().toUpperCase().split('-');
      const known = (day: string | undefined) => day !== undefined && (WEEKDAY_LIST as readonly string[]).includes(day);
      if (rest.length > 0 || !known(first) || (last !== undefined && !known(last))) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not a day or a range of days (MON-FRI, SAT,SUN, TUE)` });
      }
    }
  })
  .transform((value) => expandDays([value].flat()))
  .meta({ description: 'the days the period starts on: MON-FRI, SAT,SUN, or a list' });

function expandDays(parts: string[]): (typeof WEEKDAY_LIST)[number][] {
  const picked = new Set<number>();
  for (const part of parts.flatMap((text) => text.split(','))) {
    const [first = '', last] = part.trim().toUpperCase().split('-');
    const from = WEEKDAY_LIST.indexOf(first as (typeof WEEKDAY_LIST)[number]);
    const to = last === undefined ? from : WEEKDAY_LIST.indexOf(last as (typeof WEEKDAY_LIST)[number]);
    // A range may wrap the week: FRI-MON is FRI, SAT, SUN, MON.
    for (let day = from; ; day = (day + 1) % 7) {
      picked.add(day);
      if (day === to) break;
    }
  }
  return [...picked].sort().map((day) => WEEKDAY_LIST[day] as (typeof WEEKDAY_LIST)[number]);
}

const taskCount = (what: string) =>
  z
    .number()
    .int()
    .min(1, { error: `${what} must be at least 1; scale to zero with stop: true` })
    .max(10_000);

/** One of: bounds (min/max), a fixed count (desired), or zero (stop: true). */
const scaleTo = {
  min: taskCount('min').optional().meta({ description: 'lower bound (Application Auto Scaling minCapacity)' }),
  max: taskCount('max').optional().meta({ description: 'upper bound (maxCapacity)' }),
  desired: taskCount('desired').optional().meta({ description: 'a fixed task count' }),
  stop: z.literal(true, { error: 'stop can only be true (scale to zero, explicitly)' }).optional(),
};

const period = z.strictObject({ days, from: clockTime, to: clockTime, ...scaleTo });

const override = z.strictObject({
  // A rate has no firing to start a window from: an override starts at a cron(...) or at(...) time.
  schedule: scheduleExpression.refine((text) => !text.startsWith('rate('), {
    error: 'an override starts at cron(...) or at(...) times; rate(...) has no start to measure `for` from',
  }),
  for: duration('how long the override lasts from each firing', { min: 60, max: 31 * 86_400 }),
  ...scaleTo,
});

const scaling = z
  .strictObject({
    timezone: timeZone.optional(),
    periods: z.record(name('a period name'), period).default({}),
    overrides: z.record(name('an override name'), override).default({}),
    outside: z
      .strictObject(scaleTo)
      .optional()
      .meta({ description: 'what applies outside every period; without it the service goes back to how it was' }),
    ceiling: z.number().int().min(1).max(10_000).default(100).meta({ description: 'no bound or count may exceed this' }),
  })
  .meta({ description: 'Time-zone-aware scheduled scaling of the service' });

const service = z.strictObject({
  cluster: sharedJobSettings.cluster,
  service: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: 'a service name holds letters, digits, "-" and "_"' })
    .optional()
    .meta({ description: 'the ECS service name (default: the key)' }),
  crashLoop: serviceCrashLoop.default({ stops: 5, window: 600, infrastructure: { stops: 10, categories: [...INFRASTRUCTURE_CATEGORIES] } }),
  ignore: z
    .array(category)
    .default(['scaled-in', 'user-stopped'])
    .meta({ description: 'stop categories that never count or alert (default: scaled-in, user-stopped)' }),
  scaling: scaling.optional(),
});

const notifications = z
  .strictObject({
    email: z
      .array(z.email({ error: 'must be an email address' }))
      .max(20)
      .default([]),
    groupWait: duration('how long a new alert group collects before its first message', { min: 0, max: 3_600 }).default(30),
    repeatInterval: duration('least time between two messages of one group', { min: 60, max: 7 * 86_400 }).default(4 * 3_600),
    resolveAfter: duration('quiet time after which a group is resolved', { min: 60, max: 7 * 86_400 }).default(1_800),
    groupBy: groupBySchema,
    topics: alertTopicsSchema,
    routes: alertRoutesSchema,
    inhibit: inhibitSchema,
    muteWindows: muteWindowsSchema,
  })
  .superRefine(alertRoutingProblems)
  .meta({ description: 'Where alerts go and how they are grouped (like Alertmanager)' });

const DEFAULT_NOTIFICATIONS = {
  email: [],
  groupWait: 30,
  repeatInterval: 4 * 3_600,
  resolveAfter: 1_800,
  groupBy: [...DEFAULT_GROUP_BY],
  topics: {},
  routes: [],
  inhibit: [...DEFAULT_INHIBIT_RULES],
};

const defaults = z.strictObject(sharedJobSettings);

/**
 * How the roles scope RunTask and iam:PassRole (shared/stack/tag-scope.ts): `listed` names every task
 * definition family and role; `tagged` grants them on the task definitions and roles that carry the
 * stack's tag, for files whose lists no role's policies can hold.
 */
export const PERMISSION_SCOPES = ['listed', 'tagged'] as const;
export type PermissionScope = (typeof PERMISSION_SCOPES)[number];

export const automationSchema = z
  .strictObject({
    $schema: z.string().optional(),
    runHistory: z
      .strictObject({ retention: duration('how long run history is kept', { min: 3_600, max: 3_650 * 86_400 }).default(90 * 86_400) })
      .default({ retention: 90 * 86_400 }),
    defaults: defaults.default({}),
    jobs: z.record(name('a job name'), job).default({}),
    watchedTasks: z.record(name('a watched task name'), watchedTask).default({}),
    services: z.record(name('a service key'), service).default({}),
    notifications: notifications.default({ ...DEFAULT_NOTIFICATIONS, email: [] }),
    apps: z.record(name('an app name'), appSchema).default({}).meta({ description: 'Blue/green apps behind an ALB listener' }),
    deployers: deployersSchema,
    permissions: z.enum(PERMISSION_SCOPES).default('listed').meta({
      description:
        "how the functions' roles name the task definitions and roles they launch and pass: listed (each by its ARN) or tagged (those tagged ecs-autopilot:stack=<service>-<stage>, for configs too large to list)",
    }),
  })
  .superRefine((config, ctx) => {
    if (config.defaults.launchType && config.defaults.capacityProviders) {
      ctx.addIssue({ code: 'custom', path: ['defaults', 'launchType'], message: 'set either launchType or capacityProviders, not both' });
    }
    for (const { job: jobName, message } of chainProblems(config.jobs, config.defaults.timezone ?? DEFAULT_TIME_ZONE)) {
      ctx.addIssue({ code: 'custom', path: ['jobs', jobName, 'after'], message });
    }
    for (const [jobName, spec] of Object.entries(config.jobs)) {
      const merged = { ...config.defaults, ...spec };
      const at = (field: string) => ['jobs', jobName, field];
      if (spec.after && spec.schedule !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at('schedule'),
          message: 'a job runs on its schedule or after other jobs, not both: remove schedule (it fires when its upstreams end)',
        });
      } else if (!spec.after && spec.schedule === undefined) {
        ctx.addIssue({ code: 'custom', path: at('schedule'), message: 'missing: give the job a schedule, or after: [jobs] to chain it' });
      }
      if (!spec.after && spec.onUpstreamFailure !== undefined) {
        ctx.addIssue({ code: 'custom', path: at('onUpstreamFailure'), message: 'only a chained job (after: [jobs]) has upstreams' });
      }
      if (spec.after && spec.startingDeadline !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at('startingDeadline'),
          message: 'a chained job starts when its upstreams end, however late that is: startingDeadline does not apply',
        });
      }
      if (!merged.cluster)
        ctx.addIssue({ code: 'custom', path: at('cluster'), message: 'missing: set it on the job or in defaults.cluster' });
      if (spec.launchType && spec.capacityProviders) {
        ctx.addIssue({ code: 'custom', path: at('launchType'), message: 'set either launchType or capacityProviders, not both' });
      }
      const usesFargate =
        (spec.launchType ?? (spec.capacityProviders ? undefined : config.defaults.launchType)) === 'FARGATE' ||
        (spec.capacityProviders ?? (spec.launchType ? undefined : config.defaults.capacityProviders))?.some((p) => p.startsWith('FARGATE'));
      if (usesFargate && !merged.network) {
        ctx.addIssue({
          code: 'custom',
          path: at('network'),
          message: 'Fargate tasks need a network (subnets, securityGroups): set it on the job or in defaults.network',
        });
      }
      if (typeof spec.success === 'object' && spec.success.atLeast > spec.count) {
        ctx.addIssue({
          code: 'custom',
          path: at('success'),
          message: `atLeast ${spec.success.atLeast} is more than the job's count of ${spec.count} tasks`,
        });
      }
      for (const [container, override] of Object.entries(spec.overrides?.containers ?? {})) {
        const unknown = unknownPlaceholders(override.command ?? []);
        if (unknown.length === 0) continue;
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', jobName, 'overrides', 'containers', container, 'command'],
          message: `unknown placeholder${unknown.length > 1 ? 's' : ''} ${unknown.map((p) => `{{${p}}}`).join(', ')}: a command may use ${COMMAND_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`,
        });
      }
      if (spec.after && spec.catchUp !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at('catchUp'),
          message: 'a chained job (after) catches up with its upstreams: catchUp is for jobs with a schedule',
        });
      } else if (!spec.after && merged.catchUp === 'latest' && merged.startingDeadline === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: at('catchUp'),
          message:
            'catchUp: latest needs a startingDeadline (how late a missed firing may still be launched): set it on the job or in defaults',
        });
      }
      const jobRetry = spec.retry;
      if (jobRetry && jobRetry.backoff > jobRetry.maxBackoff) {
        ctx.addIssue({ code: 'custom', path: at('retry'), message: 'backoff must not exceed maxBackoff' });
      }
      const retry = merged.launchRetry;
      if (retry && retry.backoff > retry.maxBackoff) {
        ctx.addIssue({ code: 'custom', path: at('launchRetry'), message: 'backoff must not exceed maxBackoff' });
      } else if (retry && totalBackoffSeconds(retry) > MAX_TOTAL_BACKOFF_SECONDS) {
        ctx.addIssue({
          code: 'custom',
          path: at('launchRetry'),
          message: `the waits between ${retry.attempts} rounds add up to ${totalBackoffSeconds(retry)}s; keep them within ${MAX_TOTAL_BACKOFF_SECONDS}s so a launch finishes inside one invocation (fewer attempts or a smaller maxBackoff)`,
        });
      }
    }
  })
  .superRefine((config, ctx) => {
    const d = config.defaults;
    for (const [taskName, spec] of Object.entries(config.watchedTasks)) {
      const at = (field: string) => ['watchedTasks', taskName, field];
      if (!(spec.cluster ?? d.cluster))
        ctx.addIssue({ code: 'custom', path: at('cluster'), message: 'missing: set it on the task or in defaults.cluster' });
      if (spec.launchType && spec.capacityProviders) {
        ctx.addIssue({ code: 'custom', path: at('launchType'), message: 'set either launchType or capacityProviders, not both' });
      }
      if (spec.backoff.initial > spec.backoff.max) {
        ctx.addIssue({ code: 'custom', path: at('backoff'), message: 'initial must not exceed max' });
      }
      if (config.jobs[taskName]) {
        ctx.addIssue({ code: 'custom', path: ['watchedTasks', taskName], message: `a job is named "${taskName}" too; names must differ` });
      }
    }
    const seen = new Map<string, string>();
    for (const [key, spec] of Object.entries(config.services)) {
      const cluster = spec.cluster ?? d.cluster;
      if (!cluster) {
        ctx.addIssue({
          code: 'custom',
          path: ['services', key, 'cluster'],
          message: 'missing: set it on the service or in defaults.cluster',
        });
        continue;
      }
      if (spec.scaling) checkScaling(spec.scaling, ['services', key, 'scaling'], ctx);
      const identity = `${clusterNameOf(cluster)}/${spec.service ?? key}`;
      const other = seen.get(identity);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['services', key], message: `services.${other} already watches ${identity}` });
      }
      seen.set(identity, key);
    }
    const colourOwners = new Map<string, string>();
    const forwardOwners = new Map<string, string>();
    for (const [appName, app] of Object.entries(config.apps)) {
      routesOf(app).forEach((route, index) => {
        const forward = routeKey(route);
        const forwardOwner = forwardOwners.get(forward);
        if (forwardOwner !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['apps', appName, ...(app.listeners ? ['listeners', index] : []), route.rule ? 'rule' : 'listener'],
            message: `apps.${forwardOwner} already shifts this ${route.rule ? 'rule' : "listener's default action"}; two apps would fight over its weights`,
          });
        }
        forwardOwners.set(forward, appName);
      });
      const cluster = app.cluster ?? d.cluster;
      if (!cluster) {
        ctx.addIssue({ code: 'custom', path: ['apps', appName, 'cluster'], message: 'missing: set it on the app or in defaults.cluster' });
        continue;
      }
      // The colours' service ARNs in shift-traffic's policy are built from it: no wildcard may widen them
      // (defaults.cluster has its own check).
      if (app.cluster !== undefined && !CLUSTER_NAME.test(app.cluster) && !CLUSTER_ARN.test(app.cluster)) {
        ctx.addIssue({ code: 'custom', path: ['apps', appName, 'cluster'], message: CLUSTER_PROBLEM });
        continue;
      }
      for (const colour of ['blue', 'green'] as const) {
        const identity = `${clusterNameOf(cluster)}/${app[colour].service}`;
        const owner = colourOwners.get(identity);
        if (owner !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['apps', appName, colour, 'service'], message: `${owner} already deploys ${identity}` });
        }
        colourOwners.set(identity, `apps.${appName}.${colour}`);
      }
    }
  })
  .meta({ title: 'ecs-autopilot automation.yml', description: 'What ecs-autopilot automates in your ECS account' });

export { CLUSTER_ARN, CLUSTER_NAME, clusterNameOf };

type ScaleToInput = { min?: number | undefined; max?: number | undefined; desired?: number | undefined; stop?: true | undefined };

/** Exactly one of min/max, desired, stop: true; bounds in order and under the ceiling. */
function checkScaleTo(target: ScaleToInput, ceiling: number, path: (string | number)[], ctx: z.RefinementCtx): void {
  const kinds = [target.min !== undefined || target.max !== undefined, target.desired !== undefined, target.stop === true].filter(Boolean);
  if (kinds.length !== 1) {
    ctx.addIssue({ code: 'custom', path, message: 'say one of: min and max (bounds), desired (a fixed count), or stop: true (zero)' });
    return;
  }
  if ((target.min === undefined) !== (target.max === undefined)) {
    ctx.addIssue({ code: 'custom', path, message: 'bounds need both min and max' });
  } else if (target.min !== undefined && target.max !== undefined && target.min > target.max) {
    ctx.addIssue({ code: 'custom', path: [...path, 'min'], message: `min (${target.min}) is above max (${target.max})` });
  }
  for (const field of ['max', 'desired', 'min'] as const) {
    const value = target[field];
    if (value !== undefined && value > ceiling) {
      ctx.addIssue({
        code: 'custom',
        path: [...path, field],
        message: `${field} ${value} is above the ceiling of ${ceiling} (scaling.ceiling)`,
      });
    }
  }
}

function checkScaling(
  scaling: {
    periods: Record<string, ScaleToInput>;
    overrides: Record<string, ScaleToInput>;
    outside?: ScaleToInput | undefined;
    ceiling: number;
  },
  path: string[],
  ctx: z.RefinementCtx,
): void {
  for (const [periodName, target] of Object.entries(scaling.periods))
    checkScaleTo(target, scaling.ceiling, [...path, 'periods', periodName], ctx);
  for (const [overrideName, target] of Object.entries(scaling.overrides)) {
    checkScaleTo(target, scaling.ceiling, [...path, 'overrides', overrideName], ctx);
  }
  if (scaling.outside) checkScaleTo(scaling.outside, scaling.ceiling, [...path, 'outside'], ctx);
  if (Object.keys(scaling.periods).length === 0 && Object.keys(scaling.overrides).length === 0) {
    ctx.addIssue({ code: 'custom', path, message: 'scaling needs at least one period or override' });
  }
}

function scaleTargetOf(target: ScaleToInput): Exclude<ScaleTarget, { kind: 'restore' }> {
  if (target.stop) return { kind: 'stop' };
  if (target.desired !== undefined) return { kind: 'desired', count: target.desired };
  return { kind: 'bounds', min: target.min ?? 1, max: target.max ?? target.min ?? 1 };
}

export type AutomationInput = z.input<typeof automationSchema>;
type ParsedAutomation = z.output<typeof automationSchema>;
type ParsedJob = ParsedAutomation['jobs'][string];

/** A job with its defaults applied: what every consumer works with. */
export interface JobSpec {
  name: string;
  description: string | undefined;
  /** Its own schedule, or for a chained job the schedule of the jobs its chain starts from (it has no Scheduler schedule). */
  schedule: string;
  timezone: string;
  /** The jobs it runs after (empty: a scheduled job). */
  after: string[];
  /** A chained job, when an upstream's run for the period did not succeed. */
  onUpstreamFailure: 'skip' | 'run';
  suspended: boolean;
  cluster: string;
  taskDefinition: string;
  count: number;
  launch: { launchType: 'FARGATE' | 'EC2' | 'EXTERNAL' } | { capacityProviders: string[] } | { clusterDefault: true };
  platformVersion: string | undefined;
  network: z.output<typeof network> | undefined;
  overrides: ParsedJob['overrides'];
  taskRole: string | undefined;
  executionRole: string | undefined;
  concurrency: 'allow' | 'forbid' | 'replace';
  startingDeadlineSeconds: number | undefined;
  /** What happens to a firing missed while the job was suspended at run time: `latest` launches the latest one within startingDeadline on unsuspend. */
  catchUp: 'none' | 'latest';
  maxRuntimeSeconds: number | undefined;
  launchRetry: z.output<typeof launchRetry>;
  /** waitForCapacity: how long from its firing a run keeps trying to find capacity after launchRetry; undefined: it fails at once. */
  waitForCapacitySeconds: number | undefined;
  schedulerRetry: z.output<typeof schedulerRetry>;
  retry: RetryPolicy;
  tags: Record<string, string>;
  /** Whether a missed firing alerts (in the job's failure group). */
  alertOnMissed: boolean;
  /** After how many firings skipped in a row a skip alerts (in the job's failure group); undefined: never. */
  alertOnSkipped: number | undefined;
  /** success: { atLeast: N }: how many of a run's tasks must exit 0; undefined: all of them. */
  successAtLeast: number | undefined;
  /** How long the job may go without a successful run before that alerts (in the job's failure group). */
  expectSuccessWithinSeconds: number | undefined;
}

export type RetryRule = {
  onCategory?: AttemptFailureCategory[] | undefined;
  onExitCode?: string | undefined;
  onReason?: string | undefined;
  action: 'retry' | 'exit';
};

export interface RetryPolicy {
  attempts: number;
  backoffSeconds: number;
  maxBackoffSeconds: number;
  /** The job's evaluateOnExit, or DEFAULT_RETRY_RULES when it has none. */
  rules: RetryRule[];
  otherwise: 'retry' | 'exit';
  /** Where the attempt after a Spot interruption launches first. */
  afterSpotInterruption: 'next-provider' | 'same';
}

/** What launching a task needs, shared by jobs and watched tasks (runTaskRequest builds from it). */
export type LaunchSpec = Pick<
  JobSpec,
  'cluster' | 'taskDefinition' | 'launch' | 'platformVersion' | 'network' | 'overrides' | 'taskRole' | 'executionRole' | 'tags'
>;

/** A standalone task (a daemon outside any service) that ecs-autopilot keeps running. */
export interface WatchedTaskSpec extends LaunchSpec {
  name: string;
  description: string | undefined;
  /** The task group watched and restarted into. */
  group: string;
  restart: 'always' | 'on-failure' | 'never';
  backoff: { initialSeconds: number; maxSeconds: number; resetAfterSeconds: number };
  crashLoopBudget: { restarts: number; windowSeconds: number };
}

/** A service whose stopped tasks are watched for patterns (ECS replaces them itself). */
export interface ServiceWatch {
  key: string;
  cluster: string;
  service: string;
  crashLoop: { stops: number; windowSeconds: number; infrastructure: { stops: number; categories: StopCategory[] } };
  ignore: StopCategory[];
  /** Scheduled scaling, when the service has any. */
  scaling: ServiceScaling | undefined;
}

export interface Notifications {
  email: string[];
  groupWaitSeconds: number;
  repeatIntervalSeconds: number;
  resolveAfterSeconds: number;
  groupBy: GroupLabel[];
  topics: Record<string, RouteTopic>;
  routes: AlertRoute[];
  /** notifications.inhibit: while a source group fires, the groups it explains are held back. */
  inhibit: InhibitRule[];
  /** notifications.muteWindows: when the alerts they select are counted, not sent. */
  muteWindows: MuteWindow[];
}

export interface Automation {
  /** `defaults.timezone`, else UTC: the zone a time that names none is read in (`plan --from 2026-12-07`). */
  timezone: string;
  runHistoryRetentionSeconds: number;
  jobs: Record<string, JobSpec>;
  watchedTasks: Record<string, WatchedTaskSpec>;
  services: Record<string, ServiceWatch>;
  notifications: Notifications;
  /** Blue/green apps, by name. */
  apps: Record<string, AppSpec>;
  /** IAM principals (besides this account) allowed to request, promote and abort deployments. */
  deployers: string[];
  /** How the roles name what they launch and pass: every ARN, or by the stack's tag. */
  permissions: PermissionScope;
}

export const DEFAULT_TIME_ZONE = 'UTC';

type ParsedDefaults = ParsedAutomation['defaults'];

function launchOf(spec: Pick<ParsedJob, 'launchType' | 'capacityProviders'>, d: ParsedDefaults): JobSpec['launch'] {
  return spec.launchType
    ? { launchType: spec.launchType }
    : spec.capacityProviders
      ? { capacityProviders: spec.capacityProviders }
      : d.launchType
        ? { launchType: d.launchType }
        : d.capacityProviders
          ? { capacityProviders: d.capacityProviders }
          : { clusterDefault: true };
}

function retryPolicyOf(spec: ParsedJob['retry']): RetryPolicy {
  const parsed = spec ?? retry.parse({});
  return {
    attempts: parsed.attempts,
    backoffSeconds: parsed.backoff,
    maxBackoffSeconds: parsed.maxBackoff,
    rules: parsed.evaluateOnExit ?? DEFAULT_RETRY_RULES,
    otherwise: parsed.otherwise,
    afterSpotInterruption: parsed.afterSpotInterruption,
  };
}

export function resolveAutomation(parsed: ParsedAutomation): Automation {
  const jobs: Record<string, JobSpec> = byOwnName({});
  const d = parsed.defaults;
  for (const [jobName, spec] of Object.entries(parsed.jobs)) {
    const launch = launchOf(spec, d);
    // A chained job fires with its chain: the schedule of the jobs the chain starts from (validated to be one).
    const [root = jobName] = spec.after ? rootsOf(jobName, parsed.jobs) : [];
    const scheduled = parsed.jobs[root] ?? spec;
    jobs[jobName] = {
      name: jobName,
      description: spec.description,
      schedule: scheduled.schedule ?? '',
      timezone: scheduled.timezone ?? d.timezone ?? DEFAULT_TIME_ZONE,
      after: spec.after ?? [],
      onUpstreamFailure: spec.onUpstreamFailure ?? 'skip',
      suspended: spec.suspended,
      cluster: spec.cluster ?? d.cluster ?? '',
      taskDefinition: spec.taskDefinition,
      count: spec.count,
      launch,
      platformVersion: spec.platformVersion ?? d.platformVersion,
      network: spec.network ?? d.network,
      overrides: spec.overrides,
      taskRole: spec.taskRole ?? d.taskRole,
      executionRole: spec.executionRole ?? d.executionRole,
      concurrency: spec.concurrency ?? d.concurrency ?? 'forbid',
      startingDeadlineSeconds: spec.after ? undefined : (spec.startingDeadline ?? d.startingDeadline),
      catchUp: spec.after ? 'none' : (spec.catchUp ?? d.catchUp ?? 'none'),
      maxRuntimeSeconds: spec.maxRuntime,
      launchRetry: spec.launchRetry ?? d.launchRetry ?? launchRetry.parse({}),
      waitForCapacitySeconds: spec.waitForCapacity ?? d.waitForCapacity,
      schedulerRetry: spec.schedulerRetry ?? d.schedulerRetry ?? schedulerRetry.parse({}),
      retry: retryPolicyOf(spec.retry),
      tags: spec.tags ?? {},
      alertOnMissed: spec.alertOn?.missed ?? false,
      alertOnSkipped: spec.alertOn?.skipped,
      successAtLeast: spec.success === 'all' ? undefined : spec.success.atLeast,
      expectSuccessWithinSeconds: spec.expectSuccessWithin ?? d.expectSuccessWithin,
    };
  }
  const watchedTasks: Record<string, WatchedTaskSpec> = byOwnName({});
  for (const [taskName, spec] of Object.entries(parsed.watchedTasks)) {
    const family = spec.taskDefinition.split(':')[0] ?? spec.taskDefinition;
    watchedTasks[taskName] = {
      name: taskName,
      description: spec.description,
      cluster: spec.cluster ?? d.cluster ?? '',
      taskDefinition: spec.taskDefinition,
      group: spec.group ?? `family:${family}`,
      launch: launchOf(spec, d),
      platformVersion: spec.platformVersion ?? d.platformVersion,
      network: spec.network ?? d.network,
      overrides: spec.overrides,
      taskRole: spec.taskRole ?? d.taskRole,
      executionRole: spec.executionRole ?? d.executionRole,
      tags: spec.tags ?? {},
      restart: spec.restart,
      backoff: { initialSeconds: spec.backoff.initial, maxSeconds: spec.backoff.max, resetAfterSeconds: spec.backoff.resetAfter },
      crashLoopBudget: { restarts: spec.crashLoopBudget.restarts, windowSeconds: spec.crashLoopBudget.window },
    };
  }
  const services: Record<string, ServiceWatch> = byOwnName({});
  for (const [key, spec] of Object.entries(parsed.services)) {
    services[key] = {
      key,
      cluster: spec.cluster ?? d.cluster ?? '',
      service: spec.service ?? key,
      crashLoop: { stops: spec.crashLoop.stops, windowSeconds: spec.crashLoop.window, infrastructure: spec.crashLoop.infrastructure },
      ignore: spec.ignore,
      scaling: spec.scaling && {
        timezone: spec.scaling.timezone ?? d.timezone ?? DEFAULT_TIME_ZONE,
        periods: Object.entries(spec.scaling.periods).map(([periodName, p]) => ({
          name: periodName,
          days: p.days,
          from: p.from,
          to: p.to,
          target: scaleTargetOf(p),
        })),
        overrides: Object.entries(spec.scaling.overrides).map(([overrideName, o]) => ({
          name: overrideName,
          schedule: o.schedule,
          forSeconds: o.for,
          target: scaleTargetOf(o),
        })),
        outside: spec.scaling.outside ? scaleTargetOf(spec.scaling.outside) : { kind: 'restore' },
        ceiling: spec.scaling.ceiling,
      },
    };
  }
  const n = parsed.notifications;
  return {
    timezone: d.timezone ?? DEFAULT_TIME_ZONE,
    runHistoryRetentionSeconds: parsed.runHistory.retention,
    jobs,
    watchedTasks,
    services,
    apps: byOwnName(
      Object.fromEntries(Object.entries(parsed.apps).map(([appName, app]) => [appName, resolveApp(appName, app, d.cluster)])),
    ),
    deployers: parsed.deployers,
    permissions: parsed.permissions,
    notifications: {
      email: n.email,
      groupWaitSeconds: n.groupWait,
      repeatIntervalSeconds: n.repeatInterval,
      resolveAfterSeconds: n.resolveAfter,
      groupBy: n.groupBy,
      topics: byOwnName(n.topics),
      routes: n.routes,
      inhibit: n.inhibit,
      muteWindows: muteWindowsOf(n.muteWindows, d.timezone ?? DEFAULT_TIME_ZONE),
    },
  };
}
