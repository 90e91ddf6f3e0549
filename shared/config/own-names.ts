/**
 * Names from automation.yml (jobs, apps, watched tasks, services) are looked up with names that come from
 * outside: a firing, an event, a timer, the CLI. On a plain object `jobs["toString"]` finds a function
 * every object has; on these records it finds nothing, as for any other unknown name.
 */

/** The names every plain JavaScript object already has (`constructor`, `toString`, `__proto__`…): no config name may be one. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The same entries in a record without a prototype, so that a lookup finds its own names only. */
export function byOwnName<T>(record: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, record);
}
