import { describe, expect, it } from 'vitest';
import { decideWatchedTaskStop, type WatchState } from '../../shared/stopped-tasks/decide-restart.ts';
import { type StopRecordAction, stopRecordOf } from '../../shared/stopped-tasks/stop-record.ts';
import type { StoppedTaskOverrides } from '../fixtures/task-events.ts';
import { summaryOf, watchedTaskSpec, watchedTaskStop, watchState } from './stop-fixtures.ts';

const NOW = new Date('2026-11-22T03:00:00.000Z');

describe('the stop history record', () => {
  it('keeps what a row shows: when, the task, the category with its sub-kind, exit codes, stop code, the action and why', () => {
    const stop = summaryOf(
      watchedTaskStop({
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
        containers: [{ name: 'sync', reason: 'CannotPullContainerError: ref not found' }],
        startedAt: undefined,
      }),
    );

    expect(stopRecordOf(stop, 'alert', 'counted: 1 of 3 stops within the window')).toEqual({
      taskArn: stop.taskArn,
      taskId: '9d2e7c41a0b34f5e8c6d1a2b3c4d5e6f',
      stoppedAt: '2026-11-22T03:00:00.000Z',
      category: 'failed-to-start',
      subKind: 'image-pull',
      because: stop.classification.because,
      stopCode: 'TaskFailedToStart',
      exitCodes: [],
      stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      action: 'alert',
      actionReason: 'counted: 1 of 3 stops within the window',
    });
  });

  it('lists only the containers that exited, and dates a stop without stoppedAt by when it was stopping', () => {
    const stop = summaryOf(
      watchedTaskStop({
        containers: [
          { name: 'sync', exitCode: 137 },
          { name: 'log-router', exitCode: undefined },
        ],
        stoppedAt: undefined,
      }),
    );

    const record = stopRecordOf(stop, 'counted', 'counted');

    expect(record.exitCodes).toEqual([{ container: 'sync', exitCode: 137 }]);
    expect(record.stoppedAt).toBe('2026-11-22T02:59:58.000Z');
  });

  it.each<[StopRecordAction, StoppedTaskOverrides, WatchState, RegExp]>([
    ['restart-later', {}, watchState(), /^restart in 10s: app-error/],
    ['no-restart', { containers: [{ name: 'sync', exitCode: 0 }] }, watchState(), /^no restart: it exited 0/],
    [
      'crash-loop-pause',
      {},
      watchState({ restarts: ['2026-11-22T02:50:00.000Z', '2026-11-22T02:52:00.000Z', '2026-11-22T02:54:00.000Z'] }),
      /^restarts paused: 3 restarts within/,
    ],
  ])('a watched task stop decided %s carries its record, with the summary as its reason', (action, overrides, state, reason) => {
    const spec = watchedTaskSpec({ restart: 'on-failure', crashLoopBudget: { restarts: 3, window: '15m' } });
    const decision = decideWatchedTaskStop(spec, summaryOf(watchedTaskStop(overrides)), state, NOW);

    expect(decision.record).toMatchObject({ action, category: expect.any(String), actionReason: decision.summary });
    expect(decision.summary).toMatch(reason);
  });
});
