/**
 * on-task-stopped's trigger contract: the one definition of "a stop or a reclaim notice", which the rule's
 * event pattern, the handler's guard and the sandbox all use, must agree with itself, and the timers parse.
 */
import { describe, expect, it } from 'vitest';
import { BadEventError } from '../../shared/errors.ts';
import { matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { parseTaskStateChange } from '../../shared/stopped-tasks/task-event.ts';
import { classifyInput, isReclaimNotice, isStoppedOrReclaimNotice, taskEventPattern } from '../../shared/stopped-tasks/trigger.ts';
import { stoppedTaskEvent, taskEvent } from '../fixtures/task-events.ts';

const STATES = [
  { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' },
  { lastStatus: 'STOPPED', desiredStatus: 'STOPPED' },
  { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption' },
  { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'TerminationNotice' },
  { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated' },
  { lastStatus: 'RUNNING', desiredStatus: 'RUNNING' },
  { lastStatus: 'DEPROVISIONING', desiredStatus: 'STOPPED', stopCode: 'EssentialContainerExited' },
  { lastStatus: 'PENDING', desiredStatus: 'RUNNING' },
  { lastStatus: 'STOPPING', desiredStatus: 'STOPPED', stopCode: 'SpotInterruption' },
  // Reported by users: a Spot notice with the reason only. Rejected by both; the STOPPED event that follows is taken.
  { lastStatus: 'RUNNING', desiredStatus: 'STOPPED', stoppedReason: 'Your Spot Task was interrupted.' },
  { lastStatus: 'STOPPED', desiredStatus: 'STOPPED', stoppedReason: 'Your Spot Task was interrupted.' },
];

describe('isStoppedOrReclaimNotice', () => {
  it.each([
    ['batch-job-completed', true],
    ['spot-interruption-notice', true],
    ['spot-interruption-stopped', true],
    ['batch-job-failed-deprovisioning', false],
  ])('%s: %s', (fixture, expected) => {
    expect(isStoppedOrReclaimNotice(parseTaskStateChange(taskEvent(fixture)))).toBe(expected);
  });

  it('is false for a task that is only running', () => {
    const running = stoppedTaskEvent({
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      stopCode: undefined,
      containers: [{ name: 'report' }],
    });

    expect(isStoppedOrReclaimNotice(parseTaskStateChange(running))).toBe(false);
  });

  it.each(STATES)('agrees with the rule EventBridge matches: %o', (state) => {
    const clusterArn = 'arn:aws:ecs:eu-west-1:111122223333:cluster/web';
    const event = { source: 'aws.ecs', 'detail-type': 'ECS Task State Change', detail: { clusterArn, ...state } };

    expect(matchesEventPattern(taskEventPattern([clusterArn]), event)).toBe(isStoppedOrReclaimNotice(state));
  });

  it.each([
    ['a Spot notice with its stop code', { lastStatus: 'RUNNING', stopCode: 'SpotInterruption' }],
    [
      'a host termination notice',
      { lastStatus: 'RUNNING', stopCode: 'TerminationNotice', stoppedReason: 'Host EC2 (instance i-0a1b2c3d4e5f60789) terminated.' },
    ],
    ['a Spot notice without a stop code', { lastStatus: 'RUNNING', stopCode: undefined }],
    ['the stop that follows it', { lastStatus: 'STOPPED', stopCode: undefined }],
  ])('takes or leaves %s, whole, as the rule does', (_, overrides) => {
    const event = stoppedTaskEvent({
      desiredStatus: 'STOPPED',
      stoppedReason: 'Your Spot Task was interrupted.',
      capacityProviderName: 'FARGATE_SPOT',
      containers: [{ name: 'report' }],
      ...overrides,
    });

    expect(isStoppedOrReclaimNotice(parseTaskStateChange(event))).toBe(
      matchesEventPattern(taskEventPattern([event.detail.clusterArn]), event),
    );
  });

  it('calls only the running task with a reclaim stop code a notice', () => {
    expect(STATES.filter(isReclaimNotice)).toEqual([STATES[2], STATES[3]]);
  });
});

describe('taskEventPattern', () => {
  it('takes the stopped tasks and reclaim notices of the clusters given', () => {
    expect(taskEventPattern(['arn:one', { 'Fn::Sub': 'arn:two' }])).toEqual({
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: {
        clusterArn: ['arn:one', { 'Fn::Sub': 'arn:two' }],
        $or: [
          { lastStatus: ['STOPPED'] },
          { lastStatus: ['RUNNING'], desiredStatus: ['STOPPED'], stopCode: ['SpotInterruption', 'TerminationNotice'] },
        ],
      },
    });
  });
});

describe('classifyInput', () => {
  it('reads a restart timer, the try 1 unless told', () => {
    expect(classifyInput({ timer: 'restart-watched-task', watchedTask: 'worker', replacing: 'arn:task/1' })).toEqual({
      kind: 'timer',
      timer: { timer: 'restart-watched-task', watchedTask: 'worker', replacing: 'arn:task/1', try: 1 },
    });
  });

  it('reads the check of a paused task', () => {
    expect(classifyInput({ timer: 'check-paused-watched-task', watchedTask: 'worker' })).toMatchObject({ kind: 'timer' });
  });

  it('leaves anything without a timer field to the task event parser', () => {
    const event = taskEvent('batch-job-completed');

    expect(classifyInput(event)).toEqual({ kind: 'task-event', event });
  });

  it('names what is wrong with a malformed timer', () => {
    expect(() => classifyInput({ timer: 'restart-watched-task', watchedTask: '', try: 0 })).toThrow(BadEventError);
    expect(() => classifyInput({ timer: 'restart-watched-task', watchedTask: '', try: 0 })).toThrow(
      /^not an on-task-stopped timer \(watchedTask: .*; replacing: .*; try: .*\)/,
    );
  });
});
