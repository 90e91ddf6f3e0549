import type { Task } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { decideOverdueRun, maxRuntimeStopReason } from '../../shared/jobs/decide.ts';
import { runRecord, taskArn } from './fixtures.ts';

const TWO_HOURS = 7_200;
const run = runRecord({ status: 'launched', taskArns: [taskArn('t1'), taskArn('t2')], maxRuntimeDeadline: '2026-11-22T04:00:00.000Z' });

function task(id: string, lastStatus: string, containers: Task['containers'] = [], stoppedReason?: string): Task {
  return { taskArn: taskArn(id), lastStatus, containers, stoppedReason };
}

describe('maxRuntimeStopReason', () => {
  it('names the limit the run exceeded, in the operator notation', () => {
    expect(maxRuntimeStopReason(TWO_HOURS)).toBe('ecs-autopilot: exceeded maxRuntime 2h');
    expect(maxRuntimeStopReason(5_400)).toBe('ecs-autopilot: exceeded maxRuntime 1h30m');
  });
});

describe('decideOverdueRun', () => {
  it('stops the tasks that are still running, and only those', () => {
    const tasks = [task('t1', 'RUNNING'), task('t2', 'STOPPED', [{ name: 'report', exitCode: 0 }]), task('t3', 'PROVISIONING')];

    expect(decideOverdueRun(run, tasks, TWO_HOURS)).toEqual({
      kind: 'stop',
      taskArns: [taskArn('t1'), taskArn('t3')],
      stopReason: 'ecs-autopilot: exceeded maxRuntime 2h',
    });
  });

  it('records success when every task stopped and every container exited 0', () => {
    const tasks = [
      task('t1', 'STOPPED', [
        { name: 'report', exitCode: 0 },
        { name: 'sidecar', exitCode: 0 },
      ]),
      task('t2', 'DELETED', [{ name: 'report', exitCode: 0 }]),
    ];

    expect(decideOverdueRun(run, tasks, TWO_HOURS)).toEqual({ kind: 'ended', status: 'succeeded', reason: undefined });
  });

  it('records failure with the container, its exit code and the stop reasons', () => {
    const tasks = [
      task('t1', 'STOPPED', [{ name: 'report', exitCode: 1, reason: 'OutOfMemoryError' }], 'Essential container in task exited'),
      task('t2', 'STOPPED', [{ name: 'report', exitCode: 0 }]),
    ];

    expect(decideOverdueRun(run, tasks, TWO_HOURS)).toEqual({
      kind: 'ended',
      status: 'failed',
      reason: 'report exited 1 (OutOfMemoryError); Essential container in task exited',
    });
  });

  it('records failure when a container never reported an exit code', () => {
    const tasks = [task('t1', 'STOPPED', [{ name: 'report' }], 'CannotPullContainerError: pull image manifest has been retried 5 time(s)')];

    expect(decideOverdueRun(run, tasks, TWO_HOURS)).toEqual({
      kind: 'ended',
      status: 'failed',
      reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
    });
  });

  it('falls back to a generic reason when a failed task says nothing', () => {
    const tasks = [task('t1', 'STOPPED', [{ name: 'report' }])];

    expect(decideOverdueRun(run, tasks, TWO_HOURS)).toEqual({
      kind: 'ended',
      status: 'failed',
      reason: 'stopped before nightly-report finished',
    });
  });

  it('forgets a run whose tasks ECS no longer knows', () => {
    expect(decideOverdueRun(run, [], TWO_HOURS)).toEqual({
      kind: 'forget',
      reason: 'the tasks are no longer known to ECS; their outcome was not observed',
    });
  });
});
