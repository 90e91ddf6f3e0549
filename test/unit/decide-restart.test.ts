import { describe, expect, it } from 'vitest';
import { classifyStop } from '../../shared/stopped-tasks/classify.ts';
import {
  decidePausedCheck,
  decideRestart,
  decideRestartLaunched,
  decideRestartTimer,
  decideResume,
  decideWatchedTaskStop,
  freshWatchState,
  type RestartInput,
  type WatchState,
} from '../../shared/stopped-tasks/decide-restart.ts';
import type { TaskStopFacts } from '../../shared/stopped-tasks/stop-facts.ts';
import { timerName } from '../../shared/timers/timers.ts';
import type { StoppedTaskOverrides } from '../fixtures/task-events.ts';
import { summaryOf, type WatchedTaskInput, watchedTaskSpec, watchedTaskStop, watchState } from './stop-fixtures.ts';

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
  restartedAtNotice?: 'now' | 'later';
}

/** The watched task ledger-sync (default spec) stopped: by default "sync" exited 1 after one minute. */
function restartInput(c: Case = {}): RestartInput {
  const facts = c.facts ?? watchedTaskStop(c.stop);
  return {
    spec: watchedTaskSpec(c.spec),
    facts,
    classification: classifyStop(facts),
    state: 'state' in c ? c.state : watchState(),
    restartedAtNotice: c.restartedAtNotice,
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

  it.each([
    ['now', 'its replacement was started at the Spot interruption notice'],
    ['later', 'its restart was decided at the Spot interruption notice'],
  ] as const)('does not restart a task its Spot notice restarted (%s)', (restartedAtNotice, reason) => {
    expect(decideRestart(restartInput({ stop: STOPS.spotStopped, restartedAtNotice }))).toEqual({ kind: 'no-restart', reason });
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

describe("decideRestart: stops that are not the application's fault (Spot, a lost host)", () => {
  it('restarts at a host termination notice too, and calls it one, not a Spot interruption', () => {
    const notice = {
      ...STOPS.spotNotice,
      stopCode: 'TerminationNotice',
      stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f60789) terminated.',
    };

    expect(decideRestart(restartInput({ stop: notice, state: undefined }))).toMatchObject({
      kind: 'restart-now',
      reason: 'termination notice: the replacement starts before the task is gone (restart 1 of at most 5 within 15m)',
      state: { restartCategories: ['host-lost'] },
    });
  });

  it.each(['on-failure', 'always'] as const)(
    'restarts at the Spot notice, before the task is gone, and counts it (restart: %s)',
    (restart) => {
      expect(decideRestart(restartInput({ spec: { restart }, stop: STOPS.spotNotice, state: undefined }))).toEqual({
        kind: 'restart-now',
        reason: 'Spot interruption notice: the replacement starts before the task is gone (restart 1 of at most 5 within 15m)',
        state: { name: 'ledger-sync', restarts: [NOW_ISO], restartCategories: ['spot-interruption'], consecutiveFailures: 1, version: 0 },
      });
    },
  );

  it.each([
    ['spot-interruption', STOPS.spotStopped],
    ['host-lost', STOPS.hostLost],
  ])('restarts %s at once after a healthy run, counted toward the budget', (category, stop) => {
    const healthy = { ...stop, startedAt: '2026-11-22T02:00:00.000Z' };
    const state = watchState({ restarts: [ago(300)], restartCategories: ['app-error'], consecutiveFailures: 3 });

    expect(decideRestart(restartInput({ stop: healthy, state }))).toEqual({
      kind: 'restart-now',
      reason: `${category}: not the application's fault, so at once (restart 2 of at most 5 within 15m)`,
      state: { ...state, restarts: [ago(300), NOW_ISO], restartCategories: ['app-error', category], consecutiveFailures: 1 },
    });
  });

  it.each([
    [0, 0],
    [1, 10],
    [2, 20],
    [3, 40],
    [4, 80],
  ])('backs off quick repeats one step sooner than a crash: after %i failed runs in a row, %is', (before, delaySeconds) => {
    const spec = { crashLoopBudget: { restarts: 100, window: '1m' } };

    const state = watchState({ restarts: before > 0 ? [ago(30)] : [], consecutiveFailures: before });

    const decision = decideRestart(restartInput({ spec, stop: STOPS.hostLost, state }));

    expect(decision).toMatchObject({
      kind: delaySeconds === 0 ? 'restart-now' : 'restart-later',
      state: { consecutiveFailures: before + 1 },
    });
    if (decision.kind === 'restart-later') expect(decision.delaySeconds).toBe(delaySeconds);
  });

  it.each([
    ['a Spot notice', STOPS.spotNotice, 'spot-interruption'],
    ['a Spot stop', STOPS.spotStopped, 'spot-interruption'],
    ['a lost host', STOPS.hostLost, 'host-lost'],
  ])('pauses with the budget spent, as for crashes (%s)', (_what, stop, category) => {
    const state = watchState({ restarts: SPENT_BUDGET, restartCategories: Array(5).fill('host-lost'), consecutiveFailures: 5 });

    expect(decideRestart(restartInput({ stop, state }))).toMatchObject({
      kind: 'pause',
      reason: `5 restarts within 15m (crashLoopBudget 5); last stop: ${category}`,
      restartsInWindow: 5,
      state: { paused: { at: NOW_ISO, cause: 'crash-loop' } },
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

    const state = watchState({ restarts: before > 0 ? [ago(30)] : [], consecutiveFailures: before });

    const decision = decideRestart(restartInput({ spec, state }));

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

    expect(decideRestart(restartInput({ spec, state: watchState({ restarts: [ago(60)], consecutiveFailures: 2 }) }))).toMatchObject({
      kind: 'restart-later',
      reason: 'app-error: restart 2 of at most 5 within 15m, after 6m',
      delaySeconds: 360,
    });
  });
});

describe('decideRestart: the back-off resets after a healthy run', () => {
  const SPEC = { backoff: { initial: '10s', max: '1h', resetAfter: '10m' } };
  const AFTER_FIVE_FAILURES = watchState({ restarts: [ago(60)], consecutiveFailures: 5 });

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

describe('decideRestart: the back-off starts over with no restart left in the window', () => {
  it.each([
    ['a crash', STOPS.appError, 'restart-later'],
    ['a lost host', STOPS.hostLost, 'restart-now'],
  ])('after %s long after the last restart', (_what, stop, kind) => {
    const state = watchState({ restarts: [ago(3_600)], consecutiveFailures: 5 });

    expect(decideRestart(restartInput({ stop, state }))).toMatchObject({ kind, state: { restarts: [NOW_ISO], consecutiveFailures: 1 } });
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
        paused: { at: NOW_ISO, reason, taskDefinitionArn: TASK_DEFINITION_ARN, cause: 'crash-loop' },
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

describe('decideWatchedTaskStop: the decision with what carries it out', () => {
  const spec = watchedTaskSpec();
  const stop = summaryOf(watchedTaskStop({ version: 7 }));
  const TASK_ARN = stop.taskArn;
  const stoppedId = `watched-task-stopped:${TASK_ARN}#7`;

  it('saves the counted restart and its timer and event, each keyed, and remembers the stop as decided', () => {
    const decision = decideWatchedTaskStop(spec, stop, undefined, NOW);

    expect(decision.summary).toBe('restart in 10s: app-error: restart 1 of at most 5 within 15m, after 10s');
    expect(decision.state).toMatchObject({
      restarts: [NOW_ISO],
      consecutiveFailures: 1,
      decidedStops: [{ taskArn: TASK_ARN, stage: 'stopped', version: 7, at: NOW_ISO, restart: 'later' }],
    });
    expect(decision.actions).toEqual([
      {
        kind: 'set-timer',
        timer: {
          name: timerName('restart', 'ledger-sync', TASK_ARN, 1),
          at: nowPlus(10).toISOString(),
          target: 'on-task-stopped',
          input: {
            timer: 'restart-watched-task',
            watchedTask: 'ledger-sync',
            replacing: TASK_ARN,
            try: 1,
            taskDefinitionArn: TASK_DEFINITION_ARN,
          },
        },
      },
      {
        kind: 'publish',
        event: {
          id: stoppedId,
          detailType: 'Watched Task Stopped',
          detail: {
            watchedTask: 'ledger-sync',
            stop,
            decision: { kind: 'restart', delaySeconds: 10, restartAt: nowPlus(10).toISOString() },
          },
          resources: [TASK_ARN],
          time: NOW_ISO,
        },
      },
    ]);
  });

  it('launches a restart at once before publishing the stop', () => {
    const lost = summaryOf(watchedTaskStop({ ...STOPS.hostLost, startedAt: '2026-11-22T02:00:00.000Z', version: 7 }));

    const decision = decideWatchedTaskStop(spec, lost, undefined, NOW);

    expect(decision.actions.map((action) => action.kind)).toEqual(['launch-restart', 'publish']);
    expect(decision.actions[0]).toEqual({
      kind: 'launch-restart',
      launch: { replacing: TASK_ARN, try: 1, taskDefinitionArn: TASK_DEFINITION_ARN },
    });
  });

  it('pauses with the check for a new revision, the stop and one Crash Loop Detected, each with its id', () => {
    const state = watchState({ restarts: SPENT_BUDGET, restartCategories: Array(5).fill('app-error'), consecutiveFailures: 5 });

    const decision = decideWatchedTaskStop(spec, stop, state, NOW);

    expect(decision.state?.paused).toMatchObject({ at: NOW_ISO, cause: 'crash-loop' });
    expect(decision.actions.map((action) => (action.kind === 'publish' ? action.event.id : action.kind))).toEqual([
      'set-timer',
      stoppedId,
      `crash-loop-detected:${TASK_ARN}#7`,
    ]);
    expect(decision.actions[2]).toMatchObject({
      event: {
        detail: {
          action: 'restarts-paused',
          stops: 6,
          resumeWith: 'npx ecs-autopilot resume ledger-sync',
          alert: { category: 'crash-loop', severity: 'critical', resolvedBy: 'resolving-event' },
        },
      },
    });
  });

  it('decides a stop once: delivered again, or its older notice after it, it changes nothing', () => {
    const decided = decideWatchedTaskStop(spec, stop, undefined, NOW).state;
    const notice = summaryOf(watchedTaskStop({ ...STOPS.spotNotice, version: 5 }));

    expect(decideWatchedTaskStop(spec, stop, decided, NOW)).toEqual({
      state: undefined,
      actions: [],
      summary: `nothing: its stopped (version 7) was decided at ${NOW_ISO}`,
    });
    expect(decideWatchedTaskStop(spec, notice, decided, NOW).state).toBeUndefined();
  });

  it('does not restart again at the stop after the Spot notice restarted it, and says so', () => {
    const notice = summaryOf(watchedTaskStop({ ...STOPS.spotNotice, version: 5 }));
    const afterNotice = decideWatchedTaskStop(spec, notice, undefined, NOW).state;
    const stopped = summaryOf(watchedTaskStop({ ...STOPS.spotStopped, version: 6 }));

    const decision = decideWatchedTaskStop(spec, stopped, afterNotice, new Date(NOW.getTime() + 120_000));

    expect(decision.summary).toBe('no restart: its replacement was started at the Spot interruption notice');
    expect(decision.state?.restarts).toEqual([NOW_ISO]);
    expect(decision.state?.decidedStops?.map((d) => d.stage)).toEqual(['notice', 'stopped']);
  });

  it('forgets the stops decided more than a day ago', () => {
    const old = { taskArn: 'arn:aws:ecs:eu-west-1:111122223333:task/batch/0ld', stage: 'stopped' as const, version: 3, at: ago(86_401) };

    const decision = decideWatchedTaskStop(spec, stop, watchState({ decidedStops: [old] }), NOW);

    expect(decision.state?.decidedStops?.map((d) => d.taskArn)).toEqual([TASK_ARN]);
  });
});

describe('decideRestartTimer', () => {
  const timer = { timer: 'restart-watched-task' as const, watchedTask: 'ledger-sync', replacing: 'arn:task/1', try: 2 };

  it('launches the restart, changing no state', () => {
    expect(decideRestartTimer(timer, watchState())).toEqual({
      state: undefined,
      actions: [{ kind: 'launch-restart', launch: { replacing: 'arn:task/1', try: 2 } }],
      summary: 'restart of arn:task/1, try 2',
    });
  });

  it('does nothing once restarts are paused', () => {
    const paused = watchState({ paused: { at: NOW_ISO, reason: 'crash loop', taskDefinitionArn: TASK_DEFINITION_ARN } });

    expect(decideRestartTimer(timer, paused)).toEqual({ state: undefined, actions: [], summary: 'nothing: restarts are paused' });
  });
});

describe('decideRestartLaunched', () => {
  const spec = watchedTaskSpec({ launchType: 'FARGATE' });
  const launch = { replacing: 'arn:aws:ecs:eu-west-1:111122223333:task/batch/1', try: 1, taskDefinitionArn: TASK_DEFINITION_ARN };

  it('announces a started restart with the id of its launch', () => {
    const decision = decideRestartLaunched(
      spec,
      launch,
      { kind: 'started', taskArn: 'arn:task/new' },
      watchState({ restarts: [ago(5)] }),
      NOW,
    );

    expect(decision.state).toBeUndefined();
    expect(decision.actions).toEqual([
      {
        kind: 'publish',
        event: {
          id: `watched-task-restarted:${launch.replacing}#1`,
          detailType: 'Watched Task Restarted',
          detail: {
            watchedTask: 'ledger-sync',
            cluster: 'batch',
            taskArns: ['arn:task/new'],
            taskDefinition: 'ledger-sync',
            replacing: launch.replacing,
            restartsInWindow: 1,
          },
          resources: ['arn:task/new'],
          time: NOW_ISO,
        },
      },
    ]);
  });

  it.each([
    [1, 10],
    [2, 20],
    [5, 160],
    [9, 300],
  ])('tries again after no capacity on try %i, %is later (the task back-off)', (tryNumber, waitSeconds) => {
    const decision = decideRestartLaunched(
      spec,
      { ...launch, try: tryNumber },
      { kind: 'no-capacity', reason: 'RESOURCE:FARGATE' },
      watchState(),
      NOW,
    );

    expect(decision.state).toBeUndefined();
    expect(decision.actions).toMatchObject([
      {
        kind: 'set-timer',
        timer: {
          name: timerName('restart', 'ledger-sync', launch.replacing, tryNumber + 1),
          at: nowPlus(waitSeconds).toISOString(),
          input: { replacing: launch.replacing, try: tryNumber + 1, taskDefinitionArn: TASK_DEFINITION_ARN },
        },
      },
    ]);
  });

  it('pauses with one critical alert after the last try found no capacity', () => {
    const decision = decideRestartLaunched(
      spec,
      { ...launch, try: 10 },
      { kind: 'no-capacity', reason: 'RESOURCE:FARGATE' },
      watchState(),
      NOW,
    );

    expect(decision.state?.paused).toEqual({
      at: NOW_ISO,
      reason: 'a restart could not launch: no capacity after 10 tries over FARGATE: RESOURCE:FARGATE',
      taskDefinitionArn: TASK_DEFINITION_ARN,
      cause: 'launch-failed',
    });
    expect(decision.actions[1]).toMatchObject({
      event: {
        id: `watched-task-restart-failed:${launch.replacing}#10`,
        detail: {
          tries: 10,
          nextStep: 'restarts resume with `npx ecs-autopilot resume ledger-sync` once FARGATE has room again',
          alert: { category: 'launch-failed', severity: 'critical', resolvedBy: 'resolving-event' },
        },
      },
    });
  });

  it.each([
    [
      'AccessDeniedException: User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ecs:RunTask',
      "on-task-stopped's role lacks a permission: check the cluster and taskDefinition of watchedTasks.ledger-sync in automation.yml and redeploy, then `npx ecs-autopilot resume ledger-sync`",
    ],
    [
      'AccessDeniedException: not authorized to perform: iam:PassRole',
      "list the task definition's roles as taskRole/executionRole of watchedTasks.ledger-sync in automation.yml and redeploy, then `npx ecs-autopilot resume ledger-sync`",
    ],
    [
      'ClientException: TaskDefinition is inactive',
      'check that ledger-sync exists and is ACTIVE in this region (a new revision resumes restarts by itself), or fix watchedTasks.ledger-sync in automation.yml, then `npx ecs-autopilot resume ledger-sync`',
    ],
    [
      'its timer could not be set: ValidationException: The execution role you provide must allow AWS EventBridge Scheduler to assume the role.',
      "check the stack's schedule group and the role EventBridge Scheduler invokes on-task-stopped with (redeploy to restore them), then `npx ecs-autopilot resume ledger-sync`",
    ],
    [
      'InvalidParameterException: subnet-0 does not exist',
      'check the network of watchedTasks.ledger-sync in automation.yml and redeploy, then `npx ecs-autopilot resume ledger-sync`',
    ],
  ])('pauses at once when RunTask refuses it (%s), saying what to do', (reason, nextStep) => {
    const decision = decideRestartLaunched(spec, launch, { kind: 'refused', reason }, watchState(), NOW);

    expect(decision.state?.paused).toMatchObject({ reason: `a restart could not launch: ${reason}`, cause: 'launch-failed' });
    expect(decision.actions.map((action) => action.kind)).toEqual(['set-timer', 'publish']);
    expect(decision.actions[1]).toMatchObject({ event: { detail: { reason, nextStep, tries: 1 } } });
  });

  it('leaves a pause that came meanwhile as it is', () => {
    const paused = watchState({ paused: { at: ago(10), reason: 'crash loop', taskDefinitionArn: TASK_DEFINITION_ARN } });

    expect(decideRestartLaunched(spec, launch, { kind: 'refused', reason: 'ClientException: x' }, paused, NOW)).toMatchObject({
      state: undefined,
      actions: [],
    });
  });
});

describe('decideResume', () => {
  const spec = watchedTaskSpec();
  const PAUSED = watchState({
    restarts: SPENT_BUDGET,
    consecutiveFailures: 6,
    version: 9,
    paused: { at: '2026-11-22T02:30:00.000Z', reason: '5 restarts within 15m', taskDefinitionArn: TASK_DEFINITION_ARN },
  });

  it.each([
    ['no state', undefined],
    ['a fresh state', freshWatchState('ledger-sync')],
    ['a state with restarts but no pause', watchState({ restarts: [ago(60)], consecutiveFailures: 2 })],
  ])('stays with %s: restarts are not paused', (_what, state) => {
    expect(decideResume(spec, state, { by: 'resume-command' }, NOW)).toEqual({
      state: undefined,
      actions: [],
      summary: 'stay: restarts are not paused',
    });
  });

  it('resumes on the resume command: clears the restarts and the back-off, starts one task, resolves the alert', () => {
    const decision = decideResume(spec, PAUSED, { by: 'resume-command' }, NOW);

    expect(decision.summary).toBe('resumed: resumed by `ecs-autopilot resume`');
    expect(decision.state).toEqual({ ...PAUSED, paused: undefined, restarts: [], restartCategories: [], consecutiveFailures: 0 });
    expect(decision.actions).toEqual([
      { kind: 'launch-restart', launch: { replacing: 'resume-9', try: 1, taskDefinitionArn: TASK_DEFINITION_ARN } },
      {
        kind: 'publish',
        event: {
          id: 'watched-task-restarts-resumed:ledger-sync#9',
          detailType: 'Watched Task Restarts Resumed',
          detail: {
            watchedTask: 'ledger-sync',
            cluster: 'batch',
            by: 'resume-command',
            taskDefinition: 'ledger-sync',
            reason: 'resumed by `ecs-autopilot resume`',
            alert: {
              cluster: 'batch',
              subject: { kind: 'watched-task', name: 'ledger-sync' },
              category: 'crash-loop',
              severity: 'warning',
              resolves: true,
            },
          },
          resources: [],
          time: NOW_ISO,
        },
      },
    ]);
  });

  it('resolves the alert of the pause a failed launch opened', () => {
    const paused = watchState({
      paused: { at: ago(60), reason: 'a restart could not launch', taskDefinitionArn: TASK_DEFINITION_ARN, cause: 'launch-failed' },
    });

    const decision = decideResume(spec, paused, { by: 'resume-command' }, NOW);

    expect(decision.actions[1]).toMatchObject({ event: { detail: { alert: { category: 'launch-failed', resolves: true } } } });
  });

  it.each([
    ['ledger-sync:4', 'resumed: new task definition revision ledger-sync:4'],
    ['ledger-sync:10', 'resumed: new task definition revision ledger-sync:10'],
  ])('resumes when the family has a higher revision (%s)', (latest, summary) => {
    const latestTaskDefinitionArn = `arn:aws:ecs:eu-west-1:111122223333:task-definition/${latest}`;

    expect(decideResume(spec, PAUSED, { by: 'new-task-definition', latestTaskDefinitionArn }, NOW)).toMatchObject({ summary });
  });

  it.each([
    ['the same revision', 'ledger-sync:3'],
    ['an older revision', 'ledger-sync:2'],
    ['another family', 'ledger-export:9'],
    ['a family the paused one only starts', 'ledger-sync-v2:9'],
    ['no latest revision known (a pinned revision, or none ACTIVE)', undefined],
  ])('stays for %s', (_what, latest) => {
    const latestTaskDefinitionArn = latest && `arn:aws:ecs:eu-west-1:111122223333:task-definition/${latest}`;

    expect(decideResume(spec, PAUSED, { by: 'new-task-definition', latestTaskDefinitionArn }, NOW)).toEqual({
      state: undefined,
      actions: [],
      summary: 'stay: no revision newer than ledger-sync:3',
    });
  });
});

describe('decidePausedCheck', () => {
  const spec = watchedTaskSpec();
  const PAUSED = watchState({ paused: { at: ago(600), reason: 'crash loop', taskDefinitionArn: TASK_DEFINITION_ARN } });

  it('checks again in 5 minutes while no newer revision exists', () => {
    const decision = decidePausedCheck(spec, PAUSED, TASK_DEFINITION_ARN, NOW);

    expect(decision.state).toBeUndefined();
    expect(decision.actions).toEqual([
      {
        kind: 'set-timer',
        timer: {
          name: timerName('paused-check', 'ledger-sync', nowPlus(300).toISOString()),
          at: nowPlus(300).toISOString(),
          target: 'on-task-stopped',
          input: { timer: 'check-paused-watched-task', watchedTask: 'ledger-sync' },
        },
      },
    ]);
  });

  it('resumes on a newer revision, and stops checking once not paused', () => {
    expect(decidePausedCheck(spec, PAUSED, `${TASK_DEFINITION_ARN.slice(0, -1)}4`, NOW).summary).toBe(
      'resumed: new task definition revision ledger-sync:4',
    );
    expect(decidePausedCheck(spec, watchState(), undefined, NOW)).toEqual({
      state: undefined,
      actions: [],
      summary: 'nothing: restarts are not paused',
    });
  });
});
