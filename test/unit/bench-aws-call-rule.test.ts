import { describe, expect, it } from 'vitest';
import { type ActionCalls, isWrite, ruleBreaches, tableWritesOf, writesOf } from '../../bench/aws-call-count.ts';

const action = (name: string, ...invocations: string[][]): ActionCalls => ({
  action: name,
  invocations: invocations.map((calls, index) => ({ label: `invocation ${index + 1}`, calls })),
});

describe("the AWS-call bench's rule: one more write per invocation than before issue 11, no more", () => {
  it('tells reads from writes by the command, an unknown command counting as a write', () => {
    expect(
      ['DynamoDBDocument Get', 'DynamoDBDocument Query', 'ECS DescribeServices', 'ECS ListTasks', 'Scheduler GetSchedule'].map(isWrite),
    ).toEqual([false, false, false, false, false]);
    expect(
      [
        'DynamoDBDocument Put',
        'DynamoDBDocument Update',
        'ECS RunTask',
        'EventBridge PutEvents',
        'Scheduler CreateSchedule',
        'X Frobnicate',
      ].map(isWrite),
    ).toEqual([true, true, true, true, true, true]);
    expect(writesOf(['DynamoDBDocument Get', 'DynamoDBDocument Put', 'SNS Publish'])).toBe(2);
    expect(tableWritesOf(['DynamoDBDocument Get', 'DynamoDBDocument Put', 'SNS Publish'])).toBe(1);
  });

  it('lets an invocation add the one write that marks its outbox done, and fewer writes or more reads', () => {
    const before = [action('stop', ['DynamoDBDocument Update', 'EventBridge PutEvents'])];
    const after = [
      action('stop', [
        'DynamoDBDocument Get',
        'DynamoDBDocument Get',
        'DynamoDBDocument Put',
        'EventBridge PutEvents',
        'DynamoDBDocument Put',
      ]),
    ];
    expect(ruleBreaches(before, after)).toEqual([]);
  });

  it('names the action and the invocation that makes two more writes', () => {
    const before = [action('stop', ['DynamoDBDocument Update', 'EventBridge PutEvents'])];
    const after = [action('stop', ['DynamoDBDocument Put', 'DynamoDBDocument Put', 'EventBridge PutEvents', 'DynamoDBDocument Put'])];
    expect(ruleBreaches(before, after)).toEqual([
      {
        action: 'stop',
        problem:
          'invocation 1: 4 writes, at most 3 allowed (2 before issue 11 + 1); writes now: DynamoDBDocument Put ×3, EventBridge PutEvents; before: DynamoDBDocument Update, EventBridge PutEvents',
      },
    ]);
  });

  it("checks each invocation on its own: one's saving does not cover another's excess", () => {
    const before = [action('episode', ['A Put', 'A Put', 'A Put'], ['A Put'])];
    const after = [action('episode', ['A Put'], ['A Put', 'A Put', 'A Put'])];
    const breaches = ruleBreaches(before, after);
    expect(breaches.map((b) => b.action)).toEqual(['episode']);
    expect(breaches[0]?.problem).toMatch(/^invocation 2: 3 writes, at most 2 allowed/);
  });

  it('fails an action that has no figures from before, or another number of invocations, or that is no longer measured', () => {
    expect(ruleBreaches([], [action('new', ['A Put'])])).toEqual([
      { action: 'new', problem: 'no figures from before issue 11 (bench/aws-calls-before.ts)' },
    ]);
    expect(ruleBreaches([action('x', ['A Put'])], [action('x', ['A Put'], ['A Put'])])).toEqual([
      { action: 'x', problem: '2 invocations now, 1 before; the figures cannot be compared' },
    ]);
    expect(ruleBreaches([action('gone', ['A Put'])], [])).toEqual([{ action: 'gone', problem: 'measured before issue 11 but not now' }]);
  });
});
