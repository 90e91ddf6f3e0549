/**
 * What each fault suite counted, handed from the test workers to the summary line printed when the run
 * ends: one JSON file per suite, in a folder of this run's own (other runs may be going on in the same
 * tree) inside node_modules, which git and Biome skip.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TALLY_FOLDERS = join(ROOT, 'node_modules', '.cache', 'fault-tallies');
/** A run's folder left behind longer than this by a run that was killed is removed by the next run. */
const LEFT_BEHIND_MS = 24 * 3_600_000;

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the fault suites of this run write their tallies. */
    faultTallies: string;
  }
}

export interface Tally {
  /** The suite's file, relative to the repository. */
  suite: string;
  scenarios: number;
  /** Faulted runs done (every mode), and crash points left out as equivalent to one that ran. */
  crashPoints: number;
  skipped: number;
  /** Crash points whose end lost, duplicated or diverged from the fault-free end (a point may count in several). */
  lost: number;
  duplicated: number;
  diverged: number;
  /** Scenarios whose fault-free run or sweep could not run to its end (an error, a timeout). */
  unfinished: string[];
}

export const emptyTally = (suite: string): Tally => ({
  suite: relative(ROOT, suite),
  scenarios: 0,
  crashPoints: 0,
  skipped: 0,
  lost: 0,
  duplicated: 0,
  diverged: 0,
  unfinished: [],
});

/** A new empty folder for this run's tallies (none of an earlier run can show up in its summary). */
export function newTallyFolder(): string {
  mkdirSync(TALLY_FOLDERS, { recursive: true });
  for (const left of readdirSync(TALLY_FOLDERS)) {
    const folder = join(TALLY_FOLDERS, left);
    if (Date.now() - statSync(folder).mtimeMs > LEFT_BEHIND_MS) rmSync(folder, { recursive: true, force: true });
  }
  return mkdtempSync(join(TALLY_FOLDERS, 'run-'));
}

export function writeTally(folder: string, tally: Tally): void {
  writeFileSync(join(folder, `${basename(tally.suite)}.json`), JSON.stringify(tally, null, 2));
}

/** The tallies written in the folder, which is then removed. */
export function takeTallies(folder: string): Tally[] {
  const tallies = readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(folder, file), 'utf8')) as Tally);
  rmSync(folder, { recursive: true, force: true });
  return tallies;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The one line: `faults: 412 crash points in 14 scenarios: 0 lost, 0 duplicated, 0 diverged (96
 * equivalent points skipped)`, then whatever did not run to its end, so a suite never vanishes silently.
 */
export function summaryLine(tallies: Tally[], suitesWithoutTally: string[]): string {
  const sum = (pick: (t: Tally) => number) => tallies.reduce((total, t) => total + pick(t), 0);
  const line =
    `faults: ${plural(
      sum((t) => t.crashPoints),
      'crash point',
    )} in ${plural(
      sum((t) => t.scenarios),
      'scenario',
    )}: ` +
    `${sum((t) => t.lost)} lost, ${sum((t) => t.duplicated)} duplicated, ${sum((t) => t.diverged)} diverged ` +
    `(${plural(
      sum((t) => t.skipped),
      'equivalent point',
    )} skipped)`;
  const unfinished = [
    ...tallies.flatMap((t) => t.unfinished.map((scenario) => `${t.suite}: ${scenario}`)),
    ...suitesWithoutTally.map((suite) => `${suite}: failed before it counted anything`),
  ];
  return unfinished.length > 0 ? `${line}; NOT RUN TO THE END: ${unfinished.join('; ')}` : line;
}
