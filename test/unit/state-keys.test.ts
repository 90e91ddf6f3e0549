/**
 * The state table's keys, pinned: deployed tables hold items under exactly these strings, so a change
 * here strands them (a run, a lock or a deployment in flight would no longer be found).
 */
import { describe, expect, it } from 'vitest';
import { DEADLINE_INDEX, keys, STATE_TABLE_KEYS, WATCHED_RUNS_BUCKET } from '../../shared/state/keys.ts';
import { STATE_TABLE_DEFINITION, STATE_TABLE_TTL_ATTRIBUTE } from '../../shared/state/table-definition.ts';

describe('state table keys', () => {
  it.each([
    ['jobRun', keys.jobRun('nightly', '2026-11-22T02:00:00.000Z', 2), { pk: 'JOB#nightly', sk: 'RUN#2026-11-22T02:00:00.000Z#002' }],
    [
      'jobRun, attempt 12',
      keys.jobRun('nightly', '2026-11-22T02:00:00.000Z', 12),
      { pk: 'JOB#nightly', sk: 'RUN#2026-11-22T02:00:00.000Z#012' },
    ],
    ['jobRuns', keys.jobRuns('nightly'), { pk: 'JOB#nightly', skPrefix: 'RUN#' }],
    [
      'jobRunsSince',
      keys.jobRunsSince('nightly', '2026-11-22T00:00:00.000Z'),
      { pk: 'JOB#nightly', from: 'RUN#2026-11-22T00:00:00.000Z', to: 'RUN#~' },
    ],
    ['jobSuspension', keys.jobSuspension('nightly'), { pk: 'JOB#nightly', sk: 'SUSPENSION' }],
    ['manualRun', keys.manualRun('nightly', 'fix-1'), { pk: 'JOB#nightly', sk: 'MANUAL#fix-1' }],
    ['watchState', keys.watchState('ingest'), { pk: 'WATCH#ingest', sk: 'STATE' }],
    [
      'watchStop',
      keys.watchStop('ingest', 'arn:aws:ecs:eu-west-1:123456789012:task/batch/0123abcd'),
      { pk: 'WATCH#ingest', sk: 'STOP#arn:aws:ecs:eu-west-1:123456789012:task/batch/0123abcd' },
    ],
    ['watchStops', keys.watchStops('ingest'), { pk: 'WATCH#ingest', skPrefix: 'STOP#' }],
    ['scalingMemory', keys.scalingMemory('prod', 'web'), { pk: 'SERVICE#prod/web', sk: 'SCALING' }],
    ['blueGreenLock', keys.blueGreenLock('prod', 'web-blue'), { pk: 'SERVICE#prod/web-blue', sk: 'BLUE_GREEN' }],
    [
      'stopWindowMinute',
      keys.stopWindowMinute('prod', 'web', new Date('2026-03-01T10:15:42.250Z')),
      { pk: 'SERVICE#prod/web', sk: 'STOP-WINDOW#2026-03-01T10:15:00.000Z' },
    ],
    [
      'stopWindowsSince',
      keys.stopWindowsSince('prod', 'web', new Date('2026-03-01T10:05:59.999Z')),
      { pk: 'SERVICE#prod/web', from: 'STOP-WINDOW#2026-03-01T10:05:00.000Z', to: 'STOP-WINDOW#~' },
    ],
    [
      'serviceStop',
      keys.serviceStop('prod', 'web', 'arn:aws:ecs:eu-west-1:123456789012:task/prod/0123abcd'),
      { pk: 'SERVICE#prod/web', sk: 'STOP#arn:aws:ecs:eu-west-1:123456789012:task/prod/0123abcd' },
    ],
    ['serviceStops', keys.serviceStops('prod', 'web'), { pk: 'SERVICE#prod/web', skPrefix: 'STOP#' }],
    ['deployment', keys.deployment('shop'), { pk: 'APP#shop', sk: 'DEPLOYMENT' }],
    [
      'deploymentHistory',
      keys.deploymentHistory('shop', '2026-03-01T10:00:00.000Z', 'bg-7'),
      { pk: 'APP#shop', sk: 'DEPLOYMENT#2026-03-01T10:00:00.000Z#bg-7' },
    ],
    ['deploymentHistories', keys.deploymentHistories('shop'), { pk: 'APP#shop', skPrefix: 'DEPLOYMENT#' }],
    ['deploymentRejection', keys.deploymentRejection('shop', 'bg-8'), { pk: 'APP#shop', sk: 'REJECTED#bg-8' }],
    ['alertInbox', keys.alertInbox('service:prod/web'), { pk: 'ALERT#service:prod/web', sk: 'EVENTS' }],
    ['alertDecisions', keys.alertDecisions('service:prod/web'), { pk: 'ALERT#service:prod/web', sk: 'GROUP' }],
    ['silence', keys.silence('3f9a0c1e'), { pk: 'SILENCES', sk: 'SILENCE#3f9a0c1e' }],
    ['silences', keys.silences(), { pk: 'SILENCES', skPrefix: 'SILENCE#' }],
  ])('%s', (_name, key, expected) => {
    expect(key).toStrictEqual(expected);
  });

  it('the active deployment sorts apart from its history: a history query never returns it', () => {
    const { skPrefix } = keys.deploymentHistories('shop');
    expect(keys.deployment('shop').sk.startsWith(skPrefix)).toBe(false);
    expect(keys.deploymentHistory('shop', '2026-03-01T10:00:00.000Z', 'bg-7').sk.startsWith(skPrefix)).toBe(true);
  });

  it("a stop window's range covers every later minute and none of the service's other items", () => {
    const range = keys.stopWindowsSince('prod', 'web', new Date('2026-03-01T10:05:00.000Z'));
    const inRange = (sk: string) => sk >= range.from && sk <= range.to;
    expect(inRange(keys.stopWindowMinute('prod', 'web', new Date('2026-03-01T10:05:00.000Z')).sk)).toBe(true);
    expect(inRange(keys.stopWindowMinute('prod', 'web', new Date('2099-12-31T23:59:00.000Z')).sk)).toBe(true);
    expect(inRange(keys.stopWindowMinute('prod', 'web', new Date('2026-03-01T10:04:59.000Z')).sk)).toBe(false);
    for (const other of [keys.scalingMemory, keys.blueGreenLock]) expect(inRange(other('prod', 'web').sk)).toBe(false);
    expect(inRange(keys.serviceStop('prod', 'web', 'arn:aws:ecs:eu-west-1:1:task/prod/x').sk)).toBe(false);
  });

  it("the stop history's prefix holds the stops and none of the service's or watched task's other items", () => {
    const { skPrefix } = keys.serviceStops('prod', 'web');
    expect(keys.serviceStop('prod', 'web', 'arn:aws:ecs:eu-west-1:1:task/prod/x').sk.startsWith(skPrefix)).toBe(true);
    expect(keys.stopWindowMinute('prod', 'web', new Date('2026-03-01T10:05:00.000Z')).sk.startsWith(skPrefix)).toBe(false);
    for (const other of [keys.scalingMemory, keys.blueGreenLock]) expect(other('prod', 'web').sk.startsWith(skPrefix)).toBe(false);
    expect(keys.watchState('ingest').sk.startsWith(keys.watchStops('ingest').skPrefix)).toBe(false);
  });

  it('the table and its index are named as deployed', () => {
    expect(STATE_TABLE_KEYS).toStrictEqual({ partition: 'pk', sort: 'sk', ttl: 'expiresAt' });
    expect(STATE_TABLE_TTL_ATTRIBUTE).toBe('expiresAt');
    expect(DEADLINE_INDEX).toStrictEqual({ name: 'by-deadline', partition: 'deadlineBucket', sort: 'maxRuntimeDeadline' });
    expect(WATCHED_RUNS_BUCKET).toBe('MAX_RUNTIME');
    expect(STATE_TABLE_DEFINITION.KeySchema).toStrictEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
  });
});
