import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../sandbox/seed.ts';
import {
  alertEntry,
  type DeploymentSummary,
  deploymentEntry,
  type JobSummary,
  outcomeEntry,
  renderAlertCount,
  renderApps,
  renderDeployments,
  renderSandboxReport,
  renderSandboxReportJson,
  renderSummary,
  renderTimeline,
  renderWatchedTasks,
  type SandboxReport,
  type SentAlert,
  scalingEntry,
  stoppedTaskEntry,
  timelineEntry,
} from '../../sandbox/timeline.ts';
import { spotJobSpec } from './fixtures.ts';

const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/batch/1a2b3c4d-5e6f-4711-8000-000000000001';

function jobRunEvent(detail: Record<string, unknown>): PublishedEvent {
  return {
    'detail-type': 'Job Run Launched',
    source: 'ecs-autopilot',
    time: '2026-11-23T01:00:03Z',
    resources: [],
    detail: { job: 'nightly-report', scheduledTime: '2026-11-23T01:00:00.000Z', attempt: 1, taskArns: [], ...detail },
  };
}

const job = spotJobSpec({ timezone: 'Europe/Berlin' });

describe('timeline lines from the events on the bus', () => {
  it("shows a launch in the job's local time, with its capacity provider and task", () => {
    const entry = outcomeEntry(
      jobRunEvent({
        status: 'launched',
        taskArns: [TASK],
        capacityProvider: 'FARGATE_SPOT',
        receivedAt: '2026-11-23T01:00:03.000Z',
        updatedAt: '2026-11-23T01:00:03.000Z',
        launchedAt: '2026-11-23T01:00:03.000Z',
      }),
      job,
    );

    expect(entry).toMatchObject({
      local: '2026-11-23 02:00 CET',
      subject: 'nightly-report',
      what: 'launched',
      detail: '1 task on FARGATE_SPOT (task 1a2b3c)',
      source: 'bus',
    });
  });

  it('says when a launch fell back to a later capacity provider, and when it was delivered late', () => {
    const entry = outcomeEntry(
      jobRunEvent({
        status: 'launched',
        taskArns: [TASK],
        capacityProvider: 'FARGATE',
        receivedAt: '2026-11-23T01:05:00.000Z',
        updatedAt: '2026-11-23T01:05:00.000Z',
        launchedAt: '2026-11-23T01:05:00.000Z',
      }),
      job,
    );

    expect(entry?.detail).toBe(
      '1 task on FARGATE after FARGATE_SPOT had no capacity (task 1a2b3c), delivered 5m after its scheduled time 02:00',
    );
  });

  it('names the run a later outcome is about by its local scheduled time', () => {
    const timedOut = outcomeEntry(
      jobRunEvent({
        status: 'timed-out',
        taskArns: [TASK],
        reason: 'ecs-autopilot: exceeded maxRuntime 2h',
        launchedAt: '2026-11-23T01:00:03.000Z',
        updatedAt: '2026-11-23T03:00:03.000Z',
      }),
      job,
    );
    const succeeded = outcomeEntry(
      jobRunEvent({ status: 'succeeded', taskArns: [TASK], launchedAt: '2026-11-23T01:00:03.000Z', updatedAt: '2026-11-23T03:00:03.000Z' }),
      job,
    );

    expect(timedOut).toMatchObject({
      local: '2026-11-23 04:00 CET',
      detail: 'run of 02:00 (task 1a2b3c): ecs-autopilot: exceeded maxRuntime 2h',
    });
    expect(succeeded?.detail).toBe('run of 02:00 (task 1a2b3c): every container exited 0');
  });

  it('names the firing of an outcome that launched nothing', () => {
    const entry = outcomeEntry(
      jobRunEvent({
        status: 'missed',
        reason: 'delivered 20m after its scheduled time, past the startingDeadline of 15m',
        updatedAt: '2026-11-23T01:20:00.000Z',
      }),
      job,
    );

    expect(entry).toMatchObject({
      local: '2026-11-23 02:20 CET',
      what: 'missed',
      detail: '02:00 firing: delivered 20m after its scheduled time, past the startingDeadline of 15m',
    });
  });

  it('tells a failed attempt that will be retried, the retry and its outcome apart', () => {
    const retried = spotJobSpec({ timezone: 'Europe/Berlin', retry: { attempts: 3, backoff: '5m' } });
    const failed = outcomeEntry(
      {
        ...jobRunEvent({
          status: 'failed',
          taskArns: [TASK],
          reason: 'app-error: container "report" exited 1',
          launchedAt: '2026-11-23T01:00:03.000Z',
          updatedAt: '2026-11-23T01:10:03.000Z',
          runtime: '10m',
          retry: { willRetry: true, nextAttempt: 2, retryAt: '2026-11-23T01:15:03.000Z', because: 'no rule matched' },
        }),
        'detail-type': 'Job Run Failed',
      },
      retried,
    );
    const relaunched = outcomeEntry(
      jobRunEvent({
        status: 'launched',
        attempt: 2,
        taskArns: [TASK],
        capacityProvider: 'FARGATE_SPOT',
        updatedAt: '2026-11-23T01:15:03.000Z',
      }),
      retried,
    );
    const succeeded = outcomeEntry(
      jobRunEvent({
        status: 'succeeded',
        attempt: 2,
        taskArns: [TASK],
        reason: 'container "report" exited 0',
        launchedAt: '2026-11-23T01:15:03.000Z',
        updatedAt: '2026-11-23T01:35:03.000Z',
        runtime: '20m',
      }),
      retried,
    );

    expect(failed).toMatchObject({
      local: '2026-11-23 02:10 CET',
      what: 'failed',
      label: 'failed → retry',
      detail: 'run of 02:00 (task 1a2b3c): app-error: container "report" exited 1, after 10m; attempt 2 of 3 at 02:15 (in 5m)',
    });
    expect(relaunched?.detail).toBe('attempt 2 of 3 of the 02:00 run: 1 task on FARGATE_SPOT (task 1a2b3c)');
    expect(succeeded?.detail).toBe('run of 02:00, attempt 2 (task 1a2b3c): container "report" exited 0, after 20m');
  });

  it('ignores events that are not about a job run', () => {
    expect(outcomeEntry({ ...jobRunEvent({}), 'detail-type': 'Crash Loop Detected', detail: { service: 'web' } }, job)).toBeUndefined();
  });
});

describe('timeline lines about watched tasks and alerts', () => {
  const WORKER = 'arn:aws:ecs:us-east-1:123456789012:task/batch-prod/7d17c6aa0000000000000000000000a1';
  const event = (type: string, detail: Record<string, unknown>): PublishedEvent => ({
    'detail-type': type,
    source: 'ecs-autopilot',
    time: '2026-11-23T20:00:30Z',
    resources: [],
    detail,
  });
  const stop = { taskArn: WORKER, classification: { category: 'app-error', because: 'container "app" exited 1' } };

  it('says what on-task-stopped decided for a stopped watched task', () => {
    const restart = stoppedTaskEntry(
      event('Watched Task Stopped', {
        watchedTask: 'queue-worker',
        stop,
        decision: { kind: 'restart', delaySeconds: 20, restartAt: '2026-11-23T20:00:50Z' },
      }),
      'Europe/Berlin',
    );
    const paused = stoppedTaskEntry(
      event('Watched Task Stopped', {
        watchedTask: 'queue-worker',
        stop,
        decision: { kind: 'paused', reason: '5 restarts within 15m (crashLoopBudget 5)' },
      }),
      'Europe/Berlin',
    );

    expect(restart).toMatchObject({
      local: '2026-11-23 21:00 CET',
      subject: 'queue-worker',
      what: 'watched-task-stopped',
      label: 'stopped → restart in 20s',
      detail: 'task 7d17c6 (app-error): container "app" exited 1; restart at 21:00:50',
      source: 'bus',
    });
    expect(paused).toMatchObject({
      label: 'stopped, not restarted',
      detail: 'task 7d17c6 (app-error): container "app" exited 1; 5 restarts within 15m (crashLoopBudget 5)',
    });
  });

  it('shows restarts and the crash loop that pauses them', () => {
    const restarted = stoppedTaskEntry(
      event('Watched Task Restarted', { watchedTask: 'queue-worker', taskArns: [TASK], replacing: WORKER, restartsInWindow: 2 }),
      'Europe/Berlin',
    );
    const loop = stoppedTaskEntry(
      event('Crash Loop Detected', {
        subject: { kind: 'watched-task', name: 'queue-worker' },
        stops: 6,
        windowSeconds: 900,
        dominantCategory: 'app-error',
        action: 'restarts-paused',
      }),
      'Europe/Berlin',
    );

    expect(restarted).toMatchObject({
      label: 'restarted',
      detail: 'task 1a2b3c started, replacing 7d17c6 (2 restarts within the crash-loop window)',
    });
    expect(loop).toMatchObject({
      subject: 'queue-worker',
      what: 'crash-loop',
      detail:
        '6 stops within 15m, mostly app-error: restarts paused until `ecs-autopilot resume queue-worker` or a new task definition revision',
    });
    expect(stoppedTaskEntry(jobRunEvent({ status: 'launched' }), 'Europe/Berlin')).toBeUndefined();
  });

  it('shows a restart that cannot launch, and that restarts wait for a resume', () => {
    const failed = stoppedTaskEntry(
      event('Watched Task Restart Failed', {
        watchedTask: 'queue-worker',
        cluster: 'batch',
        taskDefinition: 'queue-worker',
        replacing: WORKER,
        tries: 1,
        reason: 'AccessDeniedException: not authorized to perform ecs:RunTask',
        nextStep: 'Allow ecs:RunTask, then run npx ecs-autopilot resume queue-worker',
      }),
      'Europe/Berlin',
    );

    expect(failed).toMatchObject({
      subject: 'queue-worker',
      what: 'watched-task-restart-failed',
      label: 'restart failed, paused',
      detail:
        'replacing 7d17c6, after 1 try: AccessDeniedException: not authorized to perform ecs:RunTask; Allow ecs:RunTask, then run npx ecs-autopilot resume queue-worker',
      source: 'bus',
    });
  });

  const alert = (status: SentAlert['status'], subject: string): SentAlert => ({
    time: '2026-11-23T20:08:40.000Z',
    local: '2026-11-23 21:08 CET',
    status,
    groupKey: 'batch-prod|watched-task:queue-worker|crash-loop',
    subject,
    text: 'CRITICAL: …',
    chatbot: undefined,
  });

  it('shows each message notify published by its subject, under the name of what it is about', () => {
    expect(
      alertEntry(alert('firing', '[CRITICAL] Watched task queue-worker is crash-looping on batch-prod: crash-loop'), 'Europe/Berlin'),
    ).toMatchObject({
      local: '2026-11-23 21:08 CET',
      subject: 'queue-worker',
      what: 'alert-sent',
      label: 'alert sent',
      detail: '[CRITICAL] Watched task queue-worker is crash-looping on batch-prod: crash-loop',
      source: 'alert-topic',
    });
    expect(alertEntry(alert('resolved', '[RESOLVED] …'), 'Europe/Berlin').label).toBe('alert sent (resolved)');
  });

  it('counts the messages, and tabulates the watched tasks', () => {
    expect(renderAlertCount([])).toBe('alerts: none would have been sent');
    const held = (kind: 'silenced' | 'inhibited') => ({
      time: '',
      local: '',
      status: 'firing' as const,
      groupKey: 'g',
      count: 1,
      hold: kind === 'silenced' ? { kind, by: 's1', until: '2026-11-23T12:00:00.000Z' } : { kind, by: 'g2' },
      why: '',
    });
    expect(renderAlertCount([alert('firing', 'a')], [held('silenced'), held('inhibited'), held('silenced')])).toBe(
      'alerts: 1 message would have been sent (1 firing); 3 held back (2 silenced, 1 inhibited); --json has their text',
    );
    expect(renderAlertCount([], [held('inhibited')])).toBe('alerts: none would have been sent; 1 held back (1 inhibited)');
    expect(renderAlertCount([alert('firing', 'a'), alert('resolved', 'b')])).toBe(
      'alerts: 2 messages would have been sent (1 firing, 1 resolved); --json has their text',
    );
    expect(
      renderWatchedTasks([
        {
          watchedTask: 'queue-worker',
          cluster: 'batch-prod',
          stops: 6,
          restarts: 5,
          paused: { at: '2026-11-23T20:08:10.000Z', local: '2026-11-23 21:08 CET', reason: '5 restarts within 15m' },
        },
        { watchedTask: 'mailer', cluster: 'batch-prod', stops: 0, restarts: 0, paused: undefined },
      ]),
    ).toEqual([
      'watched task  stops  restarts  restarts paused',
      'queue-worker      6         5  since 21:08 CET: 5 restarts within 15m',
      'mailer            0         0  no',
    ]);
  });
});

describe('timeline lines of scheduled scaling', () => {
  const scaled = (from: object, to: object): PublishedEvent => ({
    'detail-type': 'Service Scaled',
    source: 'ecs-autopilot',
    time: '2026-11-23T18:00:02Z',
    resources: [],
    detail: {
      serviceKey: 'web',
      cluster: 'shop',
      service: 'web',
      from,
      to,
      why: { target: { kind: 'restore' }, because: { kind: 'outside' } },
      baseline: 'forgotten',
    },
  });

  it('says that a restore of the bounds leaves the count to the autoscaler when it is already within them', () => {
    const entry = scalingEntry(
      scaled({ desiredCount: 4, bounds: { min: 4, max: 20 } }, { desiredCount: 4, bounds: { min: 2, max: 8 } }),
      'Europe/Berlin',
    );
    expect(entry?.detail).toBe(
      'bounds 4-20 → 2-8, desired 4 kept: within the bounds, autoscaling moves it (outside: restore); baseline restored',
    );
  });

  it('names both changes when the count had to move into the bounds', () => {
    const entry = scalingEntry(
      scaled({ desiredCount: 12, bounds: { min: 4, max: 20 } }, { desiredCount: 8, bounds: { min: 2, max: 8 } }),
      'Europe/Berlin',
    );
    expect(entry?.detail).toBe('bounds 4-20 → 2-8, desired 12 → 8 (outside: restore); baseline restored');
  });
});

describe('timeline lines and the table of blue/green deployments', () => {
  const ID = 'shop-20261123T130000-ab12';
  const deploymentEvent = (detailType: string, detail: Record<string, unknown>): PublishedEvent => ({
    'detail-type': detailType,
    source: 'ecs-autopilot',
    time: '2026-11-23T13:03:00Z',
    resources: [],
    detail: { app: 'shop', deploymentId: ID, fromService: 'shop-green', toService: 'shop-blue', steps: 2, strategy: 'canary', ...detail },
  });

  it('shows a request, each step with its weights and the rollback with its reason, in the zone given', () => {
    const lines = [
      deploymentEvent('Deployment Requested', { deploymentId: undefined, id: ID, images: { app: 'repo/shop:v3' }, requestedBy: 'ci' }),
      deploymentEvent('Deployment Step Completed', { newPercent: 10, step: 1, stage: 'paused' }),
      deploymentEvent('Deployment Rolled Back', { newPercent: 0, reason: 'alarm shop-5xx entered ALARM' }),
      deploymentEvent('Deployment Rejected', { reason: 'one deployment runs at a time' }),
    ].map((event) => deploymentEntry(event, 'Europe/Berlin'));

    expect(lines.map((line) => [line?.local, line?.subject, line?.what, line?.label, line?.detail])).toEqual([
      ['2026-11-23 14:03 CET', 'shop', 'deployment-requested', 'deploy requested', `${ID}: image app=repo/shop:v3, by ci`],
      ['2026-11-23 14:03 CET', 'shop', 'deployment-step', 'traffic shifted', 'shop-green 90% / shop-blue 10% (step 1 of 2, paused)'],
      [
        '2026-11-23 14:03 CET',
        'shop',
        'deployment-rolled-back',
        'rolled back',
        `${ID}: alarm shop-5xx entered ALARM; back to shop-green 100% / shop-blue 0%`,
      ],
      ['2026-11-23 14:03 CET', 'shop', 'deployment-rejected', 'deploy rejected', `${ID}: one deployment runs at a time`],
    ]);
    expect(deploymentEntry(jobRunEvent({ status: 'launched' }), 'Europe/Berlin')).toBeUndefined();
  });

  it('shows a full promote, a retry and an undo with the deployment they name (issue 14)', () => {
    const request = (detailType: string, detail: Record<string, unknown>) =>
      deploymentEntry(deploymentEvent(detailType, { deploymentId: undefined, id: ID, by: 'ana', ...detail }), 'Europe/Berlin')?.detail;
    expect(request('Deployment Promotion Requested', { step: 1, full: true })).toBe(`${ID} (--full: straight to 100%) by ana`);
    expect(request('Deployment Retry Requested', { newId: 'shop-2' })).toBe(`shop-2: ${ID}'s revision again by ana`);
    expect(request('Deployment Undo Requested', { newId: 'shop-3' })).toBe(`shop-3: the revision before ${ID} by ana`);
  });

  it('tabulates each deployment with its weights, and each app as it was left', () => {
    const row = (more: Partial<DeploymentSummary>): DeploymentSummary => ({
      app: 'shop',
      id: ID,
      requestedAt: '2026-11-23T13:00:00.000Z',
      local: '2026-11-23 14:00 CET',
      fromService: 'shop-green',
      toService: 'shop-blue',
      taskDefinition: undefined,
      images: undefined,
      stage: 'rolled-back',
      outcome: {
        status: 'rolled-back',
        reason: 'alarm shop-5xx entered ALARM',
        at: '2026-11-23T13:03:00.000Z',
        local: '2026-11-23 14:03 CET',
      },
      weights: [
        { at: '2026-11-23T13:00:00.000Z', local: '2026-11-23 14:00 CET', newPercent: 10, why: 'step 1 of 2' },
        { at: '2026-11-23T13:03:00.000Z', local: '2026-11-23 14:03 CET', newPercent: 0, why: 'rolled back' },
      ],
      ...more,
    });

    expect(
      renderDeployments([
        row({}),
        row({ stage: 'paused', outcome: undefined, weights: row({}).weights.slice(0, 1) }),
        row({
          fromService: undefined,
          toService: undefined,
          stage: 'rejected',
          weights: [],
          outcome: { status: 'rejected', reason: 'busy', at: '2026-11-23T13:00:00.000Z', local: '2026-11-23 14:00 CET' },
        }),
      ]),
    ).toEqual([
      'app   deployment                 from → to               outcome                 weights on the new colour',
      `shop  ${ID}  shop-green → shop-blue  rolled back             0 → 10 → 0%: alarm shop-5xx entered ALARM`,
      `shop  ${ID}  shop-green → shop-blue  paused (still running)  0 → 10%`,
      `shop  ${ID}  -                       rejected                busy`,
    ]);
    expect(
      renderApps([
        {
          app: 'shop',
          colours: [
            {
              colour: 'blue',
              service: 'shop-blue',
              percent: 0,
              desiredCount: 0,
              taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/shop:3',
            },
            {
              colour: 'green',
              service: 'shop-green',
              percent: 100,
              desiredCount: 2,
              taskDefinition: 'arn:aws:ecs:us-east-1:1:task-definition/shop:2',
            },
          ],
        },
      ]),
    ).toEqual(['shop at the end: shop-green 100% of the traffic, 2 tasks of shop:2; shop-blue 0%, 0 tasks of shop:3']);
  });
});

describe('rendering', () => {
  const entries = [
    timelineEntry({
      time: new Date('2026-11-23T01:00:00Z'),
      timeZone: 'Europe/Berlin',
      subject: 'FARGATE_SPOT',
      what: 'capacity-outage',
      label: 'capacity outage injected',
      detail: 'the next launch on FARGATE_SPOT finds no capacity',
      source: 'scenario',
    }),
    timelineEntry({
      time: new Date('2026-11-23T01:25:03Z'),
      timeZone: 'Europe/Berlin',
      subject: 'nightly-report',
      job: 'nightly-report',
      what: 'task-exited',
      label: 'task exited 0',
      detail: 'run of 02:00 (task 1a2b3c): the essential container exited 0 after 25m',
      source: 'scenario',
    }),
  ];

  it('aligns the timeline in columns: local time, job, what happened, details', () => {
    expect(renderTimeline(entries)).toEqual([
      '2026-11-23 02:00 CET  FARGATE_SPOT    capacity outage injected  the next launch on FARGATE_SPOT finds no capacity',
      '2026-11-23 02:25 CET  nightly-report  task exited 0             run of 02:00 (task 1a2b3c): the essential container exited 0 after 25m',
    ]);
  });

  const summary = (fields: Partial<JobSummary>): JobSummary => ({
    job: 'nightly-report',
    schedule: 'cron(0 2 * * ? *)',
    timeZone: 'Europe/Berlin',
    suspended: false,
    firings: 1,
    launched: 1,
    retries: 0,
    skipped: 0,
    missed: 0,
    failed: 0,
    timedOut: 0,
    replaced: 0,
    succeeded: 1,
    open: 0,
    runs: [],
    ...fields,
  });

  it('tabulates the outcomes per job and marks suspended jobs', () => {
    expect(
      renderSummary([
        summary({}),
        summary({ job: 'stock-import', firings: 12, launched: 1, skipped: 11, succeeded: 0, open: 1 }),
        summary({ job: 'legacy-export', schedule: 'cron(0 4 ? * SUN *)', suspended: true, firings: 0, launched: 0, succeeded: 0 }),
      ]),
    ).toEqual([
      'job             firings  launched  retries  skipped  missed  failed  timed-out  replaced  succeeded  open',
      'nightly-report        1         1        0        0       0       0          0         0          1     0',
      'stock-import         12         1        0       11       0       0          0         0          0     1',
      'legacy-export   suspended: cron(0 4 ? * SUN *) does not fire',
    ]);
  });

  const report: SandboxReport = {
    window: {
      from: '2026-11-22T23:00:00.000Z',
      to: '2026-11-23T23:00:00.000Z',
      hours: 24,
      timeZone: 'Europe/Berlin',
      localFrom: '2026-11-23 00:00 CET',
      localTo: '2026-11-24 00:00 CET',
      localFromWeekday: 'Monday',
      localToWeekday: 'Tuesday',
      chosenBy: 'scenario-day',
    },
    configFile: 'automation.yml',
    scenario: { file: 'sandbox/scenarios/demo.yml', description: 'A night.', day: 'next-weekday' },
    emulator: { endpoint: 'http://127.0.0.1:5000', bridged: true },
    timeline: entries,
    summary: [summary({ open: 1, succeeded: 0 })],
    watchedTasks: [],
    services: [],
    deployments: [],
    apps: [],
    alerts: [],
    heldAlerts: [],
    events: [],
    notes: ['injections.3 (task-exits stock-import) did nothing: a run never launched a task'],
    realSeconds: 4.2,
  };

  it('prints a header, the timeline, the summary and the notes for people', () => {
    const text = renderSandboxReport(report);

    expect(text.split('\n').slice(0, 4)).toEqual([
      'Sandbox: automation.yml with scenario sandbox/scenarios/demo.yml on http://127.0.0.1:5000',
      '  A night.',
      "Simulated Monday 2026-11-23 00:00 CET → Tuesday 2026-11-24 00:00 CET (24h, Europe/Berlin, the scenario's day: next-weekday) in 4.2s",
      '',
    ]);
    expect(text).toContain(renderTimeline(entries).join('\n'));
    expect(text).toContain(renderSummary(report.summary).join('\n'));
    expect(text).toMatch(/^open: runs still recorded as launched/m);
    expect(text).toMatch(/^alerts: none would have been sent$/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('note: injections.3 (task-exits stock-import) did nothing: a run never launched a task');
  });

  it('says in the header what chose the start of the window', () => {
    const header = (window: Partial<SandboxReport['window']>, scenario = report.scenario) =>
      renderSandboxReport({ ...report, window: { ...report.window, ...window }, scenario }).split('\n')[2];

    expect(header({ chosenBy: 'from' })).toBe(
      'Simulated Monday 2026-11-23 00:00 CET → Tuesday 2026-11-24 00:00 CET (24h, Europe/Berlin, --from) in 4.2s',
    );
    expect(header({ chosenBy: 'next-midnight' }, { file: 'night.yml', description: 'A night.' })).toBe(
      'Simulated Monday 2026-11-23 00:00 CET → Tuesday 2026-11-24 00:00 CET (24h, Europe/Berlin, the next midnight) in 4.2s',
    );
  });

  it('prints the whole report as one JSON document', () => {
    expect(JSON.parse(renderSandboxReportJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
