/**
 * Validation of an automation document (already parsed from YAML or JSON) with the one schema; every
 * problem becomes one line with its path. No YAML here: the functions load the JSON shipped with them.
 */
import type * as z from 'zod';
import { ConfigError } from '../errors.ts';
import { type Automation, automationSchema, resolveAutomation } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'automation.yml';

export function validateAutomation(value: unknown, source = DEFAULT_CONFIG_FILE): Automation {
  const result = automationSchema.safeParse(value, { reportInput: true });
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues), source);
  return resolveAutomation(result.data);
}

/** `jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`, one line per problem. */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAllowedAt(automationSchema, issue.path);
      for (const key of issue.keys) lines.push(`${[...path, key].join('.')}: unknown key${suggestion(key, allowed)}`);
      continue;
    }
    if (issue.code === 'invalid_key') {
      // The key's own schema says what is wrong with it (e.g. what a job name may hold).
      lines.push(`${path.join('.')}: ${issue.issues[0]?.message ?? issue.message}`);
      continue;
    }
    lines.push(`${path.length ? path.join('.') : '(top level)'}: ${humanMessage(issue)}`);
  }
  return [...new Set(lines)];
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.path.length === 0) {
    return 'the file must be a mapping of settings (runHistory, defaults, jobs), not a single value';
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return `missing (expected ${issue.expected})`;
  return issue.message;
}

/** The keys an object accepts at a path of the schema, for "did you mean" suggestions. */
function keysAllowedAt(schema: z.core.$ZodType, path: PropertyKey[]): string[] {
  let node: z.core.$ZodType | undefined = schema;
  const unwrap = () => {
    for (;;) {
      const def = node?._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType } | undefined;
      if (def && ['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(def.type)) node = def.innerType;
      else if (def?.type === 'pipe') node = def.in;
      else return;
    }
  };
  for (const step of path) {
    unwrap();
    const def = node?._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      valueType?: z.core.$ZodType;
      element?: z.core.$ZodType;
    };
    if (def?.type === 'object') node = def.shape?.[String(step)];
    else if (def?.type === 'record') node = def.valueType;
    else if (def?.type === 'array') node = def.element;
    else return [];
  }
  unwrap();
  const def = node?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : [];
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
