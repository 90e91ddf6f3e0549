/**
 * The metrics derived from the events the functions publish (shared/metrics/of-events.ts) and from
 * notify's result. The events are built by the code that publishes them where that is one call (a run's
 * outcome, a deployment's transition), so a renamed field fails here rather than leaving a metric empty.
 */
import { describe, expect, it } from 'vitest';
import { transition } from '../../shared/blue-green/decide.ts';
import { splitsFor } from '../../shared/blue-green/forward.ts';
import type { Action, AppSpec, Deployment } from '../../shared/blue-green/model.ts';
import { validateAutomation } from '../../shared/config/load.ts';
import { busEventOf } from '../../shared/events/pending-event.ts';
import type { ServiceScaledDetail, ServiceScalingDeferredDetail } from '../../shared/events/scaling-events.ts';
import type {
  CrashLoopDetail,
  WatchedTaskRestartedDetail,
  WatchedTaskRestartFailedDetail,
  WatchedTaskResumedDetail,
} from '../../shared/events/stopped-task-events.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import type { MetricDatum } from '../../shared/metrics/catalogue.ts';
import { metricsOfEvents, type PublishedEvent } from '../../shared/metrics/of-events.ts';
import { metricsOfNotifyResult } from '../../shared/metrics/of-notify-result.ts';
import { shopApp } from '../helpers/shop-app.ts';
import { runRecord } from './fixtures.ts';

const NOW = new Date('2026-11-22T02:10:00.000Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();

/** name → dimensions → value, in the order derived: what a reader of the dashboard would see. */
const readable = (data: MetricDatum[]) => data.map(({ metric, dimensions, value }) => ({ name: metric.name, dimensions, value }));
const published = (detailType: string, detail: object, time = NOW): PublishedEvent => ({
  detailType,
  detail: detail as Record<string, unknown>,
  time,
});

describe('job runs', () => {
  const launch = (rounds: number) => ({ count: 1, firstProviderIndex: 0, rounds });

  it('counts each status a run reaches per job, and the passes over the capacity providers a launch made', () => {
    const launched = runOutcomeEvent(runRecord({ status: 'launched', launch: launch(2), launchedAt: at(-60) }), NOW);
    const skipped = runOutcomeEvent(runRecord({ status: 'skipped', reason: 'a run is still running' }), NOW);
    expect(readable(metricsOfEvents([busEventOf(launched), busEventOf(skipped)]))).toEqual([
      { name: 'EventsPublished', dimensions: { detailType: 'Job Run Launched' }, value: 1 },
      { name: 'JobRuns', dimensions: { job: 'nightly-report', status: 'launched' }, value: 1 },
      { name: 'JobLaunchRounds', dimensions: { job: 'nightly-report' }, value: 3 },
      { name: 'EventsPublished', dimensions: { detailType: 'Job Run Skipped' }, value: 1 },
      { name: 'JobRuns', dimensions: { job: 'nightly-report', status: 'skipped' }, value: 1 },
    ]);
  });

  it('a launch that gave up reports its rounds; a launched run that failed later reports only the failure', () => {
    const gaveUp = runOutcomeEvent(runRecord({ status: 'failed', reason: 'no capacity after 3 rounds', launch: launch(2) }), NOW);
    const failedLater = runOutcomeEvent(
      runRecord({ status: 'failed', launch: launch(0), launchedAt: at(-600), endedAt: at(0), category: 'app-error' }),
      NOW,
    );
    const names = (event: ReturnType<typeof runOutcomeEvent>) => readable(metricsOfEvents([busEventOf(event)])).map((d) => d.name);
    expect(readable(metricsOfEvents([busEventOf(gaveUp)])).find((d) => d.name === 'JobLaunchRounds')?.value).toBe(3);
    expect(names(failedLater)).toEqual(['EventsPublished', 'JobRuns']);
  });

  it.each(['missed', 'timed-out', 'replaced', 'succeeded'] as const)('counts %s under its status', (status) => {
    const event = runOutcomeEvent(runRecord({ status, launchedAt: at(-60), endedAt: at(0) }), NOW);
    expect(readable(metricsOfEvents([busEventOf(event)]))[1]).toEqual({
      name: 'JobRuns',
      dimensions: { job: 'nightly-report', status },
      value: 1,
    });
  });
});

describe('watched tasks', () => {
  const stopFields = { cluster: 'prod', taskDefinition: 'queue-worker:3', replacing: 'arn:aws:ecs:eu-west-1:123456789012:task/prod/a' };

  it('counts restarts, pauses (crash loop or a restart that cannot launch) and resumes per watched task', () => {
    const restarted: WatchedTaskRestartedDetail = { watchedTask: 'queue-worker', taskArns: ['t'], restartsInWindow: 2, ...stopFields };
    const failed = {
      watchedTask: 'queue-worker',
      tries: 10,
      reason: 'no capacity',
      nextStep: 'ecs-autopilot resume queue-worker',
      ...stopFields,
    } satisfies Omit<WatchedTaskRestartFailedDetail, 'alert'>;
    const crashLoop = {
      subject: { kind: 'watched-task', name: 'queue-worker' },
      cluster: 'prod',
      stops: 5,
      windowSeconds: 600,
      action: 'restarts-paused',
    } satisfies Partial<CrashLoopDetail>;
    const serviceCrashLoop = {
      ...crashLoop,
      subject: { kind: 'service', name: 'web' },
      action: 'alert-only',
    } satisfies Partial<CrashLoopDetail>;
    const resumed: WatchedTaskResumedDetail = {
      watchedTask: 'queue-worker',
      cluster: 'prod',
      by: 'resume-command',
      taskDefinition: 'qw:3',
    };
    const data = metricsOfEvents([
      published('Watched Task Restarted', restarted),
      published('Watched Task Restart Failed', failed),
      published('Crash Loop Detected', crashLoop),
      published('Crash Loop Detected', serviceCrashLoop),
      published('Watched Task Restarts Resumed', resumed),
    ]).filter((d) => d.metric.name !== 'EventsPublished');
    expect(readable(data)).toEqual([
      { name: 'WatchedTaskRestarts', dimensions: { watchedTask: 'queue-worker' }, value: 1 },
      { name: 'WatchedTaskRestartsPaused', dimensions: { watchedTask: 'queue-worker', because: 'restart-failed' }, value: 1 },
      { name: 'WatchedTaskRestartsPaused', dimensions: { watchedTask: 'queue-worker', because: 'crash-loop' }, value: 1 },
      { name: 'WatchedTaskRestartsResumed', dimensions: { watchedTask: 'queue-worker', by: 'resume-command' }, value: 1 },
    ]);
  });
});

describe('scheduled scaling', () => {
  it('counts changes, deferrals and failures per service, by its automation.yml key', () => {
    const subject = { serviceKey: 'web', service: 'web-prod-svc', cluster: 'prod' };
    const why: ServiceScaledDetail['why'] = { target: { kind: 'desired', count: 4 }, because: { kind: 'period', name: 'business-hours' } };
    const scaled: ServiceScaledDetail = { ...subject, from: { desiredCount: 2 }, to: { desiredCount: 4 }, why, baseline: 'remembered' };
    const deferred: ServiceScalingDeferredDetail = {
      ...subject,
      from: { desiredCount: 2 },
      to: { desiredCount: 4 },
      why,
      reason: 'a deployment is rolling out',
      blockedBy: ['ecs-rollout'],
      attempt: 1,
      retryAt: at(60),
      deferredSince: at(0),
    };
    const failed = { ...subject, reason: 'AccessDenied', nextStep: 'check the role' };
    const data = metricsOfEvents([
      published('Service Scaled', scaled),
      published('Service Scaling Deferred', deferred),
      published('Service Scaling Failed', failed),
    ]).filter((d) => d.metric.name !== 'EventsPublished');
    expect(readable(data)).toEqual([
      { name: 'ScalingChanges', dimensions: { service: 'web' }, value: 1 },
      { name: 'ScalingDeferrals', dimensions: { service: 'web' }, value: 1 },
      { name: 'ScalingFailures', dimensions: { service: 'web' }, value: 1 },
    ]);
  });
});

describe('blue/green deployments', () => {
  const app: AppSpec = (() => {
    const automation = validateAutomation({
      apps: { shop: shopApp({ strategy: { canary: { percent: 10, bake: '5m' } } }) },
    });
    const spec = automation.apps.shop;
    if (!spec) throw new Error('the shop app is missing');
    return spec;
  })();
  const split = (percent: number) => splitsFor(app, 'blue', 'green', percent);
  const deployment: Deployment = {
    app: 'shop',
    id: 'shop-1',
    version: 3,
    stage: 'shifting',
    requestedAt: at(-600),
    taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/shop:42',
    from: 'blue',
    to: 'green',
    desiredCount: 3,
    step: -1,
    shiftingTo: 0,
    newPercent: 0,
    stageSince: at(-10),
    stageDeadline: at(300),
    weights: [],
    outbox: [],
    updatedAt: at(-10),
  };
  const publishedOf = (actions: Action[], time: Date) =>
    actions.flatMap((action) => (action.kind === 'publish' ? [published(action.detailType, action.detail, time)] : []));

  it('times each step: the first from the request, a later one from the step before', () => {
    const first = transition(deployment, { kind: 'weights-set', expected: split(10), observed: split(10) }, app, NOW);
    const atTen = first.deployment as Deployment;
    const secondAt = new Date(NOW.getTime() + 420_000);
    const shifting = { ...atTen, stage: 'shifting', shiftingTo: 1 } satisfies Deployment;
    const second = transition(shifting, { kind: 'weights-set', expected: split(100), observed: split(100) }, app, secondAt);
    const steps = [...publishedOf(first.actions, NOW), ...publishedOf(second.actions, secondAt)];
    expect(readable(metricsOfEvents(steps).filter((d) => d.metric.name === 'DeploymentStepDuration'))).toEqual([
      { name: 'DeploymentStepDuration', dimensions: { app: 'shop' }, value: 600 },
      { name: 'DeploymentStepDuration', dimensions: { app: 'shop' }, value: 420 },
    ]);
  });

  it('counts each ending by outcome, with its duration from the request; a rejection has no duration', () => {
    const finishing = { ...deployment, stage: 'finishing', step: 1, newPercent: 100, shiftingTo: undefined } satisfies Deployment;
    const done = transition(finishing, { kind: 'colour-scaled', colour: 'blue', desiredCount: 0 }, app, NOW);
    const rejection = published('Deployment Rejected', { app: 'shop', deploymentId: 'shop-2', reason: 'another deployment runs' });
    const data = metricsOfEvents([...publishedOf(done.actions, NOW), rejection]).filter((d) => d.metric.name !== 'EventsPublished');
    expect(readable(data)).toEqual([
      { name: 'DeploymentOutcomes', dimensions: { app: 'shop', outcome: 'succeeded' }, value: 1 },
      { name: 'DeploymentDuration', dimensions: { app: 'shop', outcome: 'succeeded' }, value: 600 },
      { name: 'DeploymentOutcomes', dimensions: { app: 'shop', outcome: 'rejected' }, value: 1 },
    ]);
  });
});

describe('every event', () => {
  it('counts each detail-type published, and an event without the names a metric needs gives only that count', () => {
    const data = metricsOfEvents([
      published('Service Task Placement Failed', { service: 'web' }),
      published('Watched Task Restarted', { watchedTask: '' }),
      published('Job Run Failed', { job: 42 }),
    ]);
    expect(readable(data)).toEqual([
      { name: 'EventsPublished', dimensions: { detailType: 'Service Task Placement Failed' }, value: 1 },
      { name: 'EventsPublished', dimensions: { detailType: 'Watched Task Restarted' }, value: 1 },
      { name: 'EventsPublished', dimensions: { detailType: 'Job Run Failed' }, value: 1 },
    ]);
  });
});

describe("notify's result", () => {
  it('counts the messages sent by status and those held back by their hold', () => {
    const result = {
      published: [
        { status: 'firing' as const, count: 3, messageId: 'm-1' },
        { status: 'resolved' as const, count: 3, messageId: 'm-2' },
      ],
      held: [
        { status: 'firing' as const, count: 1, hold: { kind: 'silenced' as const, by: 's-1', until: at(3600) } },
        { status: 'firing' as const, count: 2, hold: { kind: 'inhibited' as const, by: 'prod/host-lost' } },
      ],
    };
    expect(readable(metricsOfNotifyResult(result))).toEqual([
      { name: 'AlertsSent', dimensions: { status: 'firing' }, value: 1 },
      { name: 'AlertsSent', dimensions: { status: 'resolved' }, value: 1 },
      { name: 'AlertsHeld', dimensions: { hold: 'silenced' }, value: 1 },
      { name: 'AlertsHeld', dimensions: { hold: 'inhibited' }, value: 1 },
    ]);
    expect(metricsOfNotifyResult({ published: [] })).toEqual([]);
  });
});
