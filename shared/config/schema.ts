/**
 * The one schema of automation.yml. Every consumer (CLI, `serverless package`, each Lambda at cold
 * start, the sandbox) validates through it, so a file that passes here works everywhere.
 */
import * as z from 'zod';
import { parseDuration } from './duration.ts';
import { parseScheduleExpression, ScheduleExpressionError } from './schedule-expression.ts';
import { isKnownTimeZone } from './time-zone.ts';

const duration = (what: string, limits: { min?: number; max?: number } = {}) =>
  z
    .string({ error: `${what} must be a duration such as "90s", "10m" or "2h"` })
    .superRefine((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration: write e.g. "90s", "10m", "2h" or "1h30m"` });
      } else if (limits.min !== undefined && seconds < limits.min) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is too short: at least ${limits.min}s` });
      } else if (limits.max !== undefined && seconds > limits.max) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is too long: at most ${limits.max}s` });
      }
    })
    .transform((text) => parseDuration(text) ?? 0)
    .meta({ description: `${what}, written like 90s, 10m, 2h or 1h30m`, pattern: '^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$' });

const timeZone = z
  .string()
  .refine(isKnownTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}` })
  .meta({ description: 'IANA time zone name, e.g. Europe/Berlin' });

const scheduleExpression = z
  .string()
  .superRefine((text, ctx) => {
    try {
      parseScheduleExpression(text);
    } catch (error) {
      if (!(error instanceof ScheduleExpressionError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .meta({
    description: 'cron(min hour day-of-month month day-of-week year), rate(15 minutes) or at(2026-12-24T18:00:00)',
    pattern: '^(cron|rate|at)\\(.+\\)$',
  });

const name = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
    error: `${what} may hold letters, digits, "-" and "_" (at most 64, starting with a letter or digit)`,
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

const network = z
  .strictObject({
    subnets: z
      .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: 'must be a subnet id (subnet-…)' }))
      .min(1)
      .max(16),
    securityGroups: z
      .array(z.string().regex(/^sg-[0-9a-f]+$/, { error: 'must be a security group id (sg-…)' }))
      .max(5)
      .default([]),
    assignPublicIp: z.boolean().default(false),
  })
  .meta({ description: 'awsvpc network configuration of the tasks' });

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
  for (let round = 1; round < retry.attempts; round++) total += Math.min(retry.maxBackoff, retry.backoff * 2 ** (round - 1));
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
  command: z.array(z.string()).min(1).optional(),
  environment: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'environment names are letters, digits and "_"' }), z.string())
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
  error: (issue) => `must be allow, forbid or replace (got ${JSON.stringify(issue.input)})`,
});

/** ECS takes a cluster's name or its ARN; anything else (a "*" above all) would widen the IAM policies. */
export const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
export const CLUSTER_ARN = /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;

/** Settings a job may take from `defaults`. */
const sharedJobSettings = {
  cluster: z
    .string()
    .regex(new RegExp(`${CLUSTER_NAME.source}|${CLUSTER_ARN.source}`), {
      error: 'must be a cluster name (letters, digits, "-", "_") or a cluster ARN',
    })
    .optional(),
  timezone: timeZone.optional(),
  launchType: z.enum(['FARGATE', 'EC2', 'EXTERNAL']).optional(),
  capacityProviders: capacityProviders.optional(),
  platformVersion: z.string().optional(),
  network: network.optional(),
  taskRole: roleArn.optional().meta({ description: "the task definition's task role, which launching must be allowed to pass" }),
  executionRole: roleArn.optional().meta({ description: "the task definition's execution role, which launching must be allowed to pass" }),
  concurrency: concurrency.optional(),
  startingDeadline: duration('latest acceptable delivery after the scheduled time', { min: 10 }).optional(),
  launchRetry: launchRetry.optional(),
  schedulerRetry: schedulerRetry.optional(),
};

const job = z.strictObject({
  description: z.string().max(512).optional(),
  schedule: scheduleExpression,
  suspended: z.boolean().default(false).meta({ description: 'true keeps the schedule but disables it' }),
  taskDefinition,
  count: z.number().int().min(1).max(10).default(1),
  overrides: overrides.optional(),
  maxRuntime: duration('longest a run may take before it is stopped', { min: 60 }).optional(),
  tags: tags.optional(),
  ...sharedJobSettings,
});

const defaults = z.strictObject(sharedJobSettings);

export const automationSchema = z
  .strictObject({
    $schema: z.string().optional(),
    runHistory: z
      .strictObject({ retention: duration('how long run history is kept', { min: 3_600 }).default(90 * 86_400) })
      .default({ retention: 90 * 86_400 }),
    defaults: defaults.default({}),
    jobs: z.record(name('a job name'), job).default({}),
  })
  .superRefine((config, ctx) => {
    if (config.defaults.launchType && config.defaults.capacityProviders) {
      ctx.addIssue({ code: 'custom', path: ['defaults', 'launchType'], message: 'set either launchType or capacityProviders, not both' });
    }
    for (const [jobName, spec] of Object.entries(config.jobs)) {
      const merged = { ...config.defaults, ...spec };
      const at = (field: string) => ['jobs', jobName, field];
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
  .meta({ title: 'ecs-autopilot automation.yml', description: 'What ecs-autopilot automates in your ECS account' });

export type AutomationInput = z.input<typeof automationSchema>;
type ParsedAutomation = z.output<typeof automationSchema>;
type ParsedJob = ParsedAutomation['jobs'][string];

/** A job with its defaults applied: what every consumer works with. */
export interface JobSpec {
  name: string;
  description: string | undefined;
  schedule: string;
  timezone: string;
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
  maxRuntimeSeconds: number | undefined;
  launchRetry: z.output<typeof launchRetry>;
  schedulerRetry: z.output<typeof schedulerRetry>;
  tags: Record<string, string>;
}

export interface Automation {
  runHistoryRetentionSeconds: number;
  jobs: Record<string, JobSpec>;
}

export const DEFAULT_TIME_ZONE = 'UTC';

export function resolveAutomation(parsed: ParsedAutomation): Automation {
  const jobs: Record<string, JobSpec> = {};
  for (const [jobName, spec] of Object.entries(parsed.jobs)) {
    const d = parsed.defaults;
    const launch: JobSpec['launch'] = spec.launchType
      ? { launchType: spec.launchType }
      : spec.capacityProviders
        ? { capacityProviders: spec.capacityProviders }
        : d.launchType
          ? { launchType: d.launchType }
          : d.capacityProviders
            ? { capacityProviders: d.capacityProviders }
            : { clusterDefault: true };
    jobs[jobName] = {
      name: jobName,
      description: spec.description,
      schedule: spec.schedule,
      timezone: spec.timezone ?? d.timezone ?? DEFAULT_TIME_ZONE,
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
      startingDeadlineSeconds: spec.startingDeadline ?? d.startingDeadline,
      maxRuntimeSeconds: spec.maxRuntime,
      launchRetry: spec.launchRetry ?? d.launchRetry ?? launchRetry.parse({}),
      schedulerRetry: spec.schedulerRetry ?? d.schedulerRetry ?? schedulerRetry.parse({}),
      tags: spec.tags ?? {},
    };
  }
  return { runHistoryRetentionSeconds: parsed.runHistory.retention, jobs };
}
