import { describe, expect, it } from 'vitest';
import type { Automation } from '../../shared/config/schema.ts';
import { subjectOfStop } from '../../shared/stopped-tasks/route.ts';
import type { StoppedTaskOverrides } from '../fixtures/task-events.ts';
import { automation, fixtureFacts, stopFacts } from './stop-fixtures.ts';

const ARN_PREFIX = 'arn:aws:ecs:eu-west-1:111122223333:cluster/';
const SCHEDULE = 'cron(0 2 * * ? *)';

const CONFIG: Automation = automation({
  jobs: {
    'nightly-report': { schedule: SCHEDULE, taskDefinition: 'nightly-report:7', cluster: 'batch' },
    'monthly-close': { schedule: SCHEDULE, taskDefinition: 'monthly-close', cluster: `${ARN_PREFIX}reports` },
  },
  watchedTasks: {
    'ledger-sync': { taskDefinition: 'ledger-sync', cluster: 'batch' },
    poller: { taskDefinition: 'poller:4', group: 'pollers', cluster: `${ARN_PREFIX}workers` },
  },
  services: {
    api: { cluster: 'web' },
    storefront: { cluster: `${ARN_PREFIX}web`, service: 'frontend' },
  },
});

function jobOf(name: string) {
  const job = CONFIG.jobs[name];
  if (!job) throw new Error(`fixture: job ${name} missing from CONFIG`);
  return job;
}

function subjectOf(overrides: StoppedTaskOverrides) {
  return subjectOfStop(stopFacts(overrides), CONFIG);
}

describe('subjectOfStop: jobs, by startedBy', () => {
  it("routes a job's task to its job", () => {
    expect(subjectOf({})).toEqual({ kind: 'job', job: jobOf('nightly-report') });
  });

  it("routes a job's task to the job even when its group is a watched task's", () => {
    expect(subjectOf({ group: 'family:ledger-sync' })).toEqual({ kind: 'job', job: jobOf('nightly-report') });
  });

  it('matches a job whose cluster is configured as an ARN by the cluster name', () => {
    const subject = subjectOf({ cluster: 'reports', startedBy: 'ecs-autopilot/monthly-close', group: 'family:monthly-close' });

    expect(subject).toEqual({ kind: 'job', job: jobOf('monthly-close') });
  });

  it('routes the written stops of a job to it, its own timeout included', () => {
    expect(subjectOfStop(fixtureFacts('batch-job-failed'), CONFIG)).toEqual({ kind: 'job', job: jobOf('nightly-report') });
    expect(subjectOfStop(fixtureFacts('ecs-autopilot-timeout'), CONFIG)).toEqual({ kind: 'job', job: jobOf('nightly-report') });
  });

  it.each([
    [
      'a job no longer configured',
      { startedBy: 'ecs-autopilot/weekly-export' },
      'started by job "weekly-export", which automation.yml no longer has in cluster batch',
    ],
    [
      'a job configured in another cluster',
      { cluster: 'web' },
      'started by job "nightly-report", which automation.yml no longer has in cluster web',
    ],
    [
      'a job no longer configured whose group a watched task has',
      { startedBy: 'ecs-autopilot/weekly-export', group: 'family:ledger-sync' },
      'started by job "weekly-export", which automation.yml no longer has in cluster batch',
    ],
    [
      'a job named like an Object property',
      { startedBy: 'ecs-autopilot/constructor' },
      'started by job "constructor", which automation.yml no longer has in cluster batch',
    ],
    [
      'a job named __proto__',
      { startedBy: 'ecs-autopilot/__proto__' },
      'started by job "__proto__", which automation.yml no longer has in cluster batch',
    ],
  ] satisfies [string, StoppedTaskOverrides, string][])('routes %s to none', (_what, overrides, reason) => {
    expect(subjectOf(overrides)).toEqual({ kind: 'none', reason });
  });
});

describe('subjectOfStop: watched tasks, by cluster and task group', () => {
  it.each([
    ['its restart by ecs-autopilot', 'ecs-autopilot/watched/ledger-sync'],
    ['its first launch by a person', undefined],
    ['a launch by another tool', 'deploy-bot'],
  ])('routes %s to the watched task', (_what, startedBy) => {
    const subject = subjectOf({ startedBy, group: 'family:ledger-sync', taskDefinition: 'ledger-sync:3' });

    expect(subject).toEqual({ kind: 'watched-task', spec: CONFIG.watchedTasks['ledger-sync'] });
  });

  it('matches a custom group in a cluster configured as an ARN', () => {
    const subject = subjectOf({ cluster: 'workers', startedBy: undefined, group: 'pollers', taskDefinition: 'poller:4' });

    expect(subject).toEqual({ kind: 'watched-task', spec: CONFIG.watchedTasks.poller });
  });

  it.each([
    ['in another cluster', { cluster: 'workers', group: 'family:ledger-sync' }, 'task group family:ledger-sync in cluster workers'],
    [
      'of the default group when a custom one is set',
      { cluster: 'workers', group: 'family:poller' },
      'task group family:poller in cluster workers',
    ],
    ['of another family', { group: 'family:db-migrate' }, 'task group family:db-migrate in cluster batch'],
    ['without a group', { group: undefined }, 'task group (none) in cluster batch'],
  ] satisfies [string, StoppedTaskOverrides, string][])(
    "routes a task %s to none: neither a job's nor a watched task's",
    (_what, overrides, where) => {
      expect(subjectOf({ startedBy: undefined, ...overrides })).toEqual({
        kind: 'none',
        reason: `${where} is neither a job's nor a watched task's`,
      });
    },
  );

  it('routes a task someone started by hand in the group of nothing configured to none', () => {
    expect(subjectOfStop(fixtureFacts('user-stopped'), CONFIG)).toEqual({
      kind: 'none',
      reason: "task group family:db-migrate in cluster batch is neither a job's nor a watched task's",
    });
  });
});

describe('subjectOfStop: services, by group service:<name>', () => {
  it.each(['elb-health-check-failed', 'image-pull-failed', 'scaled-in-deployment-137'])(
    'routes %s of service api to its watch',
    (fixture) => {
      expect(subjectOfStop(fixtureFacts(fixture), CONFIG)).toEqual({ kind: 'service', watch: CONFIG.services.api });
    },
  );

  it('matches by the ECS service name, not the config key, in a cluster configured as an ARN', () => {
    const subject = subjectOf({ cluster: 'web', startedBy: 'ecs-svc/4918826309718265037', group: 'service:frontend' });

    expect(subject).toEqual({ kind: 'service', watch: CONFIG.services.storefront });
  });

  it.each([
    ['a service not configured', { cluster: 'web', group: 'service:billing' }, 'service billing in cluster web'],
    ['a configured service name in another cluster', { cluster: 'batch', group: 'service:api' }, 'service api in cluster batch'],
    ['a config key that is not the service name', { cluster: 'web', group: 'service:storefront' }, 'service storefront in cluster web'],
  ] satisfies [string, StoppedTaskOverrides, string][])('routes %s to none', (_what, overrides, where) => {
    expect(subjectOf({ startedBy: 'ecs-svc/4918826309718265037', ...overrides })).toEqual({
      kind: 'none',
      reason: `${where} is not in automation.yml's services`,
    });
  });
});
