/**
 * Validation of an automation document (already parsed from YAML or JSON) with the one schema; every
 * problem becomes one line with its path. No YAML here: the functions load the JSON shipped with them.
 */
import type * as z from 'zod';
import { ConfigError, excerptOf } from '../errors.ts';
import { didYouMean } from './closest-name.ts';
import { type Automation, automationSchema, resolveAutomation } from './schema.ts';

export const DEFAULT_CONFIG_FILE = 'automation.yml';

/** One problem the schema found: its line, and the path it is about, for saying where it is written. */
export interface SchemaProblem {
  /** `jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`. */
  text: string;
  path: PropertyKey[];
  /** An unknown or badly named key is the key's fault; anything else is about the value. */
  pointAt: 'key' | 'value';
}

export type SchemaCheck = { ok: true; automation: Automation } | { ok: false; problems: SchemaProblem[] };

/** The schema's verdict on a parsed document, without throwing. */
export function checkAutomation(value: unknown): SchemaCheck {
  const result = automationSchema.safeParse(value, { reportInput: true });
  if (!result.success) return { ok: false, problems: schemaProblems(result.error.issues) };
  return { ok: true, automation: resolveAutomation(result.data) };
}

export function validateAutomation(value: unknown, source = DEFAULT_CONFIG_FILE): Automation {
  const check = checkAutomation(value);
  if (!check.ok)
    throw new ConfigError(
      check.problems.map((problem) => problem.text),
      source,
    );
  return check.automation;
}

/** `jobs.nightly-report.timezone: unknown time zone "Asia/Tokio"`, one line per problem. */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  return schemaProblems(issues).map((problem) => problem.text);
}

/** One problem per issue (one per key of an unrecognized_keys issue), without repeated lines. */
function schemaProblems(issues: z.core.$ZodIssue[]): SchemaProblem[] {
  const problems = new Map<string, SchemaProblem>();
  const add = (problem: SchemaProblem) => {
    if (!problems.has(problem.text)) problems.set(problem.text, problem);
  };
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAllowedAt(automationSchema, issue.path);
      for (const key of issue.keys) {
        add({
          text: `${pathText([...issue.path, key])}: unknown key${didYouMean(key, allowed)}`,
          path: [...issue.path, key],
          pointAt: 'key',
        });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // The key's own schema says what is wrong with it (e.g. what a job name may hold).
      add({ text: `${pathText(issue.path)}: ${oneLine(issue.issues[0]?.message ?? issue.message)}`, path: issue.path, pointAt: 'key' });
      continue;
    }
    add({
      text: `${issue.path.length ? pathText(issue.path) : '(top level)'}: ${oneLine(humanMessage(issue))}`,
      path: issue.path,
      pointAt: 'value',
    });
  }
  return [...problems.values()];
}

/**
 * `jobs.nightly-report.timezone`: the keys as written when they are plain names; any other key (a line
 * break, a space, a quote, 100 characters or more) quoted as JSON and cut, so that a problem stays one
 * line that says which key it is about.
 */
function pathText(path: readonly PropertyKey[]): string {
  return path.map((key) => (typeof key === 'number' || PLAIN_KEY.test(String(key)) ? String(key) : excerptOf(String(key), 100))).join('.');
}

const PLAIN_KEY = /^[\p{L}\p{N}_.:/@+=-]{1,99}$/u;

/** Longer than this, a message is cut: it quotes a value from the file, which can be of any length. */
const MESSAGE_MAX = 500;

/**
 * A message of the schema on one line: the many messages that quote a value from the file ("\n" is not
 * a duration) have its line breaks and other control characters written as JSON writes them, and are cut.
 */
function oneLine(message: string): string {
  const escaped = message.replace(/[\p{Cc}\u2028\u2029]/gu, escapeCharacter);
  return escaped.length > MESSAGE_MAX ? `${escaped.slice(0, MESSAGE_MAX)}…` : escaped;
}

/** `\n` as JSON writes it; the controls JSON leaves as they are (U+007F–U+009F) and the Unicode line separators as `\u2028`. */
function escapeCharacter(character: string): string {
  const json = JSON.stringify(character).slice(1, -1);
  return json !== character ? json : `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
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
