/**
 * A run as the state table holds it, checked before the maxRuntime watchdog acts on it (issue 12, found
 * by the fuzz): what ecs-autopilot writes reads back whole; anything else is named in one line.
 */
import { describe, expect, it } from 'vitest';
import { readStoredRun } from '../../shared/state/stored-run.ts';

const item = {
  pk: 'JOB#report',
  sk: 'RUN#2026-11-22T01:00:00.000Z#001',
  kind: 'run',
  deadlineBucket: 'MAX_RUNTIME',
  expiresAt: 1_800_000_000,
  job: 'report',
  scheduledTime: '2026-11-22T01:00:00.000Z',
  attempt: 1,
  status: 'launched',
  cluster: 'batch',
  taskDefinition: 'report:2',
  taskArns: ['arn:aws:ecs:eu-west-1:123456789012:task/batch/0123456789abcdef0123456789abcdef'],
  receivedAt: '2026-11-22T01:00:01.000Z',
  updatedAt: '2026-11-22T01:00:02.000Z',
  maxRuntimeDeadline: '2026-11-22T03:00:02.000Z',
  launch: { count: 1, firstProviderIndex: 0, rounds: 0 },
  outbox: [{ kind: 'stop-task', taskArn: 'arn:aws:ecs:eu-west-1:123456789012:task/batch/0123', reason: 'maxRuntime' }],
  eventPublished: true,
  version: 3,
  someFieldOfALaterVersion: { kept: true },
};

describe('readStoredRun', () => {
  it('reads what ecs-autopilot writes, without the table’s own attributes, keeping fields it does not know', () => {
    const { pk: _pk, sk: _sk, kind: _kind, deadlineBucket: _bucket, expiresAt: _expires, ...run } = item;
    expect(readStoredRun(item)).toEqual({ run });
  });

  it('gives a run recorded before the outbox existed an empty one', () => {
    const { outbox: _outbox, ...older } = item;
    expect(readStoredRun(older)).toEqual({ run: expect.objectContaining({ outbox: [] }) });
  });

  it.each([
    ['without taskArns', { taskArns: undefined }, /^taskArns: /],
    ['an outbox that is no list', { outbox: null }, /^outbox: /],
    ['an action of no known kind', { outbox: [{ kind: 'format-disk' }] }, /^outbox\.0\.kind: /],
    ['a status of no version', { status: 'zombie' }, /^status: /],
    ['a version that is text', { version: '3' }, /^version: /],
  ])('names what is wrong with a run %s, in one line', (_, change, problem) => {
    const reading = readStoredRun({ ...item, ...change });
    expect(reading).toEqual({ problem: expect.stringMatching(problem) });
    expect('problem' in reading && reading.problem).not.toMatch(/\n/);
  });

  it('names a run nested deeper than JSON can be written again', () => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 20_000; level++) deep = { deep };
    expect(readStoredRun({ ...item, reason: 'x', someFieldOfALaterVersion: deep })).toEqual({
      problem: expect.stringMatching(/^it cannot be written as JSON \(Maximum call stack size exceeded\)$/),
    });
  });
});
