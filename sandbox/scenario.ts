/**
 * A sandbox scenario: what moto cannot do by itself (a task exits or crashes for any reason, capacity runs
 * out, Scheduler delivers late or twice, a pipeline deploys and an alarm fires, ECS reports a problem with a
 * service, an operator promotes or aborts a deployment, a gate's metric or a colour's targets go bad, a person
 * changes the listener, ECS's circuit breaker rolls a colour back, autoscaling moves a count), injected on cue while the
 * virtual day runs. One zod schema per kind, joined in a discriminated union: a new kind is a new schema
 * here and a new entry in plan.ts's INJECTIONS.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { MatcherError, parseMatchers } from '../shared/alerts/silence-matchers.ts';
import { HOOK_STAGES } from '../shared/blue-green/hooks.ts';
import { parseDuration } from '../shared/config/duration.ts';
import { muteWindowFields, muteWindowName, SAYS_WHEN_OPEN } from '../shared/config/mute-windows-schema.ts';
import type { Automation } from '../shared/config/schema.ts';
import { isKnownTimeZone } from '../shared/config/time-zone.ts';
import { ConfigError } from '../shared/errors.ts';
import { SERVICE_PROBLEM_EVENTS } from '../shared/service-events/trigger.ts';
import { STOP_CATEGORIES } from '../shared/stopped-tasks/categories.ts';
import { OWN_STOP_CATEGORIES, SCENARIO_STOP_CATEGORIES } from './stop-endings.ts';

export class ScenarioError extends ConfigError {
  override name = 'ScenarioError';
  constructor(problems: string[], source: string, headline?: string) {
    super(problems, source);
    if (headline) this.message = `${headline}:\n${problems.map((p) => `  ${p}`).join('\n')}`;
  }
}

const LOCAL_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `02:00` (a local wall-clock time in the window) or an ISO 8601 instant with its offset. */
const moment = (what: string) =>
  z
    .string({ error: `${what}: write a local time such as "02:00" or an ISO time such as "2026-11-23T02:00:00+01:00"` })
    .refine((text) => LOCAL_TIME.test(text) || z.iso.datetime({ offset: true }).safeParse(text).success, {
      error: (issue) => `${JSON.stringify(issue.input)} is not a time: write a local time such as "02:00" or an ISO time with its offset`,
    });

const duration = (what: string, minSeconds: number) =>
  z
    .string({ error: `${what} must be a duration such as "90s", "25m" or "2h"` })
    .refine((text) => (parseDuration(text) ?? -1) >= minSeconds, {
      error: (issue) =>
        parseDuration(String(issue.input)) === undefined
          ? `${JSON.stringify(issue.input)} is not a duration: write e.g. "90s", "25m", "2h" or "1h30m"`
          : `${JSON.stringify(issue.input)} is too short: at least ${minSeconds}s`,
    })
    .transform((text) => parseDuration(text) ?? 0);

const jobName = z.string({ error: 'the name of a job in the automation file' }).min(1);
const firingAt = moment('scheduledAt').optional().meta({ description: 'which firing: the one scheduled at this time (default: the next)' });

const stopCategory = z.enum(STOP_CATEGORIES, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a stop category: write one of ${SCENARIO_STOP_CATEGORIES.join(', ')}`,
});

/** How a task ends: the essential container's exit code (and its reason), or why ECS stopped it. */
const ending = {
  exitCode: z.number({ error: 'exitCode must be a whole number from 0 to 255' }).int().min(0).max(255).optional(),
  /** Why the task stops, in the words of automation.yml's retry rules; the sandbox reports it as ECS would. */
  category: stopCategory.optional(),
  /** What ECS reports as the container's reason, e.g. "OutOfMemoryError: Container killed due to memory usage". */
  reason: z.string().min(1).optional(),
};

type Ending = { exitCode?: number | undefined; category?: string | undefined; reason?: string | undefined };

/** exitCode or category, exactly one; reason only beside an exit code; no category only ecs-autopilot causes. */
function checkEnding(value: Ending, ctx: { addIssue: (issue: { code: 'custom'; path: string[]; message: string }) => void }): void {
  if (value.exitCode === undefined && value.category === undefined) {
    ctx.addIssue({ code: 'custom', path: ['exitCode'], message: 'missing: write exitCode (e.g. 1) or category (e.g. app-error)' });
  }
  if (value.exitCode !== undefined && value.category !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['category'],
      message: 'write exitCode or category, not both (a category brings the exit code ECS would report)',
    });
  }
  if (value.reason !== undefined && value.exitCode === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['reason'],
      message: "reason is the container's reason beside an exitCode; a category brings its own",
    });
  }
  if (value.category !== undefined && (OWN_STOP_CATEGORIES as readonly string[]).includes(value.category)) {
    ctx.addIssue({
      code: 'custom',
      path: ['category'],
      message:
        value.category === 'timeout'
          ? 'timeout is what the maxRuntime watchdog does: let the task run longer than its maxRuntime (a long `after`)'
          : 'replaced is what concurrency: replace does: let the run still be running at its next firing (a long `after`)',
    });
  }
}

const taskExits = z
  .strictObject({
    kind: z.literal('task-exits'),
    job: jobName,
    scheduledAt: firingAt,
    /** Every run of the job that no other task-exits injection names. */
    everyRun: z.literal(true, { error: 'everyRun is true or left out' }).optional(),
    /** Which attempt of the run (1 is the first launch, 2 its first retry…); default: each attempt. */
    attempt: z.number({ error: 'attempt must be a whole number of at least 1' }).int().min(1).optional(),
    after: duration('after (how long the task runs)', 0),
    ...ending,
  })
  .superRefine((value, ctx) => {
    checkEnding(value, ctx);
    if (value.everyRun && value.scheduledAt !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['everyRun'], message: 'everyRun or scheduledAt, not both: scheduledAt names one firing' });
    }
  });

const watchedTaskCrashes = z
  .strictObject({
    kind: z.literal('watched-task-crashes'),
    watchedTask: z.string({ error: 'the name of a watched task in the automation file' }).min(1),
    /** When a person starts the first task (RunTask with the watched task's group). */
    at: moment('at'),
    after: duration('after (how long each task runs before it stops)', 0),
    /** How many of its tasks stop this way: the one started by hand, then each restart. */
    times: z.number({ error: 'times must be a whole number from 1 to 50' }).int().min(1).max(50).default(1),
    ...ending,
  })
  .superRefine(checkEnding);

const capacityOutage = z.strictObject({
  kind: z.literal('capacity-outage'),
  capacityProvider: z.string({ error: 'the capacity provider that runs out, e.g. FARGATE_SPOT' }).min(1),
  launches: z.number({ error: 'launches must be a whole number of at least 1' }).int().min(1).default(1),
  /** Default: the start of the window. */
  at: moment('at').optional(),
  /** A long outage: every launch on the provider finds no capacity from `at` until this time (launches is then not counted). */
  until: moment('until').optional(),
});

const lateDelivery = z.strictObject({
  kind: z.literal('late-delivery'),
  job: jobName,
  scheduledAt: firingAt,
  by: duration('by (how late Scheduler delivers)', 1),
});

const duplicateDelivery = z.strictObject({
  kind: z.literal('duplicate-delivery'),
  job: jobName,
  scheduledAt: firingAt,
  /** How long after the first delivery the second one arrives. */
  after: duration('after (when the second delivery arrives)', 0).default(60),
});

/** `app=registry/shop:v2`: a container of the app's task definition and the image it gets. */
const CONTAINER_IMAGE = /^[A-Za-z0-9_-]{1,255}=\S+$/;
const containerImage = z.string().regex(CONTAINER_IMAGE, {
  error: (issue) =>
    `${JSON.stringify(issue.input)} is not container=image: write e.g. "app=123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop:v2"`,
});

const deployment = z
  .strictObject({
    kind: z.literal('deployment'),
    app: z.string({ error: 'the name of an app in the automation file' }).min(1),
    /** When the pipeline puts Deployment Requested on the bus, as `ecs-autopilot deploy` does. */
    at: moment('at'),
    /** The new image of a container (or of several, as a list): a new revision of the live colour's task definition. */
    image: z.union([containerImage, z.array(containerImage).min(1)]).optional(),
    /** Or a task definition to deploy as it is (family:revision or ARN; it must exist in the emulator). */
    taskDefinition: z.string().min(1).optional(),
    /** A gate alarm of the app that enters ALARM `after` the request, and returns to OK `clearsAfter` later. */
    alarm: z
      .strictObject({
        name: z.string({ error: "the name of one of the app's gates.alarms" }).min(1),
        after: duration('alarm.after (how long after the request the alarm fires)', 0),
        clearsAfter: duration('alarm.clearsAfter (how long the alarm stays in ALARM)', 60).default(600),
      })
      .optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.image === undefined) === (value.taskDefinition === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['image'],
        message: 'write image (e.g. "app=registry/shop:v2") or taskDefinition, exactly one of them, as `ecs-autopilot deploy` takes',
      });
    }
  });

const appName = z.string({ error: 'the name of an app in the automation file' }).min(1);

/**
 * Which colour of an app: `blue` or `green`, or as the app is at that moment: `new` (the colour the
 * deployment under way goes to; without one, the idle colour) or `live` (the one it goes from; without
 * one, the colour with all the weight).
 */
export const COLOUR_CHOICES = ['new', 'live', 'blue', 'green'] as const;
const colourChoice = z.enum(COLOUR_CHOICES, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a colour: write new, live, blue or green`,
});

/** An operator's `ecs-autopilot promote <app>` at `at`: it ends the current pause (a step's, until-promoted too, or the bake). */
const promote = z.strictObject({ kind: z.literal('promote'), app: appName, at: moment('at') });

/** An operator's `ecs-autopilot abort <app> [--reason TEXT]` at `at`: the deployment under way rolls back (or fails, before any traffic moved). */
const abort = z.strictObject({ kind: z.literal('abort'), app: appName, at: moment('at'), reason: z.string().min(1).optional() });

/**
 * What CloudWatch has for a metric of one of the app's gates.metrics checks, for one colour's target
 * group: each value is that minute's datapoint (the metric's statistic, e.g. a Sum of 5xx), put when its
 * minute comes, and again each minute for `for`.
 */
const metricValues = z.strictObject({
  kind: z.literal('metric-values'),
  app: appName,
  /** The name of a check under the app's gates.metrics. */
  check: z.string({ error: "the name of one of the app's gates.metrics" }).min(1),
  /** The id of one of the check's metrics; default: its only one. */
  metric: z.string().min(1).optional(),
  colour: colourChoice.default('new'),
  values: z
    .array(
      z.strictObject({
        at: moment('values.at'),
        value: z.number({ error: 'value must be a number' }),
        for: duration('for (how long the value holds, one datapoint a minute)', 60).default(60),
      }),
      { error: 'a list of { at, value } (and optionally for)' },
    )
    .min(1, { error: 'give at least one { at, value }' }),
});

/** A colour's targets fail their health checks from `at` (every target reports `state`) until `until`, when they are healthy again. */
const targetHealth = z.strictObject({
  kind: z.literal('target-health'),
  app: appName,
  colour: colourChoice.default('new'),
  at: moment('at'),
  until: moment('until').optional(),
  state: z.enum(['unhealthy', 'initial'], { error: 'state: unhealthy or initial' }).default('unhealthy'),
});

/** A person changes the listener's (or rule's) forward action by hand at `at`: these weights, stickiness kept. */
const listenerChange = z
  .strictObject({
    kind: z.literal('listener-change'),
    app: appName,
    at: moment('at'),
    weights: z.strictObject({
      blue: z.number({ error: 'weights.blue: a whole number from 0 to 999' }).int().min(0).max(999),
      green: z.number({ error: 'weights.green: a whole number from 0 to 999' }).int().min(0).max(999),
    }),
  })
  .refine((value) => value.weights.blue + value.weights.green > 0, {
    path: ['weights'],
    error: 'give at least one colour some weight (ELB forwards nowhere otherwise)',
  });

/**
 * ECS's deployment circuit breaker gives up on the new colour's rollout at `at`: the service goes back to
 * the task definition it ran before the deployment (a new PRIMARY deployment), and ECS reports
 * SERVICE_DEPLOYMENT_FAILED with its `reason`.
 */
const circuitBreaker = z.strictObject({
  kind: z.literal('circuit-breaker'),
  app: appName,
  at: moment('at'),
  reason: z.string().min(1).optional(),
});

/** Load that autoscaling answers: at `at`, a colour's service gets `desiredCount` tasks, as target tracking sets it. */
const autoscaling = z.strictObject({
  kind: z.literal('autoscaling'),
  app: appName,
  colour: colourChoice.default('live'),
  at: moment('at'),
  desiredCount: z.number({ error: 'desiredCount must be a whole number from 0 to 5000' }).int().min(0).max(5000),
});

/** The hook tasks of an app's deployments (those of one stage, with `hook`) stop `after` they start, with `exitCode`. */
const hookExits = z.strictObject({
  kind: z.literal('hook-exits'),
  app: z.string({ error: 'the name of an app in the automation file' }).min(1),
  hook: z.enum(HOOK_STAGES).optional(),
  after: duration('after (how long the hook task runs)', 0),
  exitCode: z.int().min(0).max(255),
  /** The container's reason, e.g. what the smoke test printed last. */
  reason: z.string().min(1).optional(),
});

const serviceEvent = z.strictObject({
  kind: z.literal('service-event'),
  /** A key of the automation file's services. */
  service: z.string({ error: 'the name of a service (a key of services) in the automation file' }).min(1),
  at: moment('at'),
  /** What ECS reports, by its own name: SERVICE_TASK_PLACEMENT_FAILURE, SERVICE_DEPLOYMENT_FAILED… */
  eventName: z.enum(SERVICE_PROBLEM_EVENTS, {
    error: (issue) =>
      `${JSON.stringify(issue.input)} is not a service problem ECS reports: write one of ${SERVICE_PROBLEM_EVENTS.join(', ')}`,
  }),
  /** ECS's reason, e.g. "RESOURCE:MEMORY" (default: the guide's example for a placement or deployment failure, none otherwise). */
  reason: z.string().min(1).optional(),
  /** When ECS reports the service well again (SERVICE_STEADY_STATE; after a failed deployment, its rollback's SERVICE_DEPLOYMENT_COMPLETED). */
  recoversAfter: duration('recoversAfter (how long until ECS reports the service steady again)', 60).optional(),
});

/** An operator's silence, as `ecs-autopilot silence <matcher>... --for 2h --comment "…"` makes it. */
const silence = z
  .strictObject({
    kind: z.literal('silence'),
    /** When the operator runs `ecs-autopilot silence`. */
    at: moment('at'),
    /** Alertmanager matchers over cluster, subject, category and severity: `subject=job:hourly-sync`, `category=~"crash-loop|app-error"`. */
    matchers: z.array(z.string({ error: 'a matcher such as "subject=job:hourly-sync"' })),
    for: duration('for (how long the silence lasts)', 60),
    comment: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    try {
      parseMatchers(value.matchers);
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['matchers'], message: error.message });
    }
  });

/**
 * An operator's `ecs-autopilot run <job> [--id ID]` at `at`: a manual run, launched by run-batch-job with
 * the job's policies. Its tasks end as a task-exits would end them (`after`, then `exitCode` or
 * `category`), or run on when it says nothing.
 */
const manualRun = z
  .strictObject({
    kind: z.literal('manual-run'),
    job: jobName,
    at: moment('at'),
    id: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'id: 1 to 64 of letters, digits, ".", "-" and "_", as `run --id` takes' })
      .optional(),
    after: duration('after (how long its tasks run)', 0).optional(),
    ...ending,
  })
  .superRefine((value, ctx) => {
    if (value.after === undefined && value.exitCode === undefined && value.category === undefined) return;
    if (value.after === undefined) {
      ctx.addIssue({ code: 'custom', path: ['after'], message: 'missing: how long its tasks run before they end (e.g. "10m")' });
    }
    checkEnding(value, ctx);
  });

/**
 * An operator's `ecs-autopilot suspend <job>` at `at` and, with `until`, `unsuspend <job>` then (which
 * catches up the latest missed firing when the job says catchUp: latest).
 */
const suspension = z.strictObject({
  kind: z.literal('suspension'),
  job: jobName,
  at: moment('at'),
  until: moment('until').optional(),
  comment: z.string().min(1).optional(),
});

/**
 * A mute window for the simulated day, written as notifications.muteWindows writes one (its zone: the
 * scenario's unless it names one): rehearse a maintenance window without editing the automation file.
 */
const muteWindowInjection = z
  .strictObject({ kind: z.literal('mute-window'), name: muteWindowName, ...muteWindowFields })
  .refine(SAYS_WHEN_OPEN.check, { error: SAYS_WHEN_OPEN.error });

const KIND_SCHEMAS = {
  'task-exits': taskExits,
  'watched-task-crashes': watchedTaskCrashes,
  'capacity-outage': capacityOutage,
  'late-delivery': lateDelivery,
  'duplicate-delivery': duplicateDelivery,
  deployment,
  'hook-exits': hookExits,
  'service-event': serviceEvent,
  silence,
  'mute-window': muteWindowInjection,
  'manual-run': manualRun,
  suspension,
  promote,
  abort,
  'metric-values': metricValues,
  'target-health': targetHealth,
  'listener-change': listenerChange,
  'circuit-breaker': circuitBreaker,
  autoscaling,
} as const;

export const INJECTION_KINDS = Object.keys(KIND_SCHEMAS) as Array<keyof typeof KIND_SCHEMAS>;

const injection = z.discriminatedUnion(
  'kind',
  [
    taskExits,
    watchedTaskCrashes,
    capacityOutage,
    lateDelivery,
    duplicateDelivery,
    deployment,
    hookExits,
    serviceEvent,
    silence,
    muteWindowInjection,
    manualRun,
    suspension,
    promote,
    abort,
    metricValues,
    targetHealth,
    listenerChange,
    circuitBreaker,
    autoscaling,
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `kind must be one of ${INJECTION_KINDS.join(', ')} (got ${JSON.stringify((issue.input as { kind?: unknown } | undefined)?.kind)})`
        : undefined,
  },
);

/** EventBridge's numbering, as WallClock has it: 1 = Sunday … 7 = Saturday. */
const WEEKDAY_NUMBERS = { sunday: 1, monday: 2, tuesday: 3, wednesday: 4, thursday: 5, friday: 6, saturday: 7 } as const;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The day a scenario's story happens on: a calendar date, or the first day after today (in the scenario's
 * zone) that is one of `weekdays` — after today, as the default window starts at the next midnight.
 */
export type ScenarioDay =
  | { text: string; date: { year: number; month: number; day: number } }
  | { text: string; weekdays: readonly number[] };

function scenarioDayOf(text: string): ScenarioDay | undefined {
  if (text === 'next-weekday') return { text, weekdays: [2, 3, 4, 5, 6] };
  const named = /^next-([a-z]+)$/.exec(text)?.[1];
  if (named !== undefined && named in WEEKDAY_NUMBERS) {
    return { text, weekdays: [WEEKDAY_NUMBERS[named as keyof typeof WEEKDAY_NUMBERS]] };
  }
  const [, year, month, day] = ISO_DATE.exec(text)?.map(Number) ?? [];
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? { text, date: { year, month, day } } : undefined;
}

const DAY_FORMS = 'next-weekday, next-monday … next-sunday, or a date such as "2026-12-07"';

const scenarioDay = z.string({ error: `write ${DAY_FORMS}` }).transform((text, ctx) => {
  const day = scenarioDayOf(text);
  if (!day) {
    ctx.addIssue({
      code: 'custom',
      message: ISO_DATE.test(text) ? `"${text}" is not a date of the calendar` : `"${text}" is not a day: write ${DAY_FORMS}`,
    });
    return z.NEVER;
  }
  return day;
});

export const scenarioSchema = z.strictObject({
  description: z.string().optional(),
  /** Zone of the times that name no job (the `at` of capacity-outage, watched-task-crashes, deployment, service-event and the other blue/green kinds); default: the first job's zone. */
  timezone: z
    .string()
    .refine(isKnownTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}` })
    .optional(),
  /** The day the story happens on (the window starts at its midnight, in `timezone`); `--from` overrides it. */
  day: scenarioDay.optional(),
  injections: z.array(injection).default([]),
});

export type Scenario = z.output<typeof scenarioSchema>;
export type Injection = Scenario['injections'][number];
export type InjectionOfKind<K extends Injection['kind']> = Extract<Injection, { kind: K }>;

export const EMPTY_SCENARIO: Scenario = { injections: [] };

export function loadScenarioFile(file: string, automation: Automation): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError([`cannot read ${file}: ${(error as Error).message}`], file);
  }
  return parseScenarioText(text, automation, file);
}

export function parseScenarioText(text: string, automation: Automation, source = 'scenario'): Scenario {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ScenarioError(
      document.errors.map((e) => `line ${e.linePos?.[0]?.line ?? 0}: ${e.message.split('\n')[0]}`),
      source,
    );
  }
  return validateScenario(document.toJS() ?? {}, automation, source);
}

/** The schema first, then what only the automation file can tell: which jobs and capacity providers exist. */
export function validateScenario(value: unknown, automation: Automation, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) throw new ScenarioError(describeScenarioIssues(result.error.issues, value), source);
  const problems = crossCheck(result.data, automation);
  if (problems.length > 0) throw new ScenarioError(problems, source);
  return result.data;
}

function crossCheck(scenario: Scenario, automation: Automation): string[] {
  const jobs = Object.keys(automation.jobs);
  const providers = [
    ...new Set(Object.values(automation.jobs).flatMap((job) => ('capacityProviders' in job.launch ? job.launch.capacityProviders : []))),
  ];
  const problems: string[] = [];
  scenario.injections.forEach((injection, index) => {
    const at = `injections.${index}`;
    if ('job' in injection) {
      const job = automation.jobs[injection.job];
      if (!job)
        problems.push(`${at}.job: no job ${JSON.stringify(injection.job)} in the automation file (jobs: ${jobs.join(', ') || 'none'})`);
      else if (job.suspended) problems.push(`${at}.job: ${injection.job} is suspended, so it never fires`);
      else if (injection.kind === 'task-exits' && injection.attempt !== undefined && injection.attempt > job.retry.attempts) {
        problems.push(
          `${at}.attempt: ${injection.job} makes at most ${job.retry.attempts} attempt${job.retry.attempts === 1 ? '' : 's'}` +
            ` (retry.attempts in the automation file), so it has no attempt ${injection.attempt}`,
        );
      }
    }
    if (injection.kind === 'watched-task-crashes' && !automation.watchedTasks[injection.watchedTask]) {
      const watched = Object.keys(automation.watchedTasks);
      problems.push(
        `${at}.watchedTask: no watched task ${JSON.stringify(injection.watchedTask)} in the automation file` +
          ` (watched tasks: ${watched.join(', ') || 'none'})`,
      );
    }
    if (injection.kind === 'deployment') problems.push(...deploymentProblems(injection, automation, at));
    else if (injection.kind === 'hook-exits') problems.push(...hookExitProblems(injection, automation, at));
    else if ('app' in injection) problems.push(...appProblems(injection, automation, at));
    if (injection.kind === 'service-event' && !automation.services[injection.service]) {
      const services = Object.keys(automation.services);
      problems.push(
        `${at}.service: no service ${JSON.stringify(injection.service)} in the automation file (services: ${services.join(', ') || 'none'})`,
      );
    }
    if (injection.kind === 'capacity-outage' && !providers.includes(injection.capacityProvider)) {
      problems.push(
        `${at}.capacityProvider: no job launches on ${JSON.stringify(injection.capacityProvider)} ` +
          `(capacity providers in the automation file: ${providers.join(', ') || 'none'})`,
      );
    }
  });
  return problems;
}

/** The app must exist, and the alarm must be one of its gates (the sandbox creates only those). */
function deploymentProblems(injection: InjectionOfKind<'deployment'>, automation: Automation, at: string): string[] {
  const app = automation.apps[injection.app];
  if (!app) {
    const apps = Object.keys(automation.apps);
    return [`${at}.app: no app ${JSON.stringify(injection.app)} in the automation file (apps: ${apps.join(', ') || 'none'})`];
  }
  const alarm = injection.alarm?.name;
  if (alarm !== undefined && !app.gates.alarms.includes(alarm)) {
    return [
      `${at}.alarm.name: ${JSON.stringify(alarm)} is not a gate alarm of ${app.name}, so it would change nothing ` +
        `(its gates.alarms: ${app.gates.alarms.join(', ') || 'none'})`,
    ];
  }
  return [];
}

/** The app must exist; a metric-values injection names one of its metric checks, and one metric of it. */
function appProblems(injection: Injection & { app: string }, automation: Automation, at: string): string[] {
  const app = automation.apps[injection.app];
  if (!app) {
    const apps = Object.keys(automation.apps);
    return [`${at}.app: no app ${JSON.stringify(injection.app)} in the automation file (apps: ${apps.join(', ') || 'none'})`];
  }
  if (injection.kind !== 'metric-values') return [];
  const check = app.gates.metrics.find((c) => c.name === injection.check);
  if (!check) {
    const checks = app.gates.metrics.map((c) => c.name);
    return [
      `${at}.check: ${JSON.stringify(injection.check)} is not a metric check of ${app.name}, so it would change nothing ` +
        `(its gates.metrics: ${checks.join(', ') || 'none'})`,
    ];
  }
  const ids = Object.keys(check.queries);
  if (injection.metric === undefined && ids.length > 1) {
    return [`${at}.metric: ${injection.check} reads ${ids.join(', ')}: name the one these values are for`];
  }
  if (injection.metric !== undefined && !ids.includes(injection.metric)) {
    return [`${at}.metric: ${injection.check} has no metric ${JSON.stringify(injection.metric)} (its metrics: ${ids.join(', ')})`];
  }
  return [];
}

/** The app must exist and run a task at that hook (or at any, without `hook`): otherwise the injection ends nothing. */
function hookExitProblems(injection: InjectionOfKind<'hook-exits'>, automation: Automation, at: string): string[] {
  const app = automation.apps[injection.app];
  if (!app) {
    const apps = Object.keys(automation.apps);
    return [`${at}.app: no app ${JSON.stringify(injection.app)} in the automation file (apps: ${apps.join(', ') || 'none'})`];
  }
  const tasks = Object.entries(app.hooks ?? {}).flatMap(([stage, hook]) => (hook.kind === 'task' ? [stage] : []));
  if (injection.hook === undefined ? tasks.length === 0 : !tasks.includes(injection.hook)) {
    return [
      `${at}.${injection.hook === undefined ? 'app' : 'hook'}: ${app.name} runs no hook task${injection.hook ? ` at ${injection.hook}` : ''}, so it would end nothing ` +
        `(its task hooks: ${tasks.join(', ') || 'none'})`,
    ];
  }
  return [];
}

/** One line per problem, each naming its path: `injections.0.after: "25x" is not a duration…`. */
export function describeScenarioIssues(issues: z.core.$ZodIssue[], input: unknown): string[] {
  const lines = issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(issue.path, input);
      return issue.keys.map((key) => `${[...path, key].join('.')}: unknown key${allowed ? ` (${allowed})` : ''}`);
    }
    return [`${path.length ? path.join('.') : '(top level)'}: ${describeIssue(issue, valueAt(issue.path, input))}`];
  });
  return [...new Set(lines)];
}

/** zod's issues do not carry the input, so a value of the wrong type is told apart from a missing one here. */
function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code !== 'invalid_type') return issue.message;
  return value === undefined ? `missing (expected ${issue.expected})` : `${issue.message} (got ${JSON.stringify(value)})`;
}

function valueAt(path: PropertyKey[], input: unknown): unknown {
  let value: unknown = input;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

function allowedKeysAt(path: PropertyKey[], input: unknown): string | undefined {
  if (path.length === 0) return `a scenario takes ${Object.keys(scenarioSchema.shape).join(', ')}`;
  const kind = (valueAt(path, input) as { kind?: unknown } | undefined)?.kind;
  const schema = KIND_SCHEMAS[kind as keyof typeof KIND_SCHEMAS];
  return schema && `${String(kind)} takes ${Object.keys(schema.shape).join(', ')}`;
}
