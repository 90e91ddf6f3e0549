/**
 * Inputs for the fuzz: real inputs (fixtures, real events, automation.yml) mutated a few places deep, and
 * values with no shape at all. A mutation picks a place in the seed by index, so fast-check shrinks a
 * failing input towards the seed itself and a counter-example reads as "the seed, with this changed".
 */
import fc from 'fast-check';

/** Keys every object answers to, and the ones a careless merge turns into prototype pollution. */
export const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON'] as const;

const hugeString = fc.integer({ min: 10_000, max: 200_000 }).map((length) => 'x'.repeat(length));

const oddString = fc.oneof(
  fc.constantFrom('', ' ', '\n', 'a\nb', '\u0000', '\u202e', '🚀', 'ä', '\ud800', '%s', '$' + '{x}', '../..', 'null', 'undefined', 'NaN'),
  ...PROTOTYPE_KEYS.map((key) => fc.constant(key)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  hugeString,
);

const oddNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, -1, 0.5, 1e308, -1e308, 5e-324),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER - 2, 2 ** 31, 2 ** 53),
  fc.integer(),
  fc.double(),
);

/** Nested `depth` levels deep: arrays in arrays, or objects in objects. */
const deepNesting = fc.tuple(fc.integer({ min: 50, max: 5_000 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { nested: value };
  return value;
});

/** A value to put where the seed had something else. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: oddString },
  { weight: 3, arbitrary: oddNumber },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.array(oddString, { maxLength: 3 }) },
);

const oddKey = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS),
  oddString.filter((key) => key.length < 1_000),
);

type Mutation =
  | { kind: 'drop'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'add-key'; at: number; key: string; value: unknown }
  | { kind: 'wrap-in-array'; at: number }
  | { kind: 'rename-key'; at: number; key: string };

const at = fc.nat();

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), at }),
  fc.record({ kind: fc.constant('replace' as const), at, value: oddValue }),
  fc.record({ kind: fc.constant('add-key' as const), at, key: oddKey, value: oddValue }),
  fc.record({ kind: fc.constant('wrap-in-array' as const), at }),
  fc.record({ kind: fc.constant('rename-key' as const), at, key: oddKey }),
);

type Place = { parent: Record<string, unknown> | unknown[]; key: string | number } | { parent: undefined; key: undefined };

/** Every place in the value: the root, then the members of its objects and arrays (iteratively: values may nest thousands deep). */
function placesOf(root: unknown): Place[] {
  const places: Place[] = [{ parent: undefined, key: undefined }];
  const pending: unknown[] = [root];
  while (pending.length > 0 && places.length < MAX_PLACES) {
    const value = pending.pop();
    if (Array.isArray(value)) {
      value.forEach((member, index) => {
        places.push({ parent: value, key: index });
        pending.push(member);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        places.push({ parent: value as Record<string, unknown>, key });
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return places;
}

const MAX_PLACES = 5_000;

/**
 * A deep copy of arrays and objects (own keys, `__proto__` included; a null prototype kept), made without
 * recursion: structuredClone and JSON.stringify overflow the stack on values a few thousand levels deep.
 */
export function copyOf<T>(value: T): T {
  const fresh = (source: object): object =>
    Array.isArray(source) ? [] : Object.create(Object.getPrototypeOf(source) === null ? null : Object.prototype);
  if (typeof value !== 'object' || value === null) return value;
  const root = fresh(value);
  const pending: [object, object][] = [[value, root]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [source, target] = next;
    for (const key of Object.keys(source)) {
      let member = (source as Record<string, unknown>)[key];
      if (typeof member === 'object' && member !== null) {
        const copy = fresh(member);
        pending.push([member, copy]);
        member = copy;
      }
      setOwn(target as Record<string, unknown>, Array.isArray(target) ? Number(key) : key, member);
    }
  }
  return root as T;
}

/** Sets an own property, even `__proto__`: as JSON.parse does for the events Lambda delivers. */
function setOwn(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(target) && typeof key === 'number') target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyMutation(root: unknown, m: Mutation): unknown {
  const places = placesOf(root);
  const place = places[m.at % places.length] as Place;
  const current = place.parent === undefined ? root : (place.parent as Record<string | number, unknown>)[place.key];
  const replaceWith = (value: unknown): unknown => {
    if (place.parent === undefined) return value;
    setOwn(place.parent, place.key, value);
    return root;
  };
  switch (m.kind) {
    case 'drop':
      if (place.parent === undefined) return undefined;
      if (Array.isArray(place.parent)) place.parent.splice(place.key as number, 1);
      else delete place.parent[place.key as string];
      return root;
    case 'replace':
      return replaceWith(copyOf(m.value));
    case 'wrap-in-array':
      return replaceWith([current]);
    case 'add-key':
      if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
        setOwn(current as Record<string, unknown>, m.key, copyOf(m.value));
        return root;
      }
      return replaceWith(
        Object.defineProperty({}, m.key, { value: copyOf(m.value), enumerable: true, writable: true, configurable: true }),
      );
    case 'rename-key':
      if (place.parent === undefined || Array.isArray(place.parent)) return root;
      delete place.parent[place.key as string];
      setOwn(place.parent, m.key, current);
      return root;
  }
}

/** A seed with one to three mutations. */
export function mutated(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([seed, mutations]) => mutations.reduce<unknown>((value, m) => applyMutation(value, m), copyOf(seed)));
}

/**
 * What a handler is fuzzed with: mostly its real inputs mutated, some of them unchanged (they must keep
 * working), and values of any shape (JSON as Lambda delivers it, and what a caller in-process could pass).
 */
export function handlerInputs(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 12, arbitrary: mutated(seeds) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds).map((seed) => copyOf(seed)) },
    { weight: 2, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.anything() },
  );
}
