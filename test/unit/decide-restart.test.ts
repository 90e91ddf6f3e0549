import { describe, expect, it } from 'vitest';
import type { WatchedTaskSpec } from '../../shared/config/schema.ts';
import { classifyStop } from '../../shared/stopped-tasks/classify.ts';
import {
  decideRestart,
  decideResume,
  freshWatchState,
  type RestartInput,
  restartDelaySeconds,
  type WatchState,
} from '../../shared/stopped-tasks/decide-restart.ts';
import type { TaskStopFacts } from '../../shared/stopped-tasks/stop-facts.ts';
import type { StoppedTaskOverrides } from '../fixtures/task-events.ts';
import { type WatchedTaskInput, watchedTaskSpec, watchedTaskStop, watchState } from './stop-fixtures.ts';

const NOW = new Date('2026-11-22T03:00:00.000Z');
const NOW_ISO = NOW.toISOString();
const TASK_DEFINITION_ARN = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/ledger-sync:3';

/** NOW minus `seconds`, as an ISO time in WatchState.restarts. */
function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString();
}

/** NOW plus `seconds`. */
function nowPlus(seconds: number): Date {
  return new Date(NOW.getTime() + seconds * 1000);
}

interface Case {
  spec?: Partial<WatchedTaskInput>;
  stop?: StoppedTaskOverrides;
  facts?: TaskStopFacts;
  state?: WatchState | undefined;
  replacementStarted?: boolean;
}

/** The watched task ledger-sync (default spec) stopped: by default "sync" exited 1 after one minute. */
function restartInput(c: Case = {}): RestartInput {
  const facts = c.facts ?? watchedTaskStop(c.stop);
  return {
    spec: watchedTaskSpec(c.spec),
    facts,
    classification: classifyStop(facts),
    state: 'state' in c ? c.state : watchState(),
    replacementStarted: c.replacementStarted ?? false,
    now: NOW,
  };
}

const STOPS = {
  appError: {},
  completed: { containers: [{ name: 'sync', exitCode: 0 }] },
  userStopped: { stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user', containers: [{ name: 'sync', exitCode: 143 }] },
  spotStopped: {
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    capacityProviderName: 'FARGATE_SPOT',
    containers: [{ name: 'sync', exitCode: 143 }],
  },
  spotNotice: {
    lastStatus: 'RUNNING',
    desiredStatus: 'STOPPED',
    stopCode: 'SpotInterruption',
    stoppedReason: 'Your Spot Task was interrupted.',
    capacityProviderName: 'FARGATE_SPOT',
    containers: [{ name: 'sync' }],
  },
  hostLost: {
    stopCode: undefined,
    stoppedReason: 'Host EC2 (instance i-0f1e2d3c4b5a69788) stopped.',
    launchType: 'EC2',
    containers: [{ name: 'sync', exitCode: 143 }],
  },
  outOfMemory: { containers: [{ name: 'sync', exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' }] },
} satisfies Record<string, StoppedTaskOverrides>;

/** Restarts that spend a budget of 5 within 15m. */
const SPENT_BUDGET = [ago(600), ago(480), ago(360), ago(240), ago(120)];

describe('decideRestart: no restart', () => {
  it.each(Object.entries(STOPS))('never restarts with restart: never (%s)', (_name, stop) => {
    expect(decideRestart(restartInput({ spec: { restart: 'never' }, stop }))).toEqual({ kind: 'no-restart', reason: 'restart is never' });
  });

  it('restarts nothing once paused, whatever stopped it', () => {
    const paused = { at: '2026-11-22T02:30:00.000Z', reason: '5 restarts within 15m', taskDefinitionArn: TASK_DEFINITION_ARN };

    for (const stop of Object.values(STOPS)) {
      expect(decideRestart(restartInput({ spec: { restart: 'always' }, stop, state: watchState({ paused }) }))).toEqual({
        kind: 'paused',
        reason:
          'restarts are paused since 2026-11-22T02:30:00.000Z (5 restarts within 15m); `ecs-autopilot resume ledger-sync` or a new revision of ledger-sync resumes them',
      });
    }
  });

  it('names only the resume command when the spec pins a revision (a new revision changes nothing then)', () => {
    const paused = { at: '2026-11-22T02:30:00.000Z', reason: '5 restarts within 15m', taskDefinitionArn: TASK_DEFINITION_ARN };

    const decision = decideRestart(
      restartInput({ spec: { taskDefinition: 'ledger-sync:3' }, stop: STOPS.appError, state: watchState({ paused }) }),
    );

    expect(decision).toEqual({
      kind: 'paused',
      reason: 'restarts are paused since 2026-11-22T02:30:00.000Z (5 restarts within 15m); `ecs-autopilot resume ledger-sync` resumes them',
    });
  });

  it('does not restart a task whose replacement was started at its Spot notice', () => {
    expect(decideRestart(restartInput({ stop: STOPS.spotStopped, replacementStarted: true }))).toEqual({
      kind: 'no-restart',
      reason: 'its replacement was started at the Spot interruption notice',
    });
  });

  it('does not restart a task that exited 0 with restart: on-failure', () => {
    expect(decideRestart(restartInput({ stop: STOPS.completed }))).toEqual({
      kind: 'no-restart',
      reason: 'it exited 0 and restart is on-failure',
    });
  });

  it('does not restart a task someone stopped with restart: on-failure', () => {
    expect(decideRestart(restartInput({ stop: STOPS.userStopped }))).toEqual({
      kind: 'no-restart',
      reason: 'someone stopped it on purpose and restart is on-failure (always would restart it)',
    });
  });

  it('defaults to on-failure', () => {
    expect(watchedTaskSpec().restart).toBe('on-failure');
    expect(decideRestart(restartInput({ spec: {}, stop: STOPS.completed })).kind).toBe('no-restart');
  });
});

describe('decideRestart: restart at once, not counted', () => {
  it.each(['on-failure', 'always'] as const)('restarts at the Spot notice, before the task is gone (restart: %s)', (restart) => {
    expect(decideRestart(restartInput({ spec: { restart }, stop: STOPS.spotNotice }))).toEqual({
      kind: 'restart-now',
      reason: 'Spot interruption notice: the replacement starts before the task is gone',
    });
  });

  it.each([
    ['spot-interruption', STOPS.spotStopped],
    ['host-lost', STOPS.hostLost],
  ])('restarts %s at once without back-off, even with the crash-loop budget spent', (category, stop) => {
    const state = watchState({ restarts: SPENT_BUDGET, consecutiveFailures: 4 });

    expect(decideRestart(restartInput({ stop, state }))).toEqual({
      kind: 'restart-now',
      reason: `${category}: not the application's fault, so no back-off`,
    });
  });
});

describe('decideRestart: restart after back-off', () => {
  it('restarts the first failure after the initial back-off and counts it', () => {
    expect(decideRestart(restartInput({ state: undefined }))).toEqual({
      kind: 'restart-later',
      reason: 'app-error: restart 1 of at most 5 within 15m, after 10s',
      delaySeconds: 10,
      at: nowPlus(10),
      state: { name: 'ledger-sync', restarts: [NOW_ISO], restartCategories: ['app-error'], consecutiveFailures: 1, version: 0 },
    });
  });

  it('keeps the rest of the state and appends to the restarts in the window', () => {
    const state = watchState({
      restarts: [ago(300), ago(60)],
      restartCategories: ['app-error', 'host-lost'],
      consecutiveFailures: 2,
      version: 7,
    });

    expect(decideRestart(restartInput({ stop: STOPS.outOfMemory, state }))).toEqual({
      kind: 'restart-later',
      reason: 'out-of-memory: restart 3 of at most 5 within 15m, after 40s',
      delaySeconds: 40,
      at: nowPlus(40),
      state: {
        name: 'ledger-sync',
        restarts: [ago(300), ago(60), NOW_ISO],
        restartCategories: ['app-error', 'host-lost', 'out-of-memory'],
        consecutiveFailures: 3,
        version: 7,
      },
    });
  });

  it('reads a restart recorded without its category (an older state) as unknown', () => {
    const state = watchState({ restarts: [ago(300)], consecutiveFailures: 1 });

    const decision = decideRestart(restartInput({ state }));

    expect(decision).toMatchObject({ state: { restarts: [ago(300), NOW_ISO], restartCategories: ['unknown', 'app-error'] } });
  });

  it.each([
    [0, 1, 10],
    [1, 2, 20],
    [2, 3, 40],
    [3, 4, 80],
    [4, 5, 160],
    [5, 6, 300],
    [9, 10, 300],
  ])('after %i failed runs in a row, the next waits initial·2^n capped at max (failure %i: %is)', (before, failures, delaySeconds) => {
    const spec = { crashLoopBudget: { restarts: 100, window: '1m' } };

    const decision = decideRestart(restartInput({ spec, state: watchState({ consecutiveFailures: before }) }));

    expect(decision).toMatchObject({
      kind: 'restart-later',
      delaySeconds,
      at: nowPlus(delaySeconds),
      state: { consecutiveFailures: failures },
    });
  });

  it('restarts a task that exited 0 or was stopped by someone with restart: always, with back-off', () => {
    expect(decideRestart(restartInput({ spec: { restart: 'always' }, stop: STOPS.completed }))).toMatchObject({
      kind: 'restart-later',
      reason: 'completed: restart 1 of at most 5 within 15m, after 10s',
    });
    expect(decideRestart(restartInput({ spec: { restart: 'always' }, stop: STOPS.userStopped }))).toMatchObject({
      kind: 'restart-later',
      reason: 'user-stopped: restart 1 of at most 5 within 15m, after 10s',
    });
  });

  it('writes the back-off in the configured units', () => {
    const spec = { backoff: { initial: '90s', max: '1h', resetAfter: '10m' } };

    expect(decideRestart(restartInput({ spec, state: watchState({ consecutiveFailures: 2 }) }))).toMatchObject({
      kind: 'restart-later',
      reason: 'app-error: restart 1 of at most 5 within 15m, after 6m',
      delaySeconds: 360,
    });
  });
});

describe('decideRestart: the back-off resets after a healthy run', () => {
  const SPEC = { backoff: { initial: '10s', max: '1h', resetAfter: '10m' } };
  const AFTER_FIVE_FAILURES = watchState({ consecutiveFailures: 5 });

  it.each([
    ['ran exactly resetAfter (startedAt → stoppedAt)', { startedAt: '2026-11-22T02:50:00.000Z' }, 1, 10],
    ['ran longer than resetAfter', { startedAt: '2026-11-22T01:00:00.000Z' }, 1, 10],
    ['ran 1ms short of resetAfter', { startedAt: '2026-11-22T02:50:00.001Z' }, 6, 320],
    ['never started', { startedAt: undefined }, 6, 320],
    [
      'ran resetAfter until stopping, when the event has no stoppedAt',
      { startedAt: '2026-11-22T02:49:58.000Z', stoppingAt: '2026-11-22T02:59:58.000Z', stoppedAt: undefined, time: '2026-11-22T02:59:00Z' },
      1,
      10,
    ],
    [
      'ran resetAfter until the event, when it has neither stoppedAt nor stoppingAt',
      { startedAt: '2026-11-22T02:49:00.000Z', stoppingAt: undefined, stoppedAt: undefined, time: '2026-11-22T02:59:00Z' },
      1,
      10,
    ],
  ] satisfies [string, StoppedTaskOverrides, number, number][])('%s: failure %i, %is', (_what, stop, failures, delaySeconds) => {
    const decision = decideRestart(restartInput({ spec: SPEC, stop, state: AFTER_FIVE_FAILURES }));

    expect(decision).toMatchObject({ kind: 'restart-later', delaySeconds, state: { consecutiveFailures: failures } });
  });

  it('still counts the restart after a healthy run against the crash-loop budget', () => {
    const state = watchState({ restarts: [ago(700)], consecutiveFailures: 5 });

    const decision = decideRestart(restartInput({ spec: SPEC, stop: { startedAt: '2026-11-22T02:00:00.000Z' }, state }));

    expect(decision).toMatchObject({ kind: 'restart-later', reason: 'app-error: restart 2 of at most 5 within 15m, after 10s' });
  });
});

describe('decideRestart: the crash-loop budget', () => {
  it('pauses at the budget: 5 restarts within the window, the 6th stop pauses', () => {
    const categories = ['app-error', 'out-of-memory', 'app-error', 'app-error', 'out-of-memory'] as const;
    const state = watchState({ restarts: SPENT_BUDGET, restartCategories: [...categories], consecutiveFailures: 5 });
    const reason = '5 restarts within 15m (crashLoopBudget 5); last stop: app-error';

    expect(decideRestart(restartInput({ state }))).toEqual({
      kind: 'pause',
      reason,
      restartsInWindow: 5,
      categories: { 'app-error': 4, 'out-of-memory': 2 },
      state: {
        name: 'ledger-sync',
        restarts: SPENT_BUDGET,
        restartCategories: [...categories],
        consecutiveFailures: 5,
        version: 3,
        paused: { at: NOW_ISO, reason, taskDefinitionArn: TASK_DEFINITION_ARN },
      },
    });
  });

  it('allows the last restart within the budget', () => {
    const state = watchState({ restarts: SPENT_BUDGET.slice(1), consecutiveFailures: 4 });

    expect(decideRestart(restartInput({ state }))).toMatchObject({
      kind: 'restart-later',
      reason: 'app-error: restart 5 of at most 5 within 15m, after 2m40s',
      delaySeconds: 160,
      state: { restarts: [...SPENT_BUDGET.slice(1), NOW_ISO] },
    });
  });

  it('prunes restarts older than the window (one at its very start included) and counts the rest', () => {
    const spec = { crashLoopBudget: { restarts: 3, window: '10m' } };
    const state = watchState({ restarts: [ago(3_600), ago(600), ago(300), ago(120)] });

    expect(decideRestart(restartInput({ spec, state }))).toMatchObject({
      kind: 'restart-later',
      reason: 'app-error: restart 3 of at most 3 within 10m, after 10s',
      state: { restarts: [ago(300), ago(120), NOW_ISO] },
    });
  });

  it('keeps only the restarts within the window in the paused state', () => {
    const spec = { crashLoopBudget: { restarts: 2, window: '10m' } };
    const state = watchState({ restarts: [ago(900), ago(599), ago(1)] });

    expect(decideRestart(restartInput({ spec, stop: STOPS.outOfMemory, state }))).toMatchObject({
      kind: 'pause',
      reason: '2 restarts within 10m (crashLoopBudget 2); last stop: out-of-memory',
      restartsInWindow: 2,
      state: { restarts: [ago(599), ago(1)], paused: { taskDefinitionArn: TASK_DEFINITION_ARN } },
    });
  });

  it('records the revision that crash-looped, not the one configured', () => {
    const state = watchState({ restarts: SPENT_BUDGET });

    const decision = decideRestart(restartInput({ stop: { taskDefinition: 'ledger-sync:12' }, state }));

    expect(decision).toMatchObject({
      kind: 'pause',
      state: { paused: { taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/ledger-sync:12' } },
    });
  });
});

describe('restartDelaySeconds', () => {
  const spec: Pick<WatchedTaskSpec, 'backoff'> = { backoff: { initialSeconds: 10, maxSeconds: 300, resetAfterSeconds: 600 } };

  it.each([
    [0, 10],
    [1, 10],
    [2, 20],
    [3, 40],
    [5, 160],
    [6, 300],
    [2_000, 300],
  ])('after %i consecutive failures waits %is', (failures, seconds) => {
    expect(restartDelaySeconds(spec, failures)).toBe(seconds);
  });
});

describe('decideResume', () => {
  const PAUSED = watchState({
    restarts: SPENT_BUDGET,
    consecutiveFailures: 6,
    version: 9,
    paused: { at: '2026-11-22T02:30:00.000Z', reason: '5 restarts within 15m', taskDefinitionArn: TASK_DEFINITION_ARN },
  });
  const RESUMED: WatchState = {
    name: 'ledger-sync',
    restarts: [],
    restartCategories: [],
    consecutiveFailures: 0,
    version: 9,
    paused: undefined,
  };

  it.each([
    ['no state', undefined],
    ['a fresh state', freshWatchState('ledger-sync')],
    ['a state with restarts but no pause', watchState({ restarts: [ago(60)], consecutiveFailures: 2 })],
  ])('stays with %s: restarts are not paused', (_what, state) => {
    expect(decideResume(state, { by: 'resume-command' })).toEqual({ kind: 'stay', reason: 'restarts are not paused' });
    expect(decideResume(state, { by: 'new-task-definition', latestTaskDefinitionArn: `${TASK_DEFINITION_ARN.slice(0, -1)}4` })).toEqual({
      kind: 'stay',
      reason: 'restarts are not paused',
    });
  });

  it('resumes on the resume command, clearing the restarts and the back-off', () => {
    expect(decideResume(PAUSED, { by: 'resume-command' })).toEqual({
      kind: 'resume',
      state: RESUMED,
      reason: 'resumed by `ecs-autopilot resume`',
    });
  });

  it.each([
    ['ledger-sync:4', 'new task definition revision ledger-sync:4'],
    ['ledger-sync:10', 'new task definition revision ledger-sync:10'],
  ])('resumes when the family has a higher revision (%s)', (latest, reason) => {
    const latestTaskDefinitionArn = `arn:aws:ecs:eu-west-1:111122223333:task-definition/${latest}`;

    expect(decideResume(PAUSED, { by: 'new-task-definition', latestTaskDefinitionArn })).toEqual({
      kind: 'resume',
      state: RESUMED,
      reason,
    });
  });

  it.each([
    ['the same revision', 'ledger-sync:3'],
    ['an older revision', 'ledger-sync:2'],
    ['another family', 'ledger-export:9'],
    ['a family the paused one only starts', 'ledger-sync-v2:9'],
  ])('stays for %s', (_what, latest) => {
    const latestTaskDefinitionArn = `arn:aws:ecs:eu-west-1:111122223333:task-definition/${latest}`;

    expect(decideResume(PAUSED, { by: 'new-task-definition', latestTaskDefinitionArn })).toEqual({
      kind: 'stay',
      reason: 'no revision newer than ledger-sync:3',
    });
  });

  it('stays when no latest revision is known (a pinned revision, or none ACTIVE)', () => {
    expect(decideResume(PAUSED, { by: 'new-task-definition', latestTaskDefinitionArn: undefined })).toEqual({
      kind: 'stay',
      reason: 'no revision newer than ledger-sync:3',
    });
  });
});
