/**
 * Every option of the CLI, described once. A command lists the ones it takes; `<command> --help` prints
 * just those, and any other option is a usage error for that command (not silently ignored).
 */
import { DEFAULT_CONFIG_FILE } from '../shared/config/load.ts';
import { UsageError } from './output.ts';

interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  default?: string | boolean;
  /** How the value is shown in help: `--config FILE`. */
  value?: string;
  help: string;
}

export const OPTIONS = {
  config: { type: 'string', default: DEFAULT_CONFIG_FILE, value: 'FILE', help: `the automation file (default ${DEFAULT_CONFIG_FILE})` },
  json: { type: 'boolean', default: false, help: 'print one JSON document on stdout instead of lines for people' },
  from: {
    type: 'string',
    value: 'ISO',
    help: 'start of the window, ISO 8601: 2026-12-07 or 2026-12-07T08:00 (read in the zone named above), or with an offset (…Z, …+01:00)',
  },
  hours: { type: 'string', value: 'N', help: 'length of the window in hours (default 24)' },
  // No parseArgs default: each command has its own (runs and stops 20, status 5).
  limit: { type: 'string', value: 'N', help: 'how many runs, stops or past deployments, newest first (default 20; status: 5)' },
  since: {
    type: 'string',
    value: 'DURATION',
    help: 'how far back: 30m, 12h, 7d (default 7d; stops are kept 8 days; runs of one job: all kept)',
  },
  failed: { type: 'boolean', default: false, help: 'only the runs that failed or timed out' },
  status: { type: 'string', value: 'STATUS', help: 'only the runs of this status (launching, launched, skipped, missed, failed, …)' },
  id: {
    type: 'string',
    value: 'ID',
    help: 'the manual run\'s id (1 to 64 of letters, digits, ".", "-", "_"; default: a fresh one); the same id again is the same run',
  },
  stage: { type: 'string', default: 'dev', value: 'S', help: 'the stage deployed with serverless deploy --stage (default dev)' },
  table: { type: 'string', value: 'NAME', help: 'the state table (default ecs-autopilot-<stage>-state)' },
  bus: { type: 'string', value: 'NAME', help: 'the event bus (default ecs-autopilot-<stage>)' },
  region: { type: 'string', value: 'R', help: 'the AWS region of the stack (default: AWS_REGION, then the profile)' },
  profile: { type: 'string', value: 'P', help: 'the AWS profile to use (default: AWS_PROFILE, then the default credential chain)' },
  endpoint: { type: 'string', value: 'URL', help: 'an AWS-compatible endpoint to talk to instead of AWS (an emulator)' },
  event: {
    type: 'string',
    value: 'FILE',
    help: 'the stopped task as JSON: the EventBridge event, its detail, or aws ecs describe-tasks output (- reads standard input)',
  },
  task: {
    type: 'string',
    value: 'ARN',
    help: 'the task (ARN or id): read live with DescribeTasks; with --event, the one task of a describe-tasks output to explain',
  },
  cluster: { type: 'string', value: 'NAME', help: "with --task: the task's cluster (default: the one its ARN names)" },
  'task-definition-file': {
    type: 'string',
    value: 'FILE',
    help: 'the output of aws ecs describe-task-definition for the task, instead of reading it from AWS (which containers are essential)',
  },
  scenario: { type: 'string', value: 'FILE', help: 'the scenario to inject (see sandbox/scenarios/demo.yml)' },
  html: {
    type: 'string',
    value: 'FILE',
    help: 'also write a picture of the day to FILE: one self-contained HTML page, a lane per job, watched task, service and app',
  },
  write: { type: 'boolean', default: false, help: 'write the schema to the file instead of printing it' },
  'task-definition': { type: 'string', value: 'ARN', help: 'the task definition the new colour runs' },
  image: {
    type: 'string',
    multiple: true,
    value: 'CONTAINER=IMAGE',
    help: 'a new image for one container of the live task definition (repeat for several)',
  },
  full: {
    type: 'boolean',
    default: false,
    help: 'skip every remaining step and pause: straight to 100% once the gates pass (then the bake as usual)',
  },
  'dry-run': {
    type: 'boolean',
    default: false,
    help: 'request nothing: print the steps, gates and timings, and check the listener, target groups, services, alarms and revision',
  },
  wait: { type: 'boolean', default: false, help: 'follow the deployment (or the run) to its end and exit with its outcome' },
  timeout: {
    type: 'string',
    value: 'DURATION',
    help: "with --wait: give up after this long (default: the longest the app's deployment, or the job's run with its retries, can take)",
  },
  reason: { type: 'string', value: 'TEXT', help: 'why, recorded with the deployment and in its events' },
  for: { type: 'string', value: 'DURATION', help: 'how long the silence lasts: 30m, 2h, 1d (at most 30d)' },
  comment: { type: 'string', value: 'TEXT', help: 'why, shown with the silence (and in the alerts it holds) or the suspension' },
  all: { type: 'boolean', default: false, help: 'include the ended ones the table still keeps' },
  help: { type: 'boolean', short: 'h', default: false, help: 'show this help' },
  version: { type: 'boolean', default: false, help: "print ecs-autopilot's version" },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;

/** The options of the deployed stack every AWS command takes. */
export const CONNECTION: readonly OptionName[] = ['config', 'stage', 'table', 'bus', 'region', 'profile', 'endpoint'];

/** The parseArgs configuration for a set of options (always with --help). */
export function parseArgsOptions(names: readonly OptionName[]) {
  const chosen = new Set<OptionName>([...names, 'help']);
  return Object.fromEntries(
    [...chosen].map((name) => {
      const { help: _help, value: _value, ...parse } = OPTIONS[name] as OptionSpec;
      return [name, parse];
    }),
  ) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string; default?: string | boolean }>;
}

/** `  --config FILE   the automation file …`, aligned. */
export function optionLines(names: readonly OptionName[]): string[] {
  const all = [...new Set<OptionName>([...names, 'help'])];
  const labels = all.map((name) => {
    const spec = OPTIONS[name] as OptionSpec;
    return `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.value ? ` ${spec.value}` : ''}`;
  });
  const width = Math.max(...labels.map((label) => label.length));
  return all.map((name, i) => `  ${(labels[i] ?? '').padEnd(width)}  ${(OPTIONS[name] as OptionSpec).help}`);
}

export function positiveNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\s*\d/.test(text) || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive number, got "${text}"`);
  }
  return value;
}
