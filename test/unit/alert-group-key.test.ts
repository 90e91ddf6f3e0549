import { describe, expect, it } from 'vitest';
import { type AlertBlock, alertGroupKey, CLOSED_BY_OWN_EVENTS, groupLabelsOf, keepsOpenSubjects } from '../../shared/events/alert.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import { runRecord } from './fixtures.ts';

const stopOf = (name: string, overrides: Partial<AlertBlock> = {}): AlertBlock => ({
  cluster: 'prod',
  subject: { kind: 'service', name },
  category: 'failed-to-start',
  severity: 'critical',
  ...overrides,
});

const failingJob = (job: string) =>
  runOutcomeEvent(runRecord({ job, status: 'failed', retry: { willRetry: false, because: 'no retries left' } }), new Date()).detail
    .alert as AlertBlock;
const succeededJob = (job: string) => runOutcomeEvent(runRecord({ job, status: 'succeeded' }), new Date()).detail.alert as AlertBlock;

describe('alertGroupKey', () => {
  it('keeps the key deployed groups have when groupBy is the default, in any order', () => {
    expect(alertGroupKey(stopOf('web'))).toBe('prod|service:web|failed-to-start');
    expect(alertGroupKey(stopOf('web'), ['category', 'cluster', 'subject'])).toBe('prod|service:web|failed-to-start');
  });

  it('names the labels of another grouping, in one order whatever the order written', () => {
    expect(alertGroupKey(stopOf('web'), ['category', 'cluster'])).toBe('cluster=prod|category=failed-to-start');
    expect(alertGroupKey(stopOf('web'), ['cluster', 'subject', 'category', 'severity'])).toBe(
      'cluster=prod|subject=service:web|category=failed-to-start|severity=critical',
    );
  });

  it('puts the alerts of several subjects in one group when groupBy leaves the subject out', () => {
    const keys = ['web', 'api', 'worker'].map((name) => alertGroupKey(stopOf(name), ['cluster', 'category']));
    expect(new Set(keys).size).toBe(1);
    expect(alertGroupKey(stopOf('web', { cluster: 'staging' }), ['cluster', 'category'])).not.toBe(keys[0]);
  });

  it('groups alerts closed by their own event by groupBy too when it leaves the subject out, and their resolving events with them', () => {
    for (const groupBy of [['cluster', 'category'], ['cluster'], ['category', 'severity']] as const) {
      const failing = ['nightly-report', 'ledger-cleanup'].map((job) => alertGroupKey(failingJob(job), groupBy));
      expect(new Set(failing).size).toBe(1);
      expect(keepsOpenSubjects(failing[0] ?? '')).toBe(true);
      expect(alertGroupKey(succeededJob('nightly-report'), groupBy)).toBe(failing[0]);
    }
    expect(alertGroupKey(failingJob('nightly-report'), ['cluster', 'category'])).toBe(
      `cluster=batch|category=job-failing|${CLOSED_BY_OWN_EVENTS}`,
    );
  });

  it('leaves severity out of the key of alerts closed by their own event: the resolving event has a severity of its own', () => {
    // A service's steady state (severity warning) finds the group of its problem (severity critical).
    const problem = stopOf('web', { category: 'placement-failure', resolvedBy: 'resolving-event' });
    const recovered = stopOf('web', { category: 'placement-failure', severity: 'warning', resolvedBy: 'resolving-event', resolves: true });
    expect(alertGroupKey(recovered, ['cluster', 'category', 'severity'])).toBe(alertGroupKey(problem, ['cluster', 'category', 'severity']));
    expect(alertGroupKey(problem, ['cluster', 'category', 'severity'])).toBe(
      `cluster=prod|category=placement-failure|${CLOSED_BY_OWN_EVENTS}`,
    );
  });

  it('never puts alerts closed by their own event in the group of alerts that a quiet period resolves', () => {
    const paused = stopOf('ledger-sync', {
      subject: { kind: 'watched-task', name: 'ledger-sync' },
      category: 'crash-loop',
      resolvedBy: 'resolving-event',
    });
    const looping = stopOf('web', { category: 'crash-loop' });
    expect(alertGroupKey(paused, ['cluster', 'category'])).not.toBe(alertGroupKey(looping, ['cluster', 'category']));
    expect(keepsOpenSubjects(alertGroupKey(looping, ['cluster', 'category']))).toBe(false);
  });

  it('keeps a group closed by its own event to one subject and category when groupBy names the subject', () => {
    for (const groupBy of [
      ['cluster', 'subject', 'category'],
      ['cluster', 'subject'],
      ['subject', 'severity'],
    ] as const) {
      const failing = ['nightly-report', 'ledger-cleanup'].map((job) => alertGroupKey(failingJob(job), groupBy));
      // One job's success resolves its own failure, never another job's.
      expect(new Set(failing).size).toBe(2);
      expect(alertGroupKey(succeededJob('nightly-report'), groupBy)).toBe(failing[0]);
      expect(alertGroupKey(succeededJob('nightly-report'), groupBy)).toBe(alertGroupKey(failingJob('nightly-report')));
      expect(keepsOpenSubjects(failing[0] ?? '')).toBe(false);
    }
  });
});

describe('groupLabelsOf', () => {
  it('tells the keys of groups that may gather several subjects', () => {
    expect(groupLabelsOf(alertGroupKey(stopOf('web'), ['cluster', 'category']))).toEqual(['cluster', 'category']);
    expect(groupLabelsOf(alertGroupKey(stopOf('web')))).toBeUndefined();
    expect(groupLabelsOf(alertGroupKey(stopOf('web'), ['subject', 'severity']))).toBeUndefined();
    expect(groupLabelsOf(alertGroupKey(failingJob('nightly-report'), ['cluster', 'category', 'severity']))).toEqual([
      'cluster',
      'category',
    ]);
  });
});
