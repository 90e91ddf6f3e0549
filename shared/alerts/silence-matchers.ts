/**
 * Matchers over an alert's labels, written as Alertmanager writes them: `cluster=prod`,
 * `category=~"crash-loop|app-error"`, `severity!=warning`, `subject!~"job:.*"`. A silence and a mute
 * window carry a list of them; all must match. Pure: the CLI, automation.yml's validation and notify
 * share these words.
 *
 * The labels are those of the alert group: cluster, subject (`<kind>:<name>`, e.g. `job:nightly-report`),
 * category and severity. A subject value without a kind (`subject=nightly-report`) is the name of a
 * subject of any kind, so an operator need not know that a watched task is `watched-task:`; a regex is
 * tried on both `<kind>:<name>` and the name alone. `!=` and `!~` are exactly "not `=`" and "not `=~`".
 * Regexes are anchored at both ends, as Alertmanager's are: `category=~crash` does not match `crash-loop`.
 */
import { closestName } from '../config/closest-name.ts';
import { excerptOf } from '../errors.ts';
import type { AlertBlock } from '../events/alert.ts';

export const MATCHER_LABELS = ['cluster', 'subject', 'category', 'severity'] as const;
export type MatcherLabel = (typeof MATCHER_LABELS)[number];

export type MatcherOperator = '=' | '!=' | '=~' | '!~';

const SEVERITIES = ['critical', 'warning'];

export interface Matcher {
  label: MatcherLabel;
  operator: MatcherOperator;
  value: string;
}

/** A matcher that cannot be read; its message says what to write instead. */
export class MatcherError extends Error {
  override name = 'MatcherError';
}

const LABEL_OPERATOR = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

/** One matcher: `label=value`, `label!=value`, `label=~regex`, `label!~regex`; the value may be double-quoted. */
export function parseMatcher(text: string): Matcher {
  if (text.trim() === '') throw new MatcherError('a matcher is empty: write label=value, e.g. cluster=prod');
  const parts = LABEL_OPERATOR.exec(text);
  if (!parts) {
    throw new MatcherError(
      `${excerptOf(text, 100)} is not a matcher: write label=value, label!=value, label=~regex or label!~regex (labels: ${MATCHER_LABELS.join(', ')})`,
    );
  }
  const [, label = '', operator = '=', raw = ''] = parts;
  if (!(MATCHER_LABELS as readonly string[]).includes(label)) {
    const likely = closestName(label, MATCHER_LABELS);
    throw new MatcherError(
      `unknown label ${excerptOf(label, 40)} in ${excerptOf(text, 100)}: the labels are ${MATCHER_LABELS.join(', ')}${likely ? `; did you mean "${likely}"?` : ''}`,
    );
  }
  const matcher: Matcher = { label: label as MatcherLabel, operator: operator as MatcherOperator, value: unquote(raw, text) };
  if (matcher.value === '') throw new MatcherError(`${excerptOf(text, 100)} has an empty value: an alert always has a ${label}`);
  if (isRegex(matcher)) compile(matcher);
  else if (matcher.label === 'severity' && !SEVERITIES.includes(matcher.value)) {
    throw new MatcherError(`${excerptOf(text, 100)}: severity is ${SEVERITIES.join(' or ')}`);
  }
  return matcher;
}

/** Several matchers (a silence's, a mute window's); at least one. */
export function parseMatchers(texts: readonly string[]): Matcher[] {
  if (texts.length === 0) throw new MatcherError('name at least one matcher, e.g. cluster=prod or category=~"crash-loop|app-error"');
  return texts.map(parseMatcher);
}

function unquote(raw: string, text: string): string {
  if (!raw.startsWith('"')) return raw;
  if (raw.length < 2 || !raw.endsWith('"')) throw new MatcherError(`${excerptOf(text, 100)}: the value's closing quote is missing`);
  // JSON's string escapes are Alertmanager's (\" \\ \n).
  try {
    return JSON.parse(raw) as string;
  } catch {
    throw new MatcherError(`${excerptOf(text, 100)}: the quoted value has a bad escape (write \\" for a quote, \\\\ for a backslash)`);
  }
}

const isRegex = (matcher: Matcher) => matcher.operator === '=~' || matcher.operator === '!~';

const compiled = new Map<string, RegExp>();

function compile(matcher: Matcher): RegExp {
  let regex = compiled.get(matcher.value);
  if (!regex) {
    try {
      regex = new RegExp(`^(?:${matcher.value})$`, 'u');
    } catch (error) {
      throw new MatcherError(
        `${matcher.label}${matcher.operator}${excerptOf(matcher.value, 100)}: not a regular expression (${(error as Error).message})`,
      );
    }
    compiled.set(matcher.value, regex);
  }
  return regex;
}

/** The values a label of `alert` is compared with: the subject as `<kind>:<name>` and as its name. */
function valuesOf(alert: AlertBlock, label: MatcherLabel): string[] {
  switch (label) {
    case 'subject':
      return [`${alert.subject.kind}:${alert.subject.name}`, alert.subject.name];
    case 'cluster':
      return [alert.cluster];
    case 'category':
      return [alert.category];
    case 'severity':
      return [alert.severity];
  }
}

export function matches(matcher: Matcher, alert: AlertBlock): boolean {
  const [full = '', name = full] = valuesOf(alert, matcher.label);
  let positive: boolean;
  if (isRegex(matcher)) {
    const regex = compile(matcher);
    positive = regex.test(full) || regex.test(name);
  } else if (matcher.label === 'subject') {
    positive = matcher.value === (matcher.value.includes(':') ? full : name);
  } else {
    positive = matcher.value === full;
  }
  return matcher.operator === '=' || matcher.operator === '=~' ? positive : !positive;
}

/** Every matcher matches (no matchers: every alert). */
export function matchesAll(matchers: readonly Matcher[], alert: AlertBlock): boolean {
  return matchers.every((matcher) => matches(matcher, alert));
}

/** The matcher as it is written back: `category=~"crash-loop|app-error"`; it parses to itself. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.label}${matcher.operator}${JSON.stringify(matcher.value)}`;
}
