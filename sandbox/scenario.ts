/**
 * A sandbox scenario: what moto cannot do by itself (a task exits, capacity runs out, Scheduler delivers
 * late or twice), injected on cue while the virtual day runs. One zod schema per kind, joined in a
 * discriminated union: a new kind is a new schema here and a new entry in run.ts's INJECTIONS.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { parseDuration } from '../shared/config/duration.ts';
import type { Automation } from '../shared/config/schema.ts';
import { isKnownTimeZone } from '../shared/config/time-zone.ts';
import { ConfigError } from '../shared/errors.ts';

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

const taskExits = z.strictObject({
  kind: z.literal('task-exits'),
  job: jobName,
  scheduledAt: firingAt,
  after: duration('after (how long the task runs)', 0),
  exitCode: z.number({ error: 'exitCode must be a whole number from 0 to 255' }).int().min(0).max(255),
  /** What ECS reports as the container's reason, e.g. "OutOfMemoryError: Container killed due to memory usage". */
  reason: z.string().min(1).optional(),
});

const capacityOutage = z.strictObject({
  kind: z.literal('capacity-outage'),
  capacityProvider: z.string({ error: 'the capacity provider that runs out, e.g. FARGATE_SPOT' }).min(1),
  launches: z.number({ error: 'launches must be a whole number of at least 1' }).int().min(1).default(1),
  /** Default: the start of the window. */
  at: moment('at').optional(),
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

const KIND_SCHEMAS = {
  'task-exits': taskExits,
  'capacity-outage': capacityOutage,
  'late-delivery': lateDelivery,
  'duplicate-delivery': duplicateDelivery,
} as const;

export const INJECTION_KINDS = Object.keys(KIND_SCHEMAS) as Array<keyof typeof KIND_SCHEMAS>;

const injection = z.discriminatedUnion('kind', [taskExits, capacityOutage, lateDelivery, duplicateDelivery], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `kind must be one of ${INJECTION_KINDS.join(', ')} (got ${JSON.stringify((issue.input as { kind?: unknown } | undefined)?.kind)})`
      : undefined,
});

export const scenarioSchema = z.strictObject({
  description: z.string().optional(),
  /** Zone of the times that name no job (capacity-outage's `at`); default: the first job's zone. */
  timezone: z
    .string()
    .refine(isKnownTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}` })
    .optional(),
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

/** One line per problem, each naming its path: `injections.0.after: "25x" is not a duration…`. */
export function describeScenarioIssues(issues: z.core.$ZodIssue[], input: unknown): string[] {
  const lines = issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(issue.path, input);
      return issue.keys.map((key) => `${[...path, key].join('.')}: unknown key${allowed ? ` (${allowed})` : ''}`);
    }
    const message = issue.code === 'invalid_type' && issue.input === undefined ? `missing (expected ${issue.expected})` : issue.message;
    return [`${path.length ? path.join('.') : '(top level)'}: ${message}`];
  });
  return [...new Set(lines)];
}

function allowedKeysAt(path: PropertyKey[], input: unknown): string | undefined {
  if (path.length === 0) return `a scenario takes ${Object.keys(scenarioSchema.shape).join(', ')}`;
  let value: unknown = input;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  const schema = KIND_SCHEMAS[kind as keyof typeof KIND_SCHEMAS];
  return schema && `${String(kind)} takes ${Object.keys(schema.shape).join(', ')}`;
}
