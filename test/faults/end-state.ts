/**
 * What a scenario leaves in the emulator, in three shapes a sweep knows how to compare, and how an end
 * differs from the fault-free one: something of it missing is **lost**, something twice or extra is
 * **duplicated**, anything else that differs has **diverged**.
 */

/** One copy of an event as the bus delivered it: a republished event shows up as a second copy. */
export interface PublishedCopy {
  id: string;
  /**
   * How the event is matched with the fault-free run's, when its id holds what moto invents anew in
   * each world (a task ARN); default: the id.
   */
  key?: string;
  /** What must be the same in every copy of the id and in the fault-free run (detail-type, detail…). */
  content: unknown;
}

export interface EndState {
  /** Every event published, each copy: each id must carry one content, and be there as in the fault-free run. */
  events: PublishedCopy[];
  /** Collections compared as multisets (tasks, messages, timers, revisions): fewer is lost, more duplicated. */
  items: Record<string, string[]>;
  /** Everything else (weights, counts, bounds, stored state), compared by value. */
  facts: Record<string, unknown>;
}

export type DifferenceKind = 'lost' | 'duplicated' | 'diverged';

export interface Difference {
  kind: DifferenceKind;
  what: string;
}

const show = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

/** Per key, the contents of its ids (one per id), and the ids that carried more than one content. */
function eventsByKey(copies: PublishedCopy[]) {
  const contentsOfId = new Map<string, { key: string; contents: Set<string> }>();
  for (const copy of copies) {
    const seen = contentsOfId.get(copy.id) ?? { key: copy.key ?? copy.id, contents: new Set<string>() };
    seen.contents.add(JSON.stringify(copy.content));
    contentsOfId.set(copy.id, seen);
  }
  const byKey = new Map<string, string[]>();
  const conflicting: string[] = [];
  for (const [id, { key, contents }] of contentsOfId) {
    if (contents.size > 1)
      conflicting.push(`event ${id} published ${contents.size} times with different content: ${[...contents].join(' | ')}`);
    byKey.set(key, [...(byKey.get(key) ?? []), [...contents][0] as string].sort());
  }
  return { byKey, conflicting };
}

/** What is in `a` and not in `b`, counting repeats. */
function without(a: string[], b: string[]): string[] {
  const left = [...b];
  return a.filter((item) => {
    const at = left.indexOf(item);
    if (at === -1) return true;
    left.splice(at, 1);
    return false;
  });
}

function eventDifferences(reference: PublishedCopy[], end: PublishedCopy[]): Difference[] {
  const expected = eventsByKey(reference);
  const found = eventsByKey(end);
  const differences: Difference[] = found.conflicting.map((what) => ({ kind: 'duplicated', what }));
  for (const key of new Set([...expected.byKey.keys(), ...found.byKey.keys()])) {
    const want = expected.byKey.get(key) ?? [];
    const got = found.byKey.get(key) ?? [];
    const missing = without(want, got);
    const extra = without(got, want);
    if (missing.length > 0 && extra.length > 0) {
      differences.push({ kind: 'diverged', what: `event ${key}: ${extra.join(', ')} instead of ${missing.join(', ')}` });
    } else if (missing.length > 0) {
      differences.push({ kind: 'lost', what: `event ${key} (${missing.join(', ')}) never published` });
    } else if (extra.length > 0) {
      const what = want.length > 0 ? `event ${key} published under ${got.length} ids, not ${want.length}` : `an extra event ${key}`;
      differences.push({ kind: 'duplicated', what: `${what}: ${extra.join(', ')}` });
    }
  }
  return differences;
}

function itemDifferences(name: string, reference: string[], end: string[]): Difference[] {
  const missing = without(reference, end);
  const extra = without(end, reference);
  if (missing.length > 0 && extra.length > 0) {
    return [{ kind: 'diverged', what: `${name}: ${extra.map(show).join(', ')} instead of ${missing.map(show).join(', ')}` }];
  }
  return [
    ...missing.map((item): Difference => ({ kind: 'lost', what: `${name}: ${show(item)} missing` })),
    ...extra.map((item): Difference => ({ kind: 'duplicated', what: `${name}: ${show(item)} once more` })),
  ];
}

/** Nested objects as path → value; arrays and other values are compared whole. */
function flatten(value: unknown, path: string, into: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, path ? `${path}.${key}` : key, into);
  } else if (value !== undefined) {
    into.set(path, JSON.stringify(value));
  }
  return into;
}

function factDifferences(reference: Record<string, unknown>, end: Record<string, unknown>, start: Record<string, unknown>): Difference[] {
  const want = flatten(reference, '', new Map());
  const got = flatten(end, '', new Map());
  const before = flatten(start, '', new Map());
  const differences: Difference[] = [];
  for (const path of new Set([...want.keys(), ...got.keys()])) {
    if (want.get(path) === got.get(path)) continue;
    const found = got.get(path) ?? 'nothing';
    const expected = want.get(path) ?? 'nothing';
    // A change the fault-free run made and this one did not: the value is still what it was before the delivery.
    const leftAsItWas = got.get(path) === before.get(path) && want.get(path) !== before.get(path);
    differences.push(
      leftAsItWas
        ? { kind: 'lost', what: `${path}: left at ${found}, not changed to ${expected}` }
        : { kind: 'diverged', what: `${path}: ${found} instead of ${expected}` },
    );
  }
  return differences;
}

/** How `end` differs from the fault-free `reference`; `start` is the state both began from (to tell a lost change). */
export function differencesFrom(reference: EndState, end: EndState, start: EndState): Difference[] {
  const names = new Set([...Object.keys(reference.items), ...Object.keys(end.items)]);
  return [
    ...eventDifferences(reference.events, end.events),
    ...[...names].flatMap((name) => itemDifferences(name, reference.items[name] ?? [], end.items[name] ?? [])),
    ...factDifferences(reference.facts, end.facts, start.facts),
  ];
}

/** Ids the fault-free run itself published with two contents: a sweep cannot stand on such a reference. */
export const conflictingEvents = (state: EndState) => eventsByKey(state.events).conflicting;
