/** Reading automation.yml: YAML syntax first, then the schema; every problem on its own line with its path. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { type Automation, automationSchema, resolveAutomation } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'automation.yml';

export function loadAutomationFile(file: string = DEFAULT_CONFIG_FILE): Automation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${file}: ${(error as Error).message}`], file);
  }
  return parseAutomationText(text, file);
}

export function parseAutomationText(text: string, source = DEFAULT_CONFIG_FILE): Automation {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((e) => `line ${(e.linePos?.[0]?.line ?? 0).toString()}: ${e.message.split('\n')[0]}`),
      source,
    );
  }
  return validateAutomation(document.toJS() ?? {}, source);
}

export function validateAutomation(value: unknown, source = DEFAULT_CONFIG_FILE): Automation {
  const result = automationSchema.safeParse(value);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues), source);
  return resolveAutomation(result.data);
}

/** `jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`, one line per problem. */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) lines.push(`${[...path, key].join('.')}: unknown key${suggestion(key, knownKeysAt(issue))}`);
      continue;
    }
    lines.push(`${path.length ? path.join('.') : '(top level)'}: ${humanMessage(issue)}`);
  }
  return [...new Set(lines)];
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return `missing (expected ${issue.expected})`;
  return issue.message;
}

// zod reports unknown keys without the allowed ones, so suggestions come from the schema's shape names.
const ALL_KEYS = [
  'runHistory',
  'retention',
  'defaults',
  'jobs',
  'description',
  'schedule',
  'suspended',
  'taskDefinition',
  'count',
  'overrides',
  'cpu',
  'memory',
  'containers',
  'command',
  'environment',
  'maxRuntime',
  'tags',
  'cluster',
  'timezone',
  'launchType',
  'capacityProviders',
  'platformVersion',
  'network',
  'subnets',
  'securityGroups',
  'assignPublicIp',
  'taskRole',
  'executionRole',
  'concurrency',
  'startingDeadline',
  'launchRetry',
  'attempts',
  'backoff',
  'maxBackoff',
  'schedulerRetry',
  'maxEventAge',
];

function knownKeysAt(_issue: z.core.$ZodIssue): string[] {
  return ALL_KEYS;
}

function suggestion(key: string, candidates: string[]): string {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}
