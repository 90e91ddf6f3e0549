/**
 * EventBridge's matching of an event pattern against an event, for the features the project's rules use
 * (shared/stack/event-rules.ts): a list of exact values (strings, numbers, booleans, null) as
 * alternatives, an array in the event matching when any of its elements does, nested fields,
 * {"exists": true|false}, {"anything-but": values} and "$or". Semantics of the EventBridge user guide ("Event patterns", "Arrays in
 * event patterns", "Exists matching": exists tests leaves, so an object or an empty array is no value).
 * The sandbox routes events with it; the tests check the generated rules with it.
 *
 * Any other matcher (prefix, suffix, numeric, …) or a malformed pattern throws EventPatternError
 * when the pattern is compiled, whatever the event: a rule that starts using more is noticed, never
 * matched by a guess.
 */
export type EventPattern = { readonly [field: string]: unknown };

export class EventPatternError extends Error {
  override name = 'EventPatternError';
}

/** Compiles a pattern once (checking all of it), for many events. */
export function eventPatternMatcher(pattern: EventPattern): (event: unknown) => boolean {
  return compilePattern(pattern, '');
}

export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return eventPatternMatcher(pattern)(event);
}

/** What the matcher knows, for the errors. */
const KNOWN = 'lists of exact values, {"exists": true|false}, {"anything-but": values}, nested fields and "$or"';

type NodeMatcher = (node: unknown) => boolean;

function compilePattern(pattern: unknown, path: string): NodeMatcher {
  if (!isObject(pattern)) throw new EventPatternError(`${where(path)} must be an object of fields`);
  const fields = Object.entries(pattern);
  if (fields.length === 0) throw new EventPatternError(`${where(path)} is empty: a pattern names at least one field`);
  const matchers = fields.map(([field, expected]): NodeMatcher => {
    const at = path ? `${path}.${field}` : field;
    if (field === '$or') return compileOr(expected, at);
    if (Array.isArray(expected)) {
      const matchesValue = compileValues(expected, at);
      return (node) => matchesValue(fieldOf(node, path, field));
    }
    if (isObject(expected)) {
      const matchesNested = compilePattern(expected, at);
      return (node) => matchesNested(fieldOf(node, path, field));
    }
    throw new EventPatternError(`${where(at)}: ${JSON.stringify(expected)} is neither a list of values nor a nested pattern`);
  });
  return (node) => matchers.every((matches) => matches(node));
}

function compileOr(alternatives: unknown, path: string): NodeMatcher {
  if (!Array.isArray(alternatives) || alternatives.length < 2) {
    throw new EventPatternError(`${where(path)} takes a list of at least two patterns`);
  }
  const matchers = alternatives.map((alternative, index) => compilePattern(alternative, `${path}[${index}]`));
  return (node) => matchers.some((matches) => matches(node));
}

type ValueMatcher = (leaves: readonly unknown[]) => boolean;

/** A field's list: the field matches when any item does, against the field's leaves (none when absent). */
function compileValues(items: unknown[], path: string): (value: unknown) => boolean {
  if (items.length === 0) throw new EventPatternError(`${where(path)} is an empty list, which matches nothing`);
  const matchers = items.map((item) => compileValue(item, path));
  return (value) => {
    const leaves = leavesOf(value);
    return matchers.some((matches) => matches(leaves));
  };
}

function compileValue(item: unknown, path: string): ValueMatcher {
  if (item === null || typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') {
    return (leaves) => leaves.some((leaf) => leaf === item);
  }
  if (isObject(item)) {
    const [name, ...more] = Object.keys(item);
    if (name === 'exists' && more.length === 0) {
      const wanted = item.exists;
      if (typeof wanted !== 'boolean') throw new EventPatternError(`${where(path)}: "exists" takes true or false`);
      return (leaves) => leaves.length > 0 === wanted;
    }
    if (name === 'anything-but' && more.length === 0) return compileAnythingBut(item['anything-but'], path);
    throw new EventPatternError(`${where(path)}: ${JSON.stringify(item)} is not a matcher the sandbox knows (it knows ${KNOWN})`);
  }
  throw new EventPatternError(`${where(path)}: ${JSON.stringify(item)} is not a value a pattern can list`);
}

/**
 * {"anything-but": value | [values]}: a field that has a value, none of them listed. An absent field does
 * not match (EventBridge matches anything-but against a value, and there is none).
 */
function compileAnythingBut(excluded: unknown, path: string): ValueMatcher {
  const values: unknown[] = Array.isArray(excluded) ? excluded : [excluded];
  const exact = (value: unknown) => value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  if (values.length === 0 || !values.every(exact)) {
    throw new EventPatternError(
      `${where(path)}: "anything-but" takes a value or a list of values (its prefix and suffix forms are not known here)`,
    );
  }
  return (leaves) => leaves.some((leaf) => !values.some((value) => value === leaf));
}

/** A field's values as EventBridge compares them: a scalar, or the scalars of an array; objects hold no value of their own. */
function leavesOf(value: unknown): readonly unknown[] {
  if (value === undefined || isObject(value)) return [];
  if (Array.isArray(value)) return value.filter((element) => !isObject(element) && !Array.isArray(element));
  return [value];
}

/**
 * A field of an event node. EventBridge flattens arrays of objects (detail.containers[].name is matched
 * as detail.containers.name); the project's rules never reach into one, so this matcher refuses rather
 * than guess how.
 */
function fieldOf(node: unknown, path: string, field: string): unknown {
  if (Array.isArray(node) && node.some(isObject)) {
    throw new EventPatternError(
      `${where(path)}: the event's ${path} is an array of objects, which this matcher does not look into (for ${field})`,
    );
  }
  return isObject(node) ? node[field] : undefined;
}

const where = (path: string) => (path ? `pattern field ${path}` : 'the pattern');

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
