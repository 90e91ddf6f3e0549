/**
 * The crash-at-every-step sweep every fault suite stands on (issue 11 §3). Each scenario's world is built
 * once and saved as a snapshot of the emulator; from it, the scenario runs once without faults to record
 * the AWS calls of the delivery under test and the end state it leads to; then, for every call k, from the
 * same start again (the snapshot restored): (a) call k fails (a throttle), (b) call k succeeds and the invocation
 * dies right after it, (c) the same death, then the input twice at once. Each time the input is delivered
 * again until an invocation ends normally, the world goes on until quiet (timers, ticks), and the end
 * state must equal the fault-free one: whatever differs is counted and named as lost, duplicated or
 * diverged, with the mode, the call and the difference. A crash after a read is left out (see
 * crash-points.ts) and counted as skipped; FAULTS_EVERY_CALL=1 runs those too, and FAULTS_FRESH_WORLDS=1
 * builds every world anew instead of restoring the snapshot (both to check what the speed rests on).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Emulator } from '../../sandbox/emulator.ts';
import { type AwsCall, callName, type Fault, invoke } from '../helpers/faults.ts';
import { type CrashPlan, type CrashPoint, FAULT_MODES, type FaultMode, planCrashPoints } from './crash-points.ts';
import { restoreSnapshot, saveSnapshot } from './emulator-snapshots.ts';
import { conflictingEvents, type Difference, differencesFrom, type EndState } from './end-state.ts';
import { emptyTally, type Tally, writeTally } from './tally.ts';

export interface FaultScenario<W> {
  name: string;
  /** A fresh world with the scenario's past played (its events drained): where every run of it starts. */
  world: () => Promise<W>;
  /** The delivery under test: one invocation of a handler. */
  deliver: (w: W) => Promise<unknown>;
}

export interface FaultSuite<W, S extends FaultScenario<W> = FaultScenario<W>> {
  /** The suite's file (import.meta.filename): its tally is named after it. */
  file: string;
  /** The emulator the worlds are built in, started with startSnapshottingEmulator. */
  emulator: () => Emulator;
  scenarios: S[];
  /**
   * A world as `w` was right after its past, for the emulator restored to that moment: its own clock (at
   * the time `w`'s past ended) and runtimes, nothing of what ran in `w` since.
   */
  fork: (w: W, scenario: S) => W;
  /**
   * How the input comes again after an invocation that did not end normally, as Lambda's or Scheduler's
   * retries bring it (and only then: a fault an invocation survives must leave nothing undone).
   */
  redelivery: {
    /** What happens in the world before each redelivery (the retry delay on its clock). */
    wait?: (w: W) => void;
    /** Redeliveries allowed until one ends normally: one more and the input would be dead-lettered. */
    atMost: number;
  };
  /** What happens once the input is done, until the world is quiet (timers firing, the watchdog ticking). */
  afterwards?: (w: W, scenario: S) => Promise<void>;
  /** The end state, read without changing anything but draining what was published. */
  endState: (w: W, scenario: S) => Promise<EndState>;
  /** What the fault-free run must show before it can stand as the reference (it published events, left no outbox…). */
  reference: { promise: string; check: (reference: EndState, scenario: S) => void };
  /** A difference the suite knows to be unavoidable at a point, as the end it expects there instead. */
  expectedAt?: (reference: EndState, point: CrashPoint, calls: AwsCall[]) => EndState;
}

/** Runs the crash points left out by the skip rule too, to check that they end as the ones run. */
const EVERY_CALL = process.env.FAULTS_EVERY_CALL === '1';
/** Builds each run's world anew, to check that a restored snapshot starts a run as a fresh world does. */
const FRESH_WORLDS = process.env.FAULTS_FRESH_WORLDS === '1';
const POINT_TIMEOUT_MS = 900_000;

/** The call of the fault-free run as a fault aims at it: its command and which of them it was, so a reordering of concurrent calls still hits it. */
function aimAt(calls: AwsCall[], k: number): Fault['at'] {
  const call = calls[k] as AwsCall;
  return { command: call.command, occurrence: calls.slice(0, k + 1).filter((c) => c.command === call.command).length };
}

const pointName = (point: CrashPoint, calls: AwsCall[]) => `${point.mode} at call ${point.k} (${callName(calls[point.k] as AwsCall)})`;

const modeTitle = (mode: FaultMode) =>
  mode === 'fail'
    ? 'ends as without faults when any call fails'
    : mode === 'crash-after'
      ? 'ends as without faults when the invocation dies after any call that changes AWS'
      : 'ends as without faults when it dies after any call that changes AWS, then comes twice at once';

export function sweepFaults<W, S extends FaultScenario<W>>(suite: FaultSuite<W, S>): void {
  const tally: Tally = emptyTally(suite.file);

  /** Delivers the input until an invocation ends normally, as the retries of Lambda or Scheduler would. */
  async function redeliverUntilDone(w: W, scenario: S, ended: boolean): Promise<void> {
    let done = ended;
    const errors: unknown[] = [];
    for (let redelivery = 1; !done; redelivery++) {
      if (redelivery > suite.redelivery.atMost) {
        // What each redelivery died of: without it, a divergence here cannot be told from another.
        const said = errors.map((error, i) => `  ${i + 1}: ${String((error as Error)?.message ?? error).split('\n')[0]}`);
        throw new Error(`${suite.redelivery.atMost} redeliveries did not end normally:\n${said.join('\n')}`, { cause: errors.at(-1) });
      }
      suite.redelivery.wait?.(w);
      const { error } = await invoke(() => scenario.deliver(w));
      if (error) errors.push(error);
      done = !error;
    }
  }

  /** The scenario's world as its past left it: the snapshot restored (or, with FAULTS_FRESH_WORLDS, built again). */
  async function startOver(scenario: S, built: W): Promise<W> {
    if (FRESH_WORLDS) return scenario.world();
    await restoreSnapshot(suite.emulator(), scenario.name);
    return suite.fork(built, scenario);
  }

  async function runPoint(scenario: S, built: W, point: CrashPoint, calls: AwsCall[]): Promise<EndState> {
    const w = await startOver(scenario, built);
    const kind = point.mode === 'fail' ? 'fail' : 'crash-after';
    const faulted = await invoke(() => scenario.deliver(w), [{ kind, at: aimAt(calls, point.k) }]);
    if (faulted.hit.length === 0)
      throw new Error('the fault never hit: the run took another path than the fault-free one before this call');
    let ended = !faulted.error;
    if (point.mode === 'crash-after, then twice at once') {
      suite.redelivery.wait?.(w);
      const both = await Promise.all([invoke(() => scenario.deliver(w)), invoke(() => scenario.deliver(w))]);
      ended = both.every((delivery) => !delivery.error);
    }
    await redeliverUntilDone(w, scenario, ended);
    await suite.afterwards?.(w, scenario);
    return suite.endState(w, scenario);
  }

  /** Sweeps begun and not finished when the file ends (a timeout): they must show up as such. */
  const inProgress = new Set<string>();
  afterAll(() => {
    tally.unfinished.push(...inProgress);
    writeTally(inject('faultTallies'), tally);
  });

  for (const scenario of suite.scenarios) {
    describe(scenario.name, () => {
      let reference: EndState | undefined;
      let built: W;
      let start: EndState;
      let calls: AwsCall[] = [];
      let plan: CrashPlan = { points: [], skipped: [] };
      let counted = false;

      beforeAll(async () => {
        try {
          built = await scenario.world();
          if (!FRESH_WORLDS) await saveSnapshot(suite.emulator(), scenario.name);
          const w = await startOver(scenario, built);
          start = await suite.endState(w, scenario);
          const clean = await invoke(() => scenario.deliver(w));
          if (clean.error) throw new Error('the fault-free delivery did not end normally', { cause: clean.error });
          await suite.afterwards?.(w, scenario);
          const end = await suite.endState(w, scenario);
          const conflicting = conflictingEvents(end);
          if (conflicting.length > 0) throw new Error(`the fault-free run itself: ${conflicting.join('; ')}`);
          calls = clean.calls;
          plan = planCrashPoints(calls, { everyCall: EVERY_CALL });
          reference = end;
        } catch (error) {
          tally.unfinished.push(`${scenario.name} (its fault-free run failed)`);
          throw error;
        }
      }, 120_000);

      it(`the fault-free run ${suite.reference.promise}`, () => {
        expect(calls.length, 'the delivery makes no AWS call: nothing to sweep').toBeGreaterThan(0);
        suite.reference.check(reference as EndState, scenario);
      });

      for (const mode of FAULT_MODES) {
        it(
          modeTitle(mode),
          async () => {
            if (!reference) throw new Error('no fault-free run to compare with');
            const expected = reference;
            const sweep = `${scenario.name}, ${mode}`;
            inProgress.add(sweep);
            if (!counted) tally.scenarios += 1;
            counted = true;
            tally.skipped += plan.skipped.filter((point) => point.mode === mode).length;
            const failures: string[] = [];
            for (const point of plan.points.filter((p) => p.mode === mode)) {
              let differences: Difference[];
              try {
                const end = await runPoint(scenario, built, point, calls);
                differences = differencesFrom(suite.expectedAt?.(expected, point, calls) ?? expected, end, start);
              } catch (error) {
                differences = [{ kind: 'diverged', what: `did not end: ${(error as Error).message}` }];
              }
              tally.crashPoints += 1;
              for (const kind of ['lost', 'duplicated', 'diverged'] as const) {
                if (differences.some((d) => d.kind === kind)) tally[kind] += 1;
              }
              if (differences.length > 0) {
                failures.push(`${pointName(point, calls)}: ${differences.map((d) => `${d.kind}: ${d.what}`).join('; ')}`);
              }
            }
            inProgress.delete(sweep);
            expect(failures, `the fault-free end: ${JSON.stringify(expected)}`).toEqual([]);
          },
          POINT_TIMEOUT_MS,
        );
      }
    });
  }
}
