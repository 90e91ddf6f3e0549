import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '../../sandbox/seed.ts';
import {
  type JobSummary,
  outcomeEntry,
  renderSandboxReport,
  renderSandboxReportJson,
  renderSummary,
  renderTimeline,
  type SandboxReport,
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

  it('ignores events that are not about a job run', () => {
    expect(outcomeEntry({ ...jobRunEvent({}), 'detail-type': 'Crash Loop Detected', detail: { service: 'web' } }, job)).toBeUndefined();
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
      'job             firings  launched  skipped  missed  failed  timed-out  replaced  succeeded  open',
      'nightly-report        1         1        0       0       0          0         0          1     0',
      'stock-import         12         1       11       0       0          0         0          0     1',
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
    },
    configFile: 'automation.yml',
    scenario: { file: 'sandbox/scenarios/demo.yml', description: 'A night.' },
    emulator: { endpoint: 'http://127.0.0.1:5000', bridged: true },
    timeline: entries,
    summary: [summary({ open: 1, succeeded: 0 })],
    events: [],
    notes: ['injections.3 (task-exits stock-import) did nothing: a run never launched a task'],
    realSeconds: 4.2,
  };

  it('prints a header, the timeline, the summary and the notes for people', () => {
    const text = renderSandboxReport(report);

    expect(text.split('\n').slice(0, 4)).toEqual([
      'Sandbox: automation.yml with scenario sandbox/scenarios/demo.yml on http://127.0.0.1:5000',
      '  A night.',
      'Simulated 2026-11-23 00:00 CET → 2026-11-24 00:00 CET (24h) in 4.2s',
      '',
    ]);
    expect(text).toContain(renderTimeline(entries).join('\n'));
    expect(text).toContain(renderSummary(report.summary).join('\n'));
    expect(text).toMatch(/^open: runs still recorded as launched/m);
    expect(text.trimEnd().split('\n').at(-1)).toBe('note: injections.3 (task-exits stock-import) did nothing: a run never launched a task');
  });

  it('prints the whole report as one JSON document', () => {
    expect(JSON.parse(renderSandboxReportJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
