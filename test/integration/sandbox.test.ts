/**
 * The sandbox end to end: moto with the bridge, the fixture automation file and scenario, a virtual day;
 * then the bundled demo on the example automation.yml. Statuses are asserted from the run history, the
 * bus events and the alert messages that the report carries.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, probeEmulator, startEmulator } from '../../sandbox/emulator.ts';
import { printSandboxReport, runSandbox } from '../../sandbox/run.ts';
import { ScenarioError } from '../../sandbox/scenario.ts';
import type { SandboxReport } from '../../sandbox/timeline.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const CONFIG = fixture('sandbox-automation.yml');
const SCENARIO = fixture('sandbox-scenario.yml');
const EXAMPLE_CONFIG = fileURLToPath(new URL('../../automation.yml', import.meta.url));
const DEMO = fileURLToPath(new URL('../../sandbox/scenarios/demo.yml', import.meta.url));
const FROM = new Date('2026-11-23T00:00:00+01:00');

const runsOf = (report: SandboxReport, job: string) => report.summary.find((row) => row.job === job)?.runs ?? [];
const linesOf = (report: SandboxReport, job: string) => report.timeline.filter((entry) => entry.job === job);

describe('the sandbox: a virtual day against moto', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    report = await runSandbox({ configFile: CONFIG, scenarioFile: SCENARIO, from: FROM, hours: 24 });
  }, 120_000);

  // How fast a simulated day runs is the bench's business, not a test's.
  it('simulates the day from local midnight to midnight', () => {
    expect(report.window).toMatchObject({
      from: '2026-11-22T23:00:00.000Z',
      to: '2026-11-23T23:00:00.000Z',
      localFrom: '2026-11-23 00:00 CET',
      localTo: '2026-11-24 00:00 CET',
    });
  });

  it('falls back from FARGATE_SPOT to FARGATE after the injected outage, and on-task-stopped records the run succeeded when its task exits 0', () => {
    expect(runsOf(report, 'nightly-report')).toMatchObject([
      { scheduledTime: '2026-11-23T01:00:00.000Z', status: 'succeeded', capacityProvider: 'FARGATE' },
    ]);
    expect(linesOf(report, 'nightly-report').map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 02:00 CET', 'launched'],
      ['2026-11-23 02:02 CET', 'duplicate delivery → nothing new'],
      ['2026-11-23 02:25 CET', 'succeeded'],
    ]);
    expect(linesOf(report, 'nightly-report').at(-1)?.detail).toMatch(
      /^run of 02:00 \(task \w{6}\): container "app" exited 0.*, after 25m$/,
    );
    const outage = report.timeline.findIndex((entry) => entry.what === 'capacity-outage');
    const launch = report.timeline.findIndex((entry) => entry.job === 'nightly-report' && entry.what === 'launched');
    expect(outage).toBeGreaterThanOrEqual(0);
    expect(outage).toBeLessThan(launch);
    expect(report.timeline[launch]?.detail).toMatch(/^1 task on FARGATE after FARGATE_SPOT had no capacity \(task [0-9a-f]{6}\)$/);
  });

  it('launches nothing new and publishes nothing when Scheduler delivers the same firing twice', () => {
    const launched = report.events.filter((e) => e['detail-type'] === 'Job Run Launched' && e.detail.job === 'nightly-report');
    expect(launched).toHaveLength(1);
    const duplicate = report.timeline.find((entry) => entry.what === 'duplicate-delivery');
    expect(duplicate).toMatchObject({ source: 'run-history', taskArns: launched[0]?.detail.taskArns });
  });

  it('skips the 03:00 firing under forbid while the 01:00 run nobody ended is still running', () => {
    const [first, second] = runsOf(report, 'stock-import');
    expect(first?.status).toBe('launched');
    expect(second).toMatchObject({ scheduledTime: '2026-11-23T02:00:00.000Z', status: 'skipped' });
    expect(second?.reason).toContain(
      `concurrency is forbid and the run scheduled at 2026-11-23T00:00:00.000Z (task ${first?.taskArns[0]?.split('/').pop()}) is still running`,
    );
  });

  it('stops the run that exceeds its maxRuntime, records why, and alerts once: open until the job succeeds again, not resolved by a quiet hour', () => {
    expect(runsOf(report, 'ledger-cleanup')).toMatchObject([{ status: 'timed-out', reason: 'ecs-autopilot: exceeded maxRuntime 2h' }]);
    expect(report.timeline.filter((entry) => entry.subject === 'ledger-cleanup').map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 05:30 CET', 'launched'],
      ['2026-11-23 07:30 CET', 'timed-out'],
      ['2026-11-23 07:30 CET', 'alert sent'],
    ]);
    expect(report.alerts.map((alert) => [alert.status, alert.subject])).toEqual([
      ['firing', '[CRITICAL] Job ledger-cleanup timed out on sandbox-it: timeout'],
    ]);
  });

  it('records a firing delivered past its startingDeadline as missed', () => {
    expect(runsOf(report, 'bank-sync')).toMatchObject([
      { status: 'missed', reason: 'delivered 15m after its scheduled time, past the startingDeadline of 10m' },
    ]);
    expect(linesOf(report, 'bank-sync').map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 09:00 CET', 'late delivery injected'],
      ['2026-11-23 09:15 CET', 'missed'],
    ]);
  });

  it('replaces the still-running run under concurrency replace', () => {
    expect(runsOf(report, 'price-refresh').map((run) => run.status)).toEqual(['replaced', 'launched']);
  });

  it('summarises each job from the run history, and shows suspended jobs as such', () => {
    const counts = report.summary.map(({ runs: _runs, schedule: _schedule, timeZone: _zone, ...row }) => row);
    expect(counts).toEqual([
      {
        job: 'nightly-report',
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
      },
      {
        job: 'stock-import',
        suspended: false,
        firings: 2,
        launched: 1,
        retries: 0,
        skipped: 1,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 0,
        open: 1,
      },
      {
        job: 'ledger-cleanup',
        suspended: false,
        firings: 1,
        launched: 1,
        retries: 0,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 1,
        replaced: 0,
        succeeded: 0,
        open: 0,
      },
      {
        job: 'bank-sync',
        suspended: false,
        firings: 1,
        launched: 0,
        retries: 0,
        skipped: 0,
        missed: 1,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 0,
        open: 0,
      },
      {
        job: 'price-refresh',
        suspended: false,
        firings: 2,
        launched: 2,
        retries: 0,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 1,
        succeeded: 0,
        open: 1,
      },
      {
        job: 'legacy-export',
        suspended: true,
        firings: 0,
        launched: 0,
        retries: 0,
        skipped: 0,
        missed: 0,
        failed: 0,
        timedOut: 0,
        replaced: 0,
        succeeded: 0,
        open: 0,
      },
    ]);
    expect(report.events.map((e) => e['detail-type']).sort()).toEqual(
      [
        ...Array(5).fill('Job Run Launched'),
        'Job Run Missed',
        'Job Run Replaced',
        'Job Run Skipped',
        'Job Run Succeeded',
        'Job Run Timed Out',
      ].sort(),
    );
    expect(report.notes).toEqual([]);
  });

  it('prints one line per event for people', () => {
    let text = '';
    printSandboxReport(report, { write: (chunk) => (text += chunk) });

    expect(text).toMatch(
      /^2026-11-23 02:00 CET {2}nightly-report {2}launched {2,}1 task on FARGATE after FARGATE_SPOT had no capacity \(task \w{6}\)$/m,
    );
    expect(text).toMatch(
      /^2026-11-23 07:30 CET {2}ledger-cleanup {2}timed-out {2,}run of 05:30 \(task \w{6}\): ecs-autopilot: exceeded maxRuntime 2h$/m,
    );
    expect(text).toMatch(/^legacy-export +suspended: cron\(0 4 \* \* \? \*\) does not fire$/m);
  });

  it('prints --json as one JSON document and nothing else', () => {
    const chunks: string[] = [];
    printSandboxReport(report, { json: true, write: (chunk) => chunks.push(chunk) });

    expect(chunks).toHaveLength(1);
    const document = JSON.parse(chunks[0] ?? '');
    expect(Object.keys(document)).toEqual(expect.arrayContaining(['window', 'timeline', 'summary', 'events']));
    expect(document.timeline).toHaveLength(report.timeline.length);
    expect(document.events).toHaveLength(report.events.length);
  });
});

describe('the bundled demo on the example automation.yml', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    report = await runSandbox({ configFile: EXAMPLE_CONFIG, scenarioFile: DEMO, from: FROM, hours: 24 });
  }, 120_000);

  const delaysOf = (events: SandboxReport['events']) =>
    events
      .filter((e) => e['detail-type'] === 'Watched Task Stopped')
      .map((e) => e.detail.decision as { kind: string; delaySeconds?: number })
      .map((decision) => decision.delaySeconds ?? decision.kind);

  it('leaves nothing undone', () => {
    expect(report.notes).toEqual([]);
  });

  it('simulates a weekday, the day its story is told for, and names it', () => {
    expect(report.scenario?.day).toBe('next-weekday');
    expect(report.window).toMatchObject({ localFromWeekday: 'Monday', localToWeekday: 'Tuesday', chosenBy: 'from' });
    let text = '';
    printSandboxReport(report, { write: (chunk) => (text += chunk) });
    expect(text).toMatch(/^Simulated Monday 2026-11-23 00:00 CET → Tuesday 2026-11-24 00:00 CET \(24h, Europe\/Berlin, --from\) in /m);
  });

  it('ends every run it launches: no job has open runs, business-hours-cache included', () => {
    expect(report.summary.filter((row) => row.open > 0).map((row) => row.job)).toEqual([]);
    expect(report.summary.find((row) => row.job === 'business-hours-cache')).toMatchObject({ firings: 48, launched: 48, succeeded: 48 });
    expect(runsOf(report, 'business-hours-cache').every((run) => run.status === 'succeeded')).toBe(true);
    expect(
      linesOf(report, 'business-hours-cache')
        .map((entry) => entry.local)
        .at(-1),
    ).toBe('2026-11-23 19:48 CET');
  });

  it('tells the scaling story its description promises, as it happened', () => {
    const description = report.scenario?.description ?? '';
    expect(description).toContain("web's bounds are raised from 2-8 to 4-20 tasks from 08:00 to 19:00");
    expect(description).toContain('staging-api starts the day stopped (as its nights period left it), is back at 2 tasks at 07:00');
    const scaled = (subject: string) =>
      report.timeline.filter((entry) => entry.subject === subject && entry.label === 'scaled').map((entry) => [entry.local, entry.detail]);
    expect(scaled('web')).toEqual([
      ['2026-11-23 08:00 CET', expect.stringMatching(/^bounds 2-8 → 4-20/)],
      ['2026-11-23 19:00 CET', expect.stringMatching(/^bounds 4-20 → 2-8/)],
    ]);
    expect(scaled('staging-api').map(([local, detail]) => [local, detail?.split(' (')[0]])).toEqual([
      ['2026-11-23 00:00 CET', 'desired 2 → 0'],
      ['2026-11-23 07:00 CET', 'desired 0 → 2'],
      ['2026-11-23 20:00 CET', 'desired 2 → 0'],
    ]);
  });

  it('retries nightly-report after its first attempt fails with app-error, and the retry succeeds without an alert', () => {
    expect(runsOf(report, 'nightly-report')).toMatchObject([
      { attempt: 1, status: 'failed', category: 'app-error', capacityProvider: 'FARGATE', retry: { willRetry: true, nextAttempt: 2 } },
      { attempt: 2, status: 'succeeded' },
    ]);
    expect(linesOf(report, 'nightly-report').map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 02:00 CET', 'launched'],
      ['2026-11-23 02:02 CET', 'duplicate delivery → nothing new'],
      ['2026-11-23 02:10 CET', 'failed → retry'],
      ['2026-11-23 02:15 CET', 'launched'],
      ['2026-11-23 02:35 CET', 'succeeded'],
    ]);
    expect(linesOf(report, 'nightly-report')[2]?.detail).toMatch(
      /app-error: container "report" exited 1.*; attempt 2 of 3 at 02:15 \(in 5m\)$/,
    );
    expect(report.summary.find((row) => row.job === 'nightly-report')).toMatchObject({ launched: 2, retries: 1, failed: 0, succeeded: 1 });
    expect(report.alerts.filter((alert) => alert.groupKey.includes('job:nightly-report'))).toEqual([]);
  });

  it('restarts the crash-looping queue-worker after 10s, 20s, 40s, 80s and 160s, then pauses it with exactly one alert', () => {
    expect(delaysOf(report.events)).toEqual([10, 20, 40, 80, 160, 'paused']);
    expect(report.watchedTasks).toMatchObject([
      { watchedTask: 'queue-worker', stops: 6, restarts: 5, paused: { reason: expect.stringMatching(/^5 restarts within 15m/) } },
    ]);
    const lines = report.timeline.filter((entry) => entry.subject === 'queue-worker').map((entry) => entry.label);
    expect(lines.slice(0, 3)).toEqual(['started by hand', 'stopped → restart in 10s', 'restarted']);
    // Paused restarts stay paused however quiet it gets: no "resolved" until someone resumes them.
    expect(lines.slice(-3)).toEqual(['stopped, not restarted', 'crash loop detected', 'alert sent']);
    const firing = report.alerts.filter((alert) => alert.groupKey.endsWith('|crash-loop') && alert.status === 'firing');
    expect(firing.map((alert) => [alert.local, alert.subject])).toEqual([
      ['2026-11-23 21:08 CET', '[CRITICAL] Watched task queue-worker is crash-looping on batch-prod: crash-loop'],
    ]);
    expect(firing[0]?.text).toContain('ecs-autopilot resume queue-worker');
  });

  it("stops the hung 13:00 hourly-sync at its maxRuntime; the operator's silence holds its alert and the 14:00 success resolves it unsent", () => {
    expect(runsOf(report, 'hourly-sync').map((run) => run.status)).toEqual([
      ...Array(6).fill('succeeded'),
      'missed',
      ...Array(6).fill('succeeded'),
      'timed-out',
      ...Array(10).fill('succeeded'),
    ]);
    const firing = report.alerts.filter((alert) => alert.status === 'firing' && !alert.groupKey.includes('|app:'));
    expect(firing.map((alert) => alert.subject)).toEqual([
      '[CRITICAL] SERVICE_TASK_PLACEMENT_FAILURE for service web on web-prod: placement-failure',
      '[CRITICAL] Watched task queue-worker is crash-looping on batch-prod: crash-loop',
    ]);
    // Nothing of the job's group is sent: held while the silence lasts, then closed by the next success.
    expect(report.alerts.filter((alert) => alert.groupKey.includes('|job:hourly-sync|'))).toEqual([]);
    const silenced = report.heldAlerts.filter((held) => held.hold.kind === 'silenced');
    expect(silenced.map((held) => [held.local, held.groupKey, held.count])).toEqual([
      ['2026-11-23 13:50 CET', 'batch-prod|job:hourly-sync|job-failing', 1],
    ]);
    expect(silenced[0]?.hold).toMatchObject({ until: '2026-11-23T13:50:00.000Z', comment: 'upstream API maintenance until 15:00' });
    const lines = report.timeline.filter((entry) => entry.what === 'silence' || entry.what === 'alert-held');
    expect(lines.map((entry) => [entry.local, entry.label])).toEqual([
      ['2026-11-23 12:50 CET', 'silenced'],
      ['2026-11-23 13:50 CET', 'alert held'],
      ['2026-11-23 16:05 CET', 'alert held'],
    ]);
  });

  it("holds back web's failed deployment while its placement failure fires (the no-room inhibition rule); the placement failure alerts once and resolves", () => {
    const web = report.alerts.filter((alert) => alert.groupKey.startsWith('web-prod|service:web|'));
    expect(web.map((alert) => [alert.local, alert.status, alert.groupKey])).toEqual([
      ['2026-11-23 16:00 CET', 'firing', 'web-prod|service:web|placement-failure'],
      ['2026-11-23 16:10 CET', 'resolved', 'web-prod|service:web|placement-failure'],
    ]);
    const inhibited = report.heldAlerts.filter((held) => held.hold.kind === 'inhibited');
    expect(inhibited.map((held) => [held.local, held.groupKey, held.hold])).toEqual([
      [
        '2026-11-23 16:05 CET',
        'web-prod|service:web|deployment-failed',
        { kind: 'inhibited', by: 'web-prod|service:web|placement-failure', rule: 'no-room' },
      ],
    ]);
  });

  it('skips every other inventory-import firing while the 2h30m import still runs', () => {
    expect(runsOf(report, 'inventory-import').map((run) => run.status)).toEqual(Array(6).fill(['succeeded', 'skipped']).flat());
  });

  it('stops staging-api in the evening and restores it in the morning, and raises the bounds of web in business hours, in Berlin time', () => {
    const scaling = report.timeline.filter((entry) => entry.what.startsWith('service-') && entry.what !== 'service-event');
    expect(scaling.map((entry) => [entry.local, entry.subject, entry.label, entry.detail])).toEqual([
      [
        '2026-11-23 00:00 CET',
        'staging-api',
        'scaled',
        'desired 2 → 0 (nights: stop, as its schedules left it before the window); baseline remembered',
      ],
      ['2026-11-23 07:00 CET', 'staging-api', 'scaled', 'desired 0 → 2 (outside: restore); baseline restored'],
      ['2026-11-23 08:00 CET', 'web', 'scaled', 'bounds 2-8 → 4-20, desired 2 → 4 (business-hours); baseline remembered'],
      // The bounds come back; the count is target tracking's, and 4 lies inside them (moto has no autoscaler to move it).
      [
        '2026-11-23 19:00 CET',
        'web',
        'scaled',
        'bounds 4-20 → 2-8, desired 4 kept: within the bounds, autoscaling moves it (outside: restore); baseline restored',
      ],
      ['2026-11-23 20:00 CET', 'staging-api', 'scaled', 'desired 2 → 0 (nights: stop); baseline remembered'],
    ]);
    expect(scaling.every((entry) => entry.timeZone === 'Europe/Berlin')).toBe(true);

    const scaled = report.events.filter((e) => e['detail-type'] === 'Service Scaled');
    expect(scaled.map((e) => [e.time, e.detail.serviceKey, e.detail.to])).toEqual([
      ['2026-11-22T23:00:00Z', 'staging-api', { desiredCount: 0 }],
      ['2026-11-23T06:00:03Z', 'staging-api', { desiredCount: 2 }],
      ['2026-11-23T07:00:03Z', 'web', { desiredCount: 4, bounds: { min: 4, max: 20 } }],
      ['2026-11-23T18:00:03Z', 'web', { desiredCount: 4, bounds: { min: 2, max: 8 } }],
      ['2026-11-23T19:00:03Z', 'staging-api', { desiredCount: 0 }],
    ]);
    expect(report.events.filter((e) => e['detail-type'].startsWith('Service Scaling'))).toEqual([]);
    expect(report.services).toEqual([
      {
        serviceKey: 'web',
        cluster: 'web-prod',
        timeZone: 'Europe/Berlin',
        changes: 2,
        deferrals: 0,
        failures: 0,
        desiredCount: 4,
        bounds: { min: 2, max: 8 },
      },
      {
        serviceKey: 'staging-api',
        cluster: 'staging',
        timeZone: 'Europe/Berlin',
        changes: 3,
        deferrals: 0,
        failures: 0,
        desiredCount: 0,
        bounds: undefined,
      },
    ]);

    let text = '';
    printSandboxReport(report, { write: (chunk) => (text += chunk) });
    expect(text).toMatch(/^2026-11-23 20:00 CET +staging-api +scaled +desired 2 → 0 \(nights: stop\); baseline remembered$/m);
    expect(text).toMatch(/^web +2 +0 +0 +4 tasks, bounds 2-8$/m);
    expect(text).toMatch(/^staging-api +3 +0 +0 +0 tasks$/m);
  });

  it('prints the alerts in --json with their subject and text', () => {
    let json = '';
    printSandboxReport(report, { json: true, write: (chunk) => (json += chunk) });
    const document = JSON.parse(json) as SandboxReport;

    expect(document.alerts).toHaveLength(report.alerts.length);
    for (const alert of document.alerts) {
      expect(alert.subject).toMatch(/^\[(CRITICAL|WARNING|RESOLVED)\] /);
      expect(alert.text).toContain(`-- ecs-autopilot, alert group ${alert.groupKey}`);
      expect(alert.chatbot?.version).toBe('1.0');
    }
    let text = '';
    printSandboxReport(report, { write: (chunk) => (text += chunk) });
    expect(text).toMatch(/^2026-11-23 21:08 CET +queue-worker +alert sent +\[CRITICAL\] Watched task queue-worker is crash-looping/m);
    expect(text).toMatch(/^queue-worker +6 +5 +since 21:08 CET: 5 restarts within 15m/m);
    expect(text).toMatch(/^alerts: 5 messages would have been sent \(3 firing, 2 resolved\); 2 held back \(1 silenced, 1 inhibited\)/m);
    expect(document.heldAlerts).toHaveLength(2);
  });

  const shopLines = () => report.timeline.filter((entry) => entry.subject === 'shop' || entry.subject === 'shop-5xx');

  it('deploys shop v2 at 10:00: the 1-minute smoke test passes behind the test listener, shop-green takes 10% for the 5m canary, then 100%, and shop-blue is scaled to 0 after the bake and the rollback window', () => {
    const first = report.deployments[0];
    expect(first).toMatchObject({
      app: 'shop',
      id: expect.stringMatching(/^shop-20261123T090000-[0-9a-f]{4}$/),
      local: '2026-11-23 10:00 CET',
      fromService: 'shop-blue',
      toService: 'shop-green',
      taskDefinition: expect.stringMatching(/:task-definition\/shop:2$/),
      images: { app: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/shop:v2' },
      stage: 'succeeded',
      outcome: { status: 'succeeded', reason: 'shop-green takes all the traffic; shop-blue scaled to 0', local: '2026-11-23 10:31 CET' },
    });
    // No customer traffic before the smoke test passed at 10:01.
    expect(first?.weights.map((weight) => [weight.local, weight.newPercent, weight.why])).toEqual([
      ['2026-11-23 10:01 CET', 10, 'step 1 of 2'],
      ['2026-11-23 10:06 CET', 100, 'step 2 of 2'],
    ]);
  });

  it('rolls the 14:00 deployment of v3 back when shop-5xx fires 2 minutes into its canary (after its smoke test): shop-green takes all the traffic again, shop-blue is scaled back to 0, one alert', () => {
    const second = report.deployments[1];
    expect(second).toMatchObject({
      id: expect.stringMatching(/^shop-20261123T130000-[0-9a-f]{4}$/),
      local: '2026-11-23 14:00 CET',
      // Green is live after the first deployment: the second goes to blue.
      fromService: 'shop-green',
      toService: 'shop-blue',
      taskDefinition: expect.stringMatching(/:task-definition\/shop:3$/),
      stage: 'rolled-back',
      outcome: {
        status: 'rolled-back',
        reason: 'alarm shop-5xx entered ALARM (Threshold Crossed: injected by the scenario)',
        local: '2026-11-23 14:03 CET',
      },
    });
    expect(second?.weights.map((weight) => [weight.local, weight.newPercent, weight.why])).toEqual([
      ['2026-11-23 14:01 CET', 10, 'step 1 of 2'],
      ['2026-11-23 14:03 CET', 0, 'rolled back'],
    ]);
    // Read back from moto at the end of the window: the listener's split and the two services.
    expect(report.apps).toEqual([
      {
        app: 'shop',
        colours: [
          { colour: 'blue', service: 'shop-blue', percent: 0, desiredCount: 0, taskDefinition: expect.any(String) },
          { colour: 'green', service: 'shop-green', percent: 100, desiredCount: 2, taskDefinition: expect.stringMatching(/\/shop:2$/) },
        ],
      },
    ]);
    const alerts = report.alerts.filter((alert) => alert.groupKey === 'web-prod|app:shop|deployment-rolled-back');
    expect(alerts.map((alert) => [alert.local, alert.status, alert.subject])).toEqual([
      ['2026-11-23 14:03 CET', 'firing', '[WARNING] Deployment of shop rolled back on web-prod: deployment-rolled-back'],
      ['2026-11-23 14:33 CET', 'resolved', '[RESOLVED] App shop on web-prod: deployment-rolled-back'],
    ]);
    expect(alerts[0]?.text).toContain('Alarm shop-5xx entered ALARM');
    expect(alerts[0]?.text).toContain(second?.id);
  });

  it('shows each deployment event, smoke test and the injected alarm in the timeline, in Berlin time, with the weights of every step', () => {
    expect(shopLines().map((entry) => [entry.local, entry.subject, entry.label])).toEqual([
      ['2026-11-23 10:00 CET', 'shop', 'deploy requested'],
      ['2026-11-23 10:00 CET', 'shop', 'deployment started'],
      ['2026-11-23 10:00 CET', 'shop', 'hook started'],
      ['2026-11-23 10:01 CET', 'shop', 'hook task exited'],
      ['2026-11-23 10:01 CET', 'shop', 'hook passed'],
      ['2026-11-23 10:01 CET', 'shop', 'traffic shifted'],
      ['2026-11-23 10:06 CET', 'shop', 'traffic shifted'],
      ['2026-11-23 10:31 CET', 'shop', 'deployment succeeded'],
      ['2026-11-23 14:00 CET', 'shop', 'deploy requested'],
      ['2026-11-23 14:00 CET', 'shop', 'deployment started'],
      ['2026-11-23 14:00 CET', 'shop', 'hook started'],
      ['2026-11-23 14:01 CET', 'shop', 'hook task exited'],
      ['2026-11-23 14:01 CET', 'shop', 'hook passed'],
      ['2026-11-23 14:01 CET', 'shop', 'traffic shifted'],
      ['2026-11-23 14:03 CET', 'shop-5xx', 'alarm → ALARM'],
      ['2026-11-23 14:03 CET', 'shop', 'rolled back'],
      ['2026-11-23 14:03 CET', 'shop', 'alert sent'],
      ['2026-11-23 14:13 CET', 'shop-5xx', 'alarm → OK'],
      ['2026-11-23 14:33 CET', 'shop', 'alert sent (resolved)'],
    ]);
    expect(shopLines().every((entry) => entry.timeZone === 'Europe/Berlin')).toBe(true);
    expect(
      shopLines()
        .filter((entry) => entry.what === 'deployment-step')
        .map((entry) => entry.detail),
    ).toEqual([
      'shop-blue 90% / shop-green 10% (step 1 of 2, paused)',
      'shop-blue 0% / shop-green 100% (step 2 of 2, baking)',
      'shop-green 90% / shop-blue 10% (step 1 of 2, paused)',
    ]);
    expect(shopLines().find((entry) => entry.what === 'alarm-state')).toMatchObject({ source: 'scenario' });
    expect(shopLines().find((entry) => entry.what === 'deployment-hook')?.detail).toBe(
      'beforeTraffic: task shop-smoke (the test listener on shop-green)',
    );
    expect(report.events.filter((e) => e['detail-type'].startsWith('Deployment')).map((e) => e['detail-type'])).toEqual([
      'Deployment Requested',
      'Deployment Started',
      'Deployment Hook Started',
      'Deployment Hook Passed',
      'Deployment Step Completed',
      'Deployment Step Completed',
      'Deployment Succeeded',
      'Deployment Requested',
      'Deployment Started',
      'Deployment Hook Started',
      'Deployment Hook Passed',
      'Deployment Step Completed',
      'Deployment Rolled Back',
    ]);

    let text = '';
    printSandboxReport(report, { write: (chunk) => (text += chunk) });
    expect(text).toMatch(
      /^2026-11-23 14:03 CET +shop +rolled back +shop-20261123T130000-\w{4}: alarm shop-5xx entered ALARM \(.*\); back to shop-green 100% \/ shop-blue 0%$/m,
    );
    expect(text).toMatch(/^shop +shop-20261123T090000-\w{4} +shop-blue → shop-green +succeeded +0 → 10 → 100%$/m);
    expect(text).toMatch(
      /^shop +shop-20261123T130000-\w{4} +shop-green → shop-blue +rolled back +0 → 10 → 0%: alarm shop-5xx entered ALARM/m,
    );
    expect(text).toMatch(/^shop at the end: shop-green 100% of the traffic, 2 tasks of shop:2; shop-blue 0%, 0 tasks of shop:\d+$/m);
  });

  it('carries the weight history of each deployment in --json', () => {
    let json = '';
    printSandboxReport(report, { json: true, write: (chunk) => (json += chunk) });
    const document = JSON.parse(json) as SandboxReport;

    expect(document.deployments.map((d) => [d.outcome?.status, d.weights.map((weight) => weight.newPercent)])).toEqual([
      ['succeeded', [10, 100]],
      ['rolled-back', [10, 0]],
    ]);
    expect(document.deployments[1]?.weights[1]).toEqual({
      at: '2026-11-23T13:03:00.000Z',
      local: '2026-11-23 14:03 CET',
      newPercent: 0,
      why: 'rolled back',
    });
  });
});

describe('the sandbox stops tasks with any category, as ECS reports them', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-categories-'));
    const config = join(dir, 'automation.yml');
    const scenario = join(dir, 'scenario.yml');
    writeFileSync(
      config,
      [
        'defaults:',
        '  cluster: categories-it',
        '  timezone: Europe/Berlin',
        '  capacityProviders: [FARGATE_SPOT, FARGATE]',
        '  network: { subnets: [subnet-0a1b2c3d4e5f60001], securityGroups: [sg-0a1b2c3d4e5f60001] }',
        'jobs:',
        '  report:',
        '    schedule: cron(0 2 * * ? *)',
        '    taskDefinition: report',
        '    retry: { attempts: 3, backoff: 5m, evaluateOnExit: [{ onCategory: [out-of-memory], action: exit }] }',
        'watchedTasks:',
        '  worker: { taskDefinition: worker, launchType: FARGATE }',
      ].join('\n'),
    );
    writeFileSync(
      scenario,
      [
        'timezone: Europe/Berlin',
        'injections:',
        '  - { kind: task-exits, job: report, after: 10m, category: spot-interruption }',
        '  - { kind: task-exits, job: report, attempt: 2, after: 10m, category: out-of-memory }',
        '  - { kind: watched-task-crashes, watchedTask: worker, at: "01:00", after: 5m, category: spot-interruption }',
        '  - { kind: watched-task-crashes, watchedTask: worker, at: "03:00", after: 1m, category: failed-to-start }',
      ].join('\n'),
    );
    report = await runSandbox({ configFile: config, scenarioFile: scenario, from: FROM, hours: 4 });
  }, 60_000);

  const lines = (subject: string) => report.timeline.filter((entry) => entry.subject === subject).map((e) => [e.local, e.label]);

  it('sends a Spot task its notice two minutes before it stops; the run fails spot-interruption and is retried', () => {
    expect(runsOf(report, 'report')).toMatchObject([
      { attempt: 1, status: 'failed', category: 'spot-interruption', retry: { willRetry: true } },
      { attempt: 2, status: 'failed', category: 'out-of-memory', retry: { willRetry: false } },
    ]);
    expect(lines('report')).toEqual([
      ['2026-11-23 02:00 CET', 'launched'],
      ['2026-11-23 02:08 CET', 'Spot interruption notice'],
      ['2026-11-23 02:10 CET', 'failed → retry'],
      ['2026-11-23 02:15 CET', 'launched'],
      ['2026-11-23 02:25 CET', 'failed'],
      ['2026-11-23 02:25 CET', 'alert sent'],
    ]);
    expect(report.alerts[0]?.subject).toBe('[CRITICAL] Job report failed on categories-it: out-of-memory');
  });

  it('restarts a watched task at its Spot notice, and alerts at once when a task cannot even start', () => {
    expect(lines('worker')).toEqual([
      ['2026-11-23 01:00 CET', 'started by hand'],
      ['2026-11-23 01:03 CET', 'Spot notice → restart now'],
      ['2026-11-23 01:03 CET', 'restarted'],
      ['2026-11-23 01:05 CET', 'stopped, no restart'],
      ['2026-11-23 03:00 CET', 'started by hand'],
      ['2026-11-23 03:01 CET', 'stopped → restart in 10s'],
      ['2026-11-23 03:01 CET', 'restarted'],
      ['2026-11-23 03:01 CET', 'alert sent'],
      ['2026-11-23 03:31 CET', 'alert sent (resolved)'],
    ]);
    expect(report.timeline.find((e) => e.subject === 'worker' && e.label === 'stopped → restart in 10s')?.detail).toMatch(
      /^task \w{6} \(failed-to-start\): "CannotPullContainerError: .*busybox:latest: not found" \(stop code TaskFailedToStart\); restart at 03:01:10$/,
    );
    expect(report.watchedTasks).toEqual([{ watchedTask: 'worker', cluster: 'categories-it', stops: 2, restarts: 2, paused: undefined }]);
    expect(report.notes).toEqual([]);
  });
});

describe('the sandbox rehearses a 30-minute capacity outage', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-outage-'));
    const config = join(dir, 'automation.yml');
    const scenario = join(dir, 'scenario.yml');
    writeFileSync(
      config,
      [
        'defaults:',
        '  cluster: outage-it',
        '  timezone: Europe/Berlin',
        '  capacityProviders: [FARGATE_SPOT, FARGATE]',
        '  network: { subnets: [subnet-0a1b2c3d4e5f60001], securityGroups: [sg-0a1b2c3d4e5f60001] }',
        '  launchRetry: { attempts: 1, backoff: 10s, maxBackoff: 2m }',
        'jobs:',
        '  waiter: { schedule: cron(0 2 * * ? *), taskDefinition: report, waitForCapacity: 45m }',
        '  retrier: { schedule: cron(0 2 * * ? *), taskDefinition: report, retry: { attempts: 2, backoff: 40m } }',
      ].join('\n'),
    );
    writeFileSync(
      scenario,
      [
        'timezone: Europe/Berlin',
        'injections:',
        '  - { kind: capacity-outage, capacityProvider: FARGATE_SPOT, at: "02:00", until: "02:30" }',
        '  - { kind: capacity-outage, capacityProvider: FARGATE, at: "02:00", until: "02:30" }',
        '  - { kind: task-exits, job: waiter, after: 5m, category: completed }',
        '  - { kind: task-exits, job: retrier, attempt: 2, after: 5m, category: completed }',
      ].join('\n'),
    );
    report = await runSandbox({ configFile: config, scenarioFile: scenario, from: FROM, hours: 3 });
  }, 60_000);

  const lines = (subject: string) => report.timeline.filter((entry) => entry.subject === subject).map((e) => [e.local, e.label]);

  it('keeps the waitForCapacity job waiting, announced once, and launches it once capacity returns', () => {
    expect(runsOf(report, 'waiter')).toMatchObject([{ attempt: 1, status: 'succeeded' }]);
    expect(lines('waiter')).toEqual([
      ['2026-11-23 02:00 CET', 'waiting-for-capacity'],
      ['2026-11-23 02:30 CET', 'launched'],
      ['2026-11-23 02:35 CET', 'succeeded'],
    ]);
    expect(report.alerts).toEqual([]);
  });

  it("retries the other job's capacity failure by its retry policy, after its back-off", () => {
    expect(runsOf(report, 'retrier')).toMatchObject([
      { attempt: 1, status: 'failed', category: 'capacity', retry: { willRetry: true } },
      { attempt: 2, status: 'succeeded' },
    ]);
    expect(lines('retrier')).toEqual([
      ['2026-11-23 02:00 CET', 'failed → retry'],
      ['2026-11-23 02:40 CET', 'launched'],
      ['2026-11-23 02:45 CET', 'succeeded'],
    ]);
    expect(lines('FARGATE')).toEqual([
      ['2026-11-23 02:00 CET', 'capacity outage injected'],
      ['2026-11-23 02:30 CET', 'capacity outage over'],
    ]);
    expect(report.notes).toEqual([]);
  });
});

describe('the sandbox against an emulator that is already running', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it('refuses, before touching the emulator, scenario injections that need the moto bridge', async () => {
    const refusal = runSandbox({ configFile: CONFIG, scenarioFile: SCENARIO, endpoint: 'http://127.0.0.1:9' });

    await expect(refusal).rejects.toThrow(ScenarioError);
    await expect(refusal).rejects.toThrow(
      /injections\.0 \(capacity-outage\) needs the moto ECS bridge, which the emulator at http:\/\/127\.0\.0\.1:9 does not have/,
    );
  });

  it('tells moto with the bridge from moto alone by asking, changing nothing', async () => {
    expect(await probeEmulator(emulator.endpoint)).toBe('moto-with-bridge');
  });

  it('runs the schedules with stand-in network ids, again and again on the same emulator', async () => {
    const options = { configFile: CONFIG, endpoint: emulator.endpoint, from: FROM, hours: 4 };
    for (const report of [await runSandbox(options), await runSandbox(options)]) {
      expect(report.emulator).toEqual({ endpoint: emulator.endpoint, bridged: false });
      expect(runsOf(report, 'nightly-report').map((run) => run.status)).toEqual(['launched']);
      expect(report.notes.join('\n')).toMatch(/ran with stand-ins: subnet-0a1b2c3d4e5f60001 → subnet-\w+, sg-0a1b2c3d4e5f60001 → sg-\w+/);
    }
  });
});

describe('the sandbox: a job failing every hour, then succeeding (issue 13)', () => {
  let report: SandboxReport;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-hourly-failures-'));
    const config = join(dir, 'automation.yml');
    const scenario = join(dir, 'scenario.yml');
    writeFileSync(
      config,
      [
        'defaults:',
        '  cluster: hourly-it',
        '  timezone: Europe/Berlin',
        '  capacityProviders: [FARGATE]',
        '  network: { subnets: [subnet-0a1b2c3d4e5f60001], securityGroups: [sg-0a1b2c3d4e5f60001] }',
        'jobs:',
        '  sync:',
        '    schedule: cron(0 * * * ? *)',
        '    taskDefinition: sync',
      ].join('\n'),
    );
    writeFileSync(
      scenario,
      [
        'timezone: Europe/Berlin',
        'injections:',
        '  - { kind: task-exits, job: sync, everyRun: true, after: 4m, exitCode: 1 }',
        '  - { kind: task-exits, job: sync, scheduledAt: "23:00", after: 4m, exitCode: 0 }',
      ].join('\n'),
    );
    report = await runSandbox({ configFile: config, scenarioFile: scenario, from: FROM, hours: 24 });
  }, 120_000);

  it('sends at most 1 + 24h / repeatInterval messages (the default 4h), and one resolved at the first success', () => {
    const statuses = runsOf(report, 'sync').map((run) => run.status);
    expect(statuses).toEqual([...Array(23).fill('failed'), 'succeeded']);
    const alerts = report.alerts.filter((alert) => alert.groupKey === 'hourly-it|job:sync|job-failing');
    expect(alerts.length).toBeLessThanOrEqual(1 + 24 / 4);
    expect(alerts.filter((alert) => alert.status === 'resolved').map((alert) => alert.local)).toEqual(['2026-11-23 23:04 CET']);
    expect(alerts.at(-1)?.status).toBe('resolved');
    console.info(`sandbox, sync failing hourly: ${alerts.map((alert) => `${alert.local} ${alert.status}`).join('; ')}`);
  });
});
