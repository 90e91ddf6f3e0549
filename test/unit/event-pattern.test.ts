/**
 * The EventBridge pattern matcher the sandbox routes by: each feature the project's rules use, matching and
 * not, and a clear refusal of the features they do not. test/integration/event-pattern-moto.test.ts checks
 * it against moto's matching on the real rules.
 */
import { describe, expect, it } from 'vitest';
import { EventPatternError, eventPatternMatcher, matchesEventPattern } from '../../shared/events/event-pattern.ts';
import { taskEvent } from '../fixtures/task-events.ts';

const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Job Run Failed',
  source: 'ecs-autopilot',
  account: '111122223333',
  time: '2026-03-02T02:10:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:ecs:eu-west-1:111122223333:task/batch/1', 'arn:aws:ecs:eu-west-1:111122223333:task/batch/2'],
  detail: {
    job: 'nightly-report',
    attempt: 2,
    final: false,
    reason: null,
    empty: '',
    taskArns: [],
    alert: { cluster: 'batch', subject: { kind: 'job', name: 'nightly-report' } },
  },
};

describe('matchesEventPattern', () => {
  it.each([
    ['an exact value', { source: ['ecs-autopilot'] }, true],
    ['another value', { source: ['aws.ecs'] }, false],
    ['a list of alternatives, one of them the value', { 'detail-type': ['Job Run Timed Out', 'Job Run Failed'] }, true],
    ['a list of alternatives, none the value', { 'detail-type': ['Job Run Timed Out', 'Job Run Replaced'] }, false],
    ['every field of the pattern', { source: ['ecs-autopilot'], 'detail-type': ['Job Run Failed'] }, true],
    ['not only some fields', { source: ['ecs-autopilot'], 'detail-type': ['Job Run Launched'] }, false],
    ['an element of an array in the event', { resources: ['arn:aws:ecs:eu-west-1:111122223333:task/batch/2'] }, true],
    ['no element of an array in the event', { resources: ['arn:aws:ecs:eu-west-1:111122223333:task/batch/3'] }, false],
    ['a nested field', { detail: { job: ['nightly-report'] } }, true],
    ['a field nested deeper', { detail: { alert: { subject: { kind: ['job'] } } } }, true],
    ['a nested field with another value', { detail: { alert: { subject: { kind: ['service'] } } } }, false],
    ['a number', { detail: { attempt: [2] } }, true],
    ['a number as text', { detail: { attempt: ['2'] } }, false],
    ['a boolean', { detail: { final: [false] } }, true],
    ['null', { detail: { reason: [null] } }, true],
    ['null against an empty string', { detail: { empty: [null] } }, false],
    ['an empty string', { detail: { empty: [''] } }, true],
    ['a field the event does not have', { detail: { missing: ['x'] } }, false],
    ['a nested pattern under a field the event does not have', { detail: { missing: { deeper: ['x'] } } }, false],
    ['a nested pattern under a value that is no object', { detail: { job: { name: ['nightly-report'] } } }, false],
    ['a value against an object', { detail: { alert: ['batch'] } }, false],
  ])('%s: %s', (_, pattern, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  describe('exists', () => {
    it.each([
      ['a leaf that is there', { detail: { alert: { cluster: [{ exists: true }] } } }, true],
      ['a leaf that is not', { detail: { alert: { region: [{ exists: true }] } } }, false],
      ['a leaf that is not, asked to be absent', { detail: { alert: { region: [{ exists: false }] } } }, true],
      ['a leaf that is there, asked to be absent', { detail: { alert: { cluster: [{ exists: false }] } } }, false],
      ['an object, which is no leaf', { detail: { alert: [{ exists: true }] } }, false],
      ['a null value, which is a value', { detail: { reason: [{ exists: true }] } }, true],
      ['an empty array, which holds no value', { detail: { taskArns: [{ exists: true }] } }, false],
      ['an array with values', { resources: [{ exists: true }] }, true],
      ['under a parent the event does not have, asked to be absent', { detail: { missing: { deeper: [{ exists: false }] } } }, true],
    ])('%s: %s', (_, pattern, expected) => {
      expect(matchesEventPattern(pattern, event)).toBe(expected);
    });
  });

  describe('$or', () => {
    const pattern = {
      source: ['ecs-autopilot'],
      detail: { $or: [{ job: ['daily-sync'] }, { attempt: [2], final: [false] }] },
    };

    it('matches when any alternative does', () => {
      expect(matchesEventPattern(pattern, event)).toBe(true);
    });

    it('does not match when none does', () => {
      expect(matchesEventPattern(pattern, { ...event, detail: { ...event.detail, attempt: 3 } })).toBe(false);
    });

    it('still needs the fields beside it', () => {
      expect(matchesEventPattern(pattern, { ...event, source: 'my.pipeline' })).toBe(false);
    });
  });

  it('reads a real task event: a stopped task of its cluster', () => {
    const stopped = taskEvent('batch-job-failed');
    const pattern = {
      source: ['aws.ecs'],
      'detail-type': ['ECS Task State Change'],
      detail: { clusterArn: [stopped.detail.clusterArn], lastStatus: ['STOPPED'] },
    };

    expect(matchesEventPattern(pattern, stopped)).toBe(true);
    expect(matchesEventPattern(pattern, taskEvent('batch-job-failed-deprovisioning'))).toBe(false);
  });
});

describe('anything-but', () => {
  const onBus = (detailType: string | undefined, job?: unknown) => ({
    source: 'ecs-autopilot',
    'detail-type': detailType,
    detail: { job },
  });

  it('matches a value that is none of those listed, one or several', () => {
    const notRequests = eventPatternMatcher({
      'detail-type': [{ 'anything-but': ['Deployment Requested', 'Deployment Abort Requested'] }],
    });
    const notOne = eventPatternMatcher({ 'detail-type': [{ 'anything-but': 'Deployment Requested' }] });

    expect(notRequests(onBus('Job Run Failed'))).toBe(true);
    expect(notRequests(onBus('Deployment Requested'))).toBe(false);
    expect(notRequests(onBus('Deployment Abort Requested'))).toBe(false);
    expect(notOne(onBus('Deployment Abort Requested'))).toBe(true);
    expect(notOne(onBus('Deployment Requested'))).toBe(false);
  });

  it('does not match an absent field, and compares values exactly (a number is not its string)', () => {
    const notX = eventPatternMatcher({ detail: { job: [{ 'anything-but': ['x', 1] }] } });

    expect(notX(onBus('Job Run Failed'))).toBe(false);
    expect(notX(onBus('Job Run Failed', 'y'))).toBe(true);
    expect(notX(onBus('Job Run Failed', '1'))).toBe(true);
    expect(notX(onBus('Job Run Failed', 1))).toBe(false);
  });
});

describe('what the matcher refuses', () => {
  it.each([
    ['prefix', { source: [{ prefix: 'ecs-' }] }, /\{"prefix":"ecs-"\} is not a matcher the sandbox knows/],
    [
      'anything-but with a prefix',
      { detail: { job: [{ 'anything-but': { prefix: 'x' } }] } },
      /"anything-but" takes a value or a list of values/,
    ],
    ['anything-but of nothing', { detail: { job: [{ 'anything-but': [] }] } }, /"anything-but" takes a value or a list of values/],
    ['numeric', { detail: { attempt: [{ numeric: ['>', 1] }] } }, /"numeric"/],
    ['exists with something else', { source: [{ exists: true, prefix: 'a' }] }, /is not a matcher the sandbox knows/],
    ['exists that is no boolean', { source: [{ exists: 'yes' }] }, /"exists" takes true or false/],
    ['an empty list', { source: [] }, /pattern field source is an empty list/],
    ['a bare value', { source: 'ecs-autopilot' }, /pattern field source: "ecs-autopilot" is neither a list of values nor a nested pattern/],
    ['a list in a list', { source: [['a']] }, /is not a value a pattern can list/],
    ['an $or of one pattern', { detail: { $or: [{ job: ['a'] }] } }, /pattern field detail\.\$or takes a list of at least two patterns/],
    ['an empty nested pattern', { detail: {} }, /pattern field detail is empty/],
  ])('%s', (_, pattern, message) => {
    expect(() => eventPatternMatcher(pattern)).toThrow(EventPatternError);
    expect(() => eventPatternMatcher(pattern)).toThrow(message);
  });

  it('refuses when the pattern is compiled, whatever the event', () => {
    // The unknown matcher sits behind a field that fails first: it is refused all the same.
    expect(() => matchesEventPattern({ source: ['aws.ecs'], detail: { job: [{ prefix: 'n' }] } }, event)).toThrow(EventPatternError);
  });

  it('does not look into an array of objects in the event', () => {
    const matches = eventPatternMatcher({ detail: { containers: { name: ['app'] } } });

    expect(() => matches(taskEvent('batch-job-failed'))).toThrow(/the event's detail\.containers is an array of objects/);
  });
});
