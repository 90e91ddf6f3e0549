/**
 * EventBridge's event pattern matching, for the subset the generated rules use: exact values, value
 * lists, {"exists": …} and "$or" (semantics of aws/event-ruler's README: a field matches when the
 * event's value, or any element of an array value, is one of the listed values; exists tests leaves;
 * "$or" matches when any of its patterns does). Anything else throws, so a rule using more is noticed.
 */
export function matchesEventPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    if (field === '$or') {
      if (!Array.isArray(expected) || expected.length < 2) throw new Error('"$or" takes a list of at least two patterns');
      return expected.some((alternative) => matchesEventPattern(alternative as Record<string, unknown>, event));
    }
    const value = isObject(event) ? event[field] : undefined;
    if (Array.isArray(expected)) return expected.some((matcher) => matchesValue(matcher, value));
    if (isObject(expected)) return isObject(value) && matchesEventPattern(expected, value);
    throw new Error(`pattern field ${field}: expected a list of values or a nested pattern`);
  });
}

function matchesValue(matcher: unknown, value: unknown): boolean {
  if (isObject(matcher)) {
    const keys = Object.keys(matcher);
    if (keys.length !== 1 || keys[0] !== 'exists') throw new Error(`unsupported matcher ${JSON.stringify(matcher)}`);
    const present = value !== undefined && !isObject(value);
    return matcher.exists === present;
  }
  const values = Array.isArray(value) ? value : [value];
  return values.some((item) => item === matcher);
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
