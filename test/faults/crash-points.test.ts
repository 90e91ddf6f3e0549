/** Where a sweep puts its crashes: after every change, and after a read only when it stands for "nothing changed yet". */
import { describe, expect, it } from 'vitest';
import type { AwsCall } from '../helpers/faults.ts';
import { changesAws, planCrashPoints } from './crash-points.ts';

const call = (service: string, command: string): AwsCall => ({ service, command, input: {} });
const pointsOf = (calls: AwsCall[], options = {}) => {
  const plan = planCrashPoints(calls, options);
  const show = (points: typeof plan.points) => points.map(({ mode, k }) => `${mode} ${k}`);
  return { run: show(plan.points), skipped: show(plan.skipped) };
};

describe('the crash points of a fault-free run', () => {
  it('fails every call, and crashes after every call that changes AWS', () => {
    const calls = [
      call('DynamoDBDocument', 'Get'),
      call('DynamoDBDocument', 'Put'),
      call('ECS', 'DescribeServices'),
      call('ECS', 'UpdateService'),
    ];
    expect(pointsOf(calls)).toEqual({
      run: [
        'fail 0',
        'fail 1',
        'fail 2',
        'fail 3',
        // Dying after the first read stands for a redelivery that finds nothing done; after the later one,
        // AWS is as after the Put before it.
        'crash-after 0',
        'crash-after 1',
        'crash-after 3',
        'crash-after, then twice at once 0',
        'crash-after, then twice at once 1',
        'crash-after, then twice at once 3',
      ],
      skipped: ['crash-after 2', 'crash-after, then twice at once 2'],
    });
  });

  it('keeps one crash before the first change however many reads come first, and none when a change comes first', () => {
    const readsFirst = [call('ECS', 'DescribeTasks'), call('DynamoDBDocument', 'Query'), call('EventBridge', 'PutEvents')];
    expect(pointsOf(readsFirst).skipped).toEqual(['crash-after 1', 'crash-after, then twice at once 1']);
    const changeFirst = [call('DynamoDBDocument', 'Put'), call('DynamoDBDocument', 'Get')];
    expect(pointsOf(changeFirst).skipped).toEqual(['crash-after 1', 'crash-after, then twice at once 1']);
    const readsOnly = [call('DynamoDBDocument', 'Get'), call('DynamoDBDocument', 'Get')];
    expect(pointsOf(readsOnly).run).toContain('crash-after 0');
    expect(pointsOf(readsOnly).skipped).toEqual(['crash-after 1', 'crash-after, then twice at once 1']);
  });

  it('runs the skipped ones too when asked to check that they are equivalent', () => {
    const calls = [call('DynamoDBDocument', 'Put'), call('DynamoDBDocument', 'Get')];
    expect(pointsOf(calls, { everyCall: true })).toMatchObject({ skipped: [] });
    expect(pointsOf(calls, { everyCall: true }).run).toHaveLength(6);
  });

  it('takes a command for a read only by its exact name: anything else, even Get-like, counts as a change', () => {
    for (const read of ['Get', 'Query', 'DescribeTasks', 'DescribeListeners', 'GetSchedule', 'TestEventPattern']) {
      expect(changesAws(call('X', read)), read).toBe(false);
    }
    for (const write of [
      'Put',
      'Update',
      'TransactWrite',
      'RunTask',
      'PutEvents',
      'Publish',
      'GetQueueUrlAndPurge',
      'ReceiveMessage',
      'Describe',
    ]) {
      expect(changesAws(call('X', write)), write).toBe(true);
    }
  });
});
