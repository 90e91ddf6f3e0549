/**
 * automation.yml as fuzz targets: its text (and the fixtures' files) mutated where YAML is fragile, and
 * the documents they hold mutated as values. For every input, what `validate` does — parse, the schema,
 * the stack's own checks, the daylight-saving notices — either accepts it or says what is wrong in
 * one-line problems (a ConfigError), within a bounded time; and a file it accepts, the stack generator
 * turns into resources without throwing.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse } from 'yaml';
import { daylightSavingNotices } from '#shared/config/daylight-saving.ts';
import { parseAutomationText } from '#shared/config/load.ts';
import type { Automation } from '#shared/config/schema.ts';
import { checkAutomation } from '#shared/config/validate.ts';
import { YamlFileError } from '#shared/config/yaml-problems.ts';
import { ConfigError, excerptOf } from '#shared/errors.ts';
import { stackProblems, stackResources } from '#shared/stack/resources.ts';
import { mutated, oddValue } from './mutations.ts';
import { errorText, type Target } from './property.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const FILES = [
  'automation.yml',
  'test/packaging/fixtures/automation.yml',
  'test/packaging/fixtures/blue-green-automation.yml',
  'test/packaging/fixtures/invalid-automation.yml',
  'test/integration/fixtures/sandbox-automation.yml',
];

/** The time validate runs at; notices look a year ahead of it. */
const NOW = new Date('2026-11-23T07:00:00Z');
const YEAR_LATER = new Date('2027-11-23T07:00:00Z');
const NAMES = { service: 'ecs-autopilot', stage: 'fuzz' };

/** Slower than this on a bounded input counts as hanging: validate runs in editors and CI on every change. */
const SLOW_MS = 2_000;

/** Aliases of aliases: a few lines that a naive loader expands into millions of nodes. */
const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...'bcdefghi'.split('').map((name, i) => {
    const previous = 'abcdefghi'[i];
    return `${name}: &${name} [*${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}, *${previous}]`;
  }),
  'jobs: *i',
  '',
].join('\n');

/** What breaks YAML, or a value of automation.yml, when typed in the wrong place. */
const FRAGMENTS = [
  ': ',
  '- ',
  '&a ',
  '*a',
  '!!binary ',
  '!!js/function ',
  '!!python/object ',
  '<<: *a\n',
  '? ',
  '|\n',
  '>-\n',
  '"',
  "'",
  '# ',
  '{',
  '[',
  '}',
  ']',
  '\t',
  '\n',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '~',
  'null',
  'yes',
  'no',
  '0x1F',
  '0o17',
  '1e308',
  '-0',
  '.nan',
  '.inf',
  '-.inf',
  '__proto__: x\n',
  'constructor:\n',
  'toString: 1\n',
  '2026-01-01',
  '2026-02-30T25:61:00',
  'cron(0 2 * * ? *)',
  'cron(* * * * * *)',
  'rate(0 minutes)',
  'rate(1 minute)',
  'at(9999-12-31T23:59:59)',
  '9999999d',
  '-1s',
  '0s',
  '1h30',
  'Mars/Olympus_Mons',
  'FARGATE_SPOT',
  'arn:aws:iam::111122223333:role/x',
  '\u00e4\u00f6\u00fc',
  '🚀',
  '\u202e',
  '\u0000',
  '\ufeff',
];

type TextMutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'drop-line'; at: number }
  | { kind: 'indent'; at: number; by: number };

const fragment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: oddValue.map((value) => (typeof value === 'string' ? value : excerptOf(value)).slice(0, 5_000)) },
);

const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fragment }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
);

function applyTextMutation(text: string, m: TextMutation): string {
  const lines = text.split('\n');
  const line = m.at % Math.max(lines.length, 1);
  switch (m.kind) {
    case 'insert': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'delete': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + m.length);
    }
    case 'duplicate-line':
      return [...lines.slice(0, line + 1), ...lines.slice(line)].join('\n');
    case 'drop-line':
      return [...lines.slice(0, line), ...lines.slice(line + 1)].join('\n');
    case 'indent': {
      const current = lines[line] ?? '';
      lines[line] = m.by >= 0 ? ' '.repeat(m.by) + current : current.replace(new RegExp(`^ {0,${-m.by}}`), '');
      return lines.join('\n');
    }
  }
}

const fileTexts = () => FILES.map((file) => readFileSync(join(ROOT, file), 'utf8'));

/** A problem line of a ConfigError, as validate prints it: a syntax error's code frame below is the one exception. */
function problemTexts(error: ConfigError): string[] {
  return error instanceof YamlFileError ? error.located.map((problem) => problem.text) : error.problems;
}

function badProblem(what: string, problems: string[]): string | undefined {
  if (problems.length === 0) return `${what} rejected the file without saying why — no problem listed`;
  const multiLine = problems.find((problem) => /[\r\n]/.test(problem));
  if (multiLine !== undefined) return `${what} reported a problem over several lines — ${JSON.stringify(multiLine.slice(0, 300))}`;
  if (problems.some((problem) => problem.trim() === '')) return `${what} reported an empty problem — ${JSON.stringify(problems)}`;
  return undefined;
}

/** An accepted automation: the stack's checks answer, the notices are computed, and without stack problems the stack builds. */
function judgeAccepted(what: string, automation: Automation): string | undefined {
  let problems: string[];
  try {
    problems = stackProblems(automation, NOW);
    daylightSavingNotices(automation, NOW, YEAR_LATER);
  } catch (error) {
    return `${what} accepted the file, then its checks failed with ${(error as Error).name} — ${errorText(error)}`;
  }
  const stackIssue = badProblem(`${what}'s stack checks`, problems.length > 0 ? problems : ['ok']);
  if (stackIssue) return stackIssue;
  try {
    stackResources(automation, NAMES, NOW);
    if (problems.length > 0) return `the stack generator built a stack validate refuses — ${problems[0]}`;
  } catch (error) {
    if (problems.length === 0)
      return `validate accepted the file but the stack generator failed with ${(error as Error).name} — ${errorText(error)}`;
    if (!(error instanceof ConfigError))
      return `the stack generator failed with ${(error as Error).name}, not a ConfigError — ${errorText(error)}`;
  }
  return undefined;
}

function timed(what: string, judge: () => string | undefined): string | undefined {
  const started = performance.now();
  const problem = judge();
  const elapsed = performance.now() - started;
  return problem ?? (elapsed > SLOW_MS ? `${what} took longer than ${SLOW_MS / 1000} s — ${Math.round(elapsed)} ms` : undefined);
}

export function automationTextTarget(): Target<string> {
  const texts = [...fileTexts(), ALIAS_BOMB];
  return {
    name: 'automation.yml (text)',
    inputs: fc
      .tuple(fc.constantFrom(...texts), fc.array(textMutation, { minLength: 1, maxLength: 4 }))
      .map(([text, mutations]) => mutations.reduce(applyTextMutation, text)),
    judge: async (text) =>
      timed('validate', () => {
        let automation: Automation;
        try {
          automation = parseAutomationText(text);
        } catch (error) {
          if (!(error instanceof ConfigError))
            return `validate failed with ${(error as Error).name}, not a ConfigError — ${errorText(error)}`;
          return badProblem('validate', problemTexts(error));
        }
        return judgeAccepted('validate', automation);
      }),
  };
}

export function automationDocumentTarget(): Target<unknown> {
  const documents = fileTexts().map((text) => parse(text) as unknown);
  return {
    name: 'automation.yml (document)',
    inputs: fc.oneof({ weight: 6, arbitrary: mutated(documents) }, { weight: 1, arbitrary: fc.jsonValue() }),
    judge: async (document) =>
      timed('the schema', () => {
        let check: ReturnType<typeof checkAutomation>;
        try {
          check = checkAutomation(document);
        } catch (error) {
          return `the schema failed with ${(error as Error).name} instead of listing problems — ${errorText(error)}`;
        }
        if (!check.ok)
          return badProblem(
            'the schema',
            check.problems.map((problem) => problem.text),
          );
        return judgeAccepted('the schema', check.automation);
      }),
  };
}

export function configTargets(): Target<unknown>[] {
  return [automationTextTarget() as Target<unknown>, automationDocumentTarget()];
}
