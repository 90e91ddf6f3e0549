/**
 * One fuzz target = what it is fed and how one input is judged. `fuzzTarget` tries `runs` inputs, keeps
 * going past a failure so that it can say how many inputs failed and in how many distinct ways, then asks
 * fast-check to shrink one input per way to the smallest that still fails it.
 */
import fc from 'fast-check';
import { BadEventError, ConfigError, RetryableAwsError, StoredItemError } from '#shared/errors.ts';

export interface Target<T> {
  name: string;
  inputs: fc.Arbitrary<T>;
  /** Why the input broke a property, or undefined when it kept them all. */
  judge: (input: T) => Promise<string | undefined>;
}

export interface Failure {
  /** The property broken, without the details that vary from input to input. */
  kind: string;
  /** How it broke, for the first input found, then for the shrunk one. */
  problem: string;
  /** How many inputs broke it. */
  count: number;
  /** The smallest input found that breaks it, as JSON-ish text. */
  counterExample?: string | undefined;
}

export interface TargetReport {
  name: string;
  /** fast-check's seed: FUZZ_SEED=<seed> tries the same inputs again. */
  seed: number;
  tried: number;
  failedInputs: number;
  failures: Failure[];
}

/** A problem is written "<the property broken> — <how, for this input>"; the part before the dash tells failures apart. */
export function kindOf(problem: string): string {
  return problem.split(' — ')[0] as string;
}

export async function fuzzTarget<T>(target: Target<T>, options: { runs: number; seed?: number | undefined }): Promise<TargetReport> {
  // Both passes see the same inputs: the second finds each failure again and shrinks it.
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const failures = new Map<string, Failure>();
  let tried = 0;
  let failedInputs = 0;
  await fc.assert(
    fc.asyncProperty(target.inputs, async (input) => {
      tried++;
      const problem = await judgeSafely(target, input);
      if (problem === undefined) return;
      failedInputs++;
      const kind = kindOf(problem);
      const known = failures.get(kind);
      if (known) known.count++;
      else failures.set(kind, { kind, problem, count: 1 });
    }),
    { numRuns: options.runs, seed },
  );
  for (const failure of failures.values()) {
    const shrunk = await fc.check(
      fc.asyncProperty(target.inputs, async (input) => {
        const problem = await judgeSafely(target, input);
        return problem === undefined || kindOf(problem) !== failure.kind;
      }),
      { numRuns: options.runs, seed },
    );
    if (shrunk.failed && shrunk.counterexample) {
      const [input] = shrunk.counterexample;
      failure.counterExample = describe(input);
      failure.problem = (await judgeSafely(target, input)) ?? failure.problem;
    }
  }
  return { name: target.name, seed, tried, failedInputs, failures: [...failures.values()] };
}

/** A judge that throws is the fuzz's own failure, said as one, not the end of the run. */
async function judgeSafely<T>(target: Target<T>, input: T): Promise<string | undefined> {
  try {
    return await target.judge(input);
  } catch (error) {
    return `the fuzz could not judge the input — ${errorText(error)}`;
  }
}

/** The input as a person reads it: fast-check's rendering, values past 30 levels deep summed up, long texts cut. */
export function describe(input: unknown): string {
  const text = fc.stringify(shallow(input, 30));
  return text.length > 2_000 ? `${text.slice(0, 2_000)}… (${text.length} characters)` : text;
}

/** A copy of `value` down to `depth` levels, what lies deeper said in words (rendering it would overflow the stack). */
function shallow(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth === 0) return `…(${levelsBelow(value)} more levels)`;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: shallow((value as Record<string, unknown>)[key], depth - 1),
      enumerable: true,
      writable: true,
    });
  }
  return copy;
}

function levelsBelow(value: unknown): number {
  let levels = 0;
  let pending: unknown[] = [value];
  while (pending.length > 0 && levels < 1_000_000) {
    levels++;
    pending = pending.flatMap((v) => (typeof v === 'object' && v !== null ? Object.values(v) : [])).slice(0, 100);
  }
  return levels - 1;
}

/** The project's own errors: the ones a handler may end with. */
export function isProjectError(error: unknown): error is Error {
  return (
    error instanceof BadEventError || error instanceof ConfigError || error instanceof RetryableAwsError || error instanceof StoredItemError
  );
}

/** Refused for what it is (bad input, bad config), as against AWS failing for now. */
export function isRejection(error: unknown): error is BadEventError | ConfigError {
  return error instanceof BadEventError || error instanceof ConfigError;
}

/** What a person needs to read from a rejection: one line, not the whole input, saying what was wanted. */
export function rejectionProblem(message: string): string | undefined {
  if (/[\r\n]/.test(message)) return `the error spans several lines — ${JSON.stringify(message.slice(0, 300))}`;
  if (message.length > MAX_MESSAGE_LENGTH) return `the error is longer than ${MAX_MESSAGE_LENGTH} characters — ${message.length}`;
  if (!SAYS_WHAT_WAS_EXPECTED.test(message)) return `the error does not say what was expected — ${JSON.stringify(message.slice(0, 300))}`;
  return undefined;
}

const MAX_MESSAGE_LENGTH = 2_000;
const SAYS_WHAT_WAS_EXPECTED =
  /expected|needs|takes|not an? |is not|does not|must|known|only|without|none of|invalid (?!input)|too (big|small|long|short)|\bno \w+ .* in /i;

/** Settles `work`, or says it did not within `ms` (a handler that hangs on an input is a failure too). */
export async function withinTime<T>(work: () => Promise<T>, ms: number): Promise<{ value?: T; error?: unknown; hung?: true }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ hung: true }>((resolve) => {
    timer = setTimeout(() => resolve({ hung: true }), ms);
  });
  try {
    return await Promise.race([
      work().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]?.slice(0, 300)}`;
  return `a thrown ${typeof error}: ${String(error).slice(0, 300)}`;
}
