/** Values in first-seen order, without repeats (compared as JSON, so CloudFormation intrinsics dedupe too). */
export function distinct<T>(values: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const value of values) {
    const key = JSON.stringify(value);
    if (!seen.has(key)) seen.set(key, value);
  }
  return [...seen.values()];
}
