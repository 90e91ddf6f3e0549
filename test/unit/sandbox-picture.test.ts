/**
 * The picture of the day from a small report written by hand: which lanes, bars, marks, lines and steps
 * it is made of, the close-ups it picks, its time axis, and that it is self-contained, escaped HTML; and
 * the CLI's --html option up to the run (a path that cannot be written fails before any simulated day).
 * test/browser/picture.test.ts renders the picture of a real sandbox run in Chromium.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { closeUpsOf, type Lane, pictureLanes, renderPicture } from '../../sandbox/picture.ts';
import type { JobSummary, RunSummary, SandboxReport, TimelineEntry } from '../../sandbox/timeline.ts';
import { runCli } from '../helpers/cli.ts';

const ZONE = 'Europe/Berlin';
/** `02:10` or `21:00:30` on Monday 2026-11-23 in Berlin (CET, UTC+1), as ISO UTC. */
const at = (local: string) => new Date(`2026-11-23T${local.length === 5 ? `${local}:00` : local}+01:00`).toISOString();
const TASK = (id: string) => `arn:aws:ecs:eu-central-1:123456789012:task/batch/${id}0000000000000000000000000000`;

function entry(
  local: string,
  subject: string,
  what: TimelineEntry['what'],
  label: string,
  extra: Partial<TimelineEntry> = {},
): TimelineEntry {
  return {
    time: at(local),
    local: `2026-11-23 ${local.slice(0, 5)} CET`,
    timeZone: ZONE,
    subject,
    what,
    label,
    detail: `${label} detail`,
    source: 'bus',
    ...extra,
  };
}

const run = (fields: Partial<RunSummary> & Pick<RunSummary, 'status' | 'taskArns'>): RunSummary => ({
  scheduledTime: at('02:00'),
  attempt: 1,
  reason: undefined,
  category: undefined,
  retry: undefined,
  capacityProvider: 'FARGATE',
  launchedAt: undefined,
  endedAt: undefined,
  ...fields,
});

const job = (name: string, runs: RunSummary[], counts: Partial<JobSummary> = {}): JobSummary => ({
  job: name,
  schedule: 'rate(1 hour)',
  timeZone: ZONE,
  suspended: false,
  firings: runs.length,
  launched: runs.filter((r) => r.launchedAt).length,
  retries: 0,
  skipped: 0,
  missed: 0,
  failed: 0,
  timedOut: 0,
  replaced: 0,
  succeeded: 0,
  open: 0,
  runs,
  ...counts,
});

const nightly = 'nightly-report';
const hourly = 'hourly-sync';
const scaled = (local: string, from: object, to: object) => ({
  'detail-type': 'Service Scaled',
  source: 'ecs-autopilot',
  time: at(local),
  resources: [],
  detail: { serviceKey: 'web', service: 'web', cluster: 'web-prod', from, to, why: {}, baseline: 'remembered' },
});

const REPORT: SandboxReport = {
  // Cast: the window may carry more than the picture reads.
  window: {
    from: at('00:00'),
    to: '2026-11-23T23:00:00.000Z',
    hours: 24,
    timeZone: ZONE,
    localFrom: '2026-11-23 00:00 CET',
    localTo: '2026-11-24 00:00 CET',
  } as SandboxReport['window'],
  configFile: 'automation.yml',
  scenario: { file: 'demo.yml', description: 'A day.' },
  emulator: { endpoint: 'http://127.0.0.1:5000', bridged: true },
  timeline: [
    entry('02:00', 'FARGATE_SPOT', 'capacity-outage', 'capacity outage injected', { source: 'scenario' }),
    entry('02:00', nightly, 'launched', 'launched', { job: nightly, taskArns: [TASK('a1')] }),
    entry('02:10', nightly, 'failed', 'failed → retry', { job: nightly, taskArns: [TASK('a1')] }),
    entry('02:15', nightly, 'launched', 'launched', { job: nightly, taskArns: [TASK('a2')] }),
    entry('02:35', nightly, 'succeeded', 'succeeded', { job: nightly, taskArns: [TASK('a2')] }),
    entry('03:00', nightly, 'skipped', 'skipped', { job: nightly }),
    entry('06:20', hourly, 'missed', 'missed', { job: hourly }),
    entry('08:00', 'web', 'service-scaled', 'scaled'),
    entry('10:00', 'shop', 'deployment-requested', 'deploy requested'),
    entry('10:00', 'shop', 'deployment-started', 'deployment started'),
    entry('10:00', 'shop', 'deployment-step', 'traffic shifted'),
    entry('10:05', 'shop', 'deployment-step', 'traffic shifted'),
    entry('10:30', 'shop', 'deployment-succeeded', 'deployment succeeded'),
    entry('13:00', hourly, 'launched', 'launched', { job: hourly, taskArns: [TASK('b1')] }),
    entry('13:50', hourly, 'timed-out', 'timed-out', { job: hourly, taskArns: [TASK('b1')] }),
    entry('13:50', hourly, 'alert-sent', 'alert sent', { detail: '[CRITICAL] Job hourly-sync timed out', source: 'alert-topic' }),
    entry('14:20', hourly, 'alert-sent', 'alert sent (resolved)', { detail: '[RESOLVED] Job hourly-sync', source: 'alert-topic' }),
    entry('19:00', 'web', 'service-scaled', 'scaled'),
    entry('21:00', 'queue-worker', 'watched-task-started', 'started by hand', { taskArns: [TASK('c1')], source: 'scenario' }),
    entry('21:00:30', 'queue-worker', 'watched-task-stopped', 'stopped → restart in 10s', { taskArns: [TASK('c1')] }),
    entry('21:00:40', 'queue-worker', 'watched-task-restarted', 'restarted', { taskArns: [TASK('c2')] }),
    entry('21:01:10', 'queue-worker', 'watched-task-stopped', 'stopped, not restarted', { taskArns: [TASK('c2')] }),
    entry('21:01:10', 'queue-worker', 'crash-loop', 'crash loop detected'),
    entry('21:01:40', 'queue-worker', 'alert-sent', 'alert sent', {
      detail: '[CRITICAL] queue-worker is crash-looping',
      source: 'alert-topic',
    }),
    entry('23:00', hourly, 'launched', 'launched', { job: hourly, taskArns: [TASK('b2')] }),
  ],
  summary: [
    job(
      nightly,
      [
        run({
          status: 'failed',
          taskArns: [TASK('a1')],
          launchedAt: at('02:00'),
          endedAt: at('02:10'),
          retry: { willRetry: true, nextAttempt: 2, retryAt: at('02:15'), because: 'retry' },
        }),
        run({ status: 'succeeded', attempt: 2, taskArns: [TASK('a2')], launchedAt: at('02:15'), endedAt: at('02:35') }),
        run({ status: 'skipped', scheduledTime: at('03:00'), taskArns: [], endedAt: at('03:00') }),
      ],
      { retries: 1, succeeded: 1, skipped: 1 },
    ),
    job(
      hourly,
      [
        run({ status: 'missed', scheduledTime: at('06:00'), taskArns: [], endedAt: at('06:20') }),
        run({ status: 'timed-out', scheduledTime: at('13:00'), taskArns: [TASK('b1')], launchedAt: at('13:00'), endedAt: at('13:50') }),
        run({ status: 'launched', scheduledTime: at('23:00'), taskArns: [TASK('b2')], launchedAt: at('23:00') }),
      ],
      { missed: 1, timedOut: 1, open: 1 },
    ),
  ],
  watchedTasks: [
    {
      watchedTask: 'queue-worker',
      cluster: 'batch',
      stops: 2,
      restarts: 1,
      paused: { at: at('21:01:10'), local: '2026-11-23 21:01 CET', reason: '1 restart within 15m' },
    },
  ],
  services: [
    {
      serviceKey: 'web',
      cluster: 'web-prod',
      timeZone: ZONE,
      changes: 2,
      deferrals: 0,
      failures: 0,
      desiredCount: 2,
      bounds: { min: 2, max: 8 },
    },
  ],
  deployments: [
    {
      app: 'shop',
      id: 'shop-1',
      requestedAt: at('10:00'),
      local: '2026-11-23 10:00 CET',
      fromService: 'shop-blue',
      toService: 'shop-green',
      taskDefinition: undefined,
      images: undefined,
      stage: 'succeeded',
      outcome: { status: 'succeeded', reason: 'done', at: at('10:30'), local: '2026-11-23 10:30 CET' },
      weights: [
        { at: at('10:00'), local: '2026-11-23 10:00 CET', newPercent: 10, why: 'step 1 of 2' },
        { at: at('10:05'), local: '2026-11-23 10:05 CET', newPercent: 100, why: 'step 2 of 2' },
      ],
    },
  ],
  apps: [
    {
      app: 'shop',
      colours: [
        { colour: 'blue', service: 'shop-blue', percent: 0, desiredCount: 0, taskDefinition: undefined },
        { colour: 'green', service: 'shop-green', percent: 100, desiredCount: 2, taskDefinition: undefined },
      ],
    },
  ],
  heldAlerts: [],
  alerts: [
    {
      time: at('13:50'),
      local: '2026-11-23 13:50 CET',
      status: 'firing',
      groupKey: 'batch|job:hourly-sync|timeout',
      subject: '[CRITICAL] Job hourly-sync timed out',
      text: '',
      chatbot: undefined,
    },
    {
      time: at('14:20'),
      local: '2026-11-23 14:20 CET',
      status: 'resolved',
      groupKey: 'batch|job:hourly-sync|timeout',
      subject: '[RESOLVED] Job hourly-sync',
      text: '',
      chatbot: undefined,
    },
    {
      time: at('21:01:40'),
      local: '2026-11-23 21:01 CET',
      status: 'firing',
      groupKey: 'batch|watched-task:queue-worker|crash-loop',
      subject: '[CRITICAL] queue-worker is crash-looping',
      text: '',
      chatbot: undefined,
    },
  ],
  events: [
    scaled('08:00', { desiredCount: 2, bounds: { min: 2, max: 8 } }, { desiredCount: 4, bounds: { min: 4, max: 20 } }),
    scaled('19:00', { desiredCount: 4, bounds: { min: 4, max: 20 } }, { desiredCount: 2, bounds: { min: 2, max: 8 } }),
  ],
  notes: [],
  realSeconds: 12.3,
};

const lanes = pictureLanes(REPORT);
const laneOf = (kind: Lane['kind'], name: string) => {
  const lane = lanes.find((candidate) => candidate.kind === kind && candidate.name === name);
  if (!lane) throw new Error(`no ${kind} lane ${name}`);
  return lane;
};
const lineOf = (e: TimelineEntry) => `${e.local}  ${e.subject}  ${e.label}  ${e.detail}`;
const timelineLine = (local: string, label: string) => {
  const found = REPORT.timeline.find((e) => e.local.endsWith(`${local} CET`) && e.label === label);
  if (!found) throw new Error(`no line ${local} ${label}`);
  return lineOf(found);
};
const ms = (local: string) => Date.parse(at(local));

describe('the lanes of the picture', () => {
  it('has one lane per job, watched task, service and app, in that order, then one per other subject of the timeline', () => {
    expect(lanes.map((lane) => [lane.kind, lane.name, lane.note])).toEqual([
      ['job', nightly, '2 runs, 1 retried, 1 skipped'],
      ['job', hourly, '2 runs, 1 timed out, 1 missed, 1 open'],
      ['watched-task', 'queue-worker', '2 stops, 1 restart, paused'],
      ['service', 'web', '2 changes'],
      ['app', 'shop', '1 succeeded'],
      ['other', 'FARGATE_SPOT', 'capacity outage injected'],
    ]);
  });

  it('draws each launched run as a bar from launch to end, coloured by outcome, titled with its timeline lines, and joins a failed attempt to its retry', () => {
    const lane = laneOf('job', nightly);
    expect(lane.bars.map((bar) => [bar.look, bar.from, bar.to, bar.open])).toEqual([
      ['retried', ms('02:00'), ms('02:10'), false],
      ['succeeded', ms('02:15'), ms('02:35'), false],
    ]);
    expect(lane.bars[0]?.title).toBe(`${timelineLine('02:00', 'launched')}\n${timelineLine('02:10', 'failed → retry')}`);
    expect(lane.retries.map((link) => [link.from, link.to])).toEqual([[ms('02:10'), ms('02:15')]]);
    expect(lane.marks.map((mark) => [mark.look, mark.title])).toEqual([['skipped', timelineLine('03:00', 'skipped')]]);
  });

  it('draws a run still going at the end of the window as an open bar to the end, and a timed-out run in its own colour', () => {
    const lane = laneOf('job', hourly);
    expect(lane.bars.map((bar) => [bar.look, bar.from, bar.to, bar.open])).toEqual([
      ['timed-out', ms('13:00'), ms('13:50'), false],
      ['running', ms('23:00'), Date.parse(REPORT.window.to), true],
    ]);
  });

  it('puts each alert in the lane of its subject as a firing or resolved marker, titled with its timeline line', () => {
    expect(laneOf('job', hourly).marks.map((mark) => [mark.look, mark.title])).toEqual([
      ['missed', timelineLine('06:20', 'missed')],
      ['alert firing', timelineLine('13:50', 'alert sent')],
      ['alert resolved', timelineLine('14:20', 'alert sent (resolved)')],
    ]);
    expect(laneOf('watched-task', 'queue-worker').marks.filter((mark) => mark.look.startsWith('alert'))).toHaveLength(1);
  });

  it('draws a watched task as a bar per task from its start to its stop, with its starts, stops and restarts, and the pause from the crash loop on', () => {
    const lane = laneOf('watched-task', 'queue-worker');
    expect(lane.bars.map((bar) => [bar.from, bar.to])).toEqual([
      [ms('21:00'), ms('21:00:30')],
      [ms('21:00:40'), ms('21:01:10')],
    ]);
    expect(lane.marks.map((mark) => mark.look)).toEqual(['started', 'stopped', 'restarted', 'stopped', 'crash-loop', 'alert firing']);
    expect(lane.pauses.map((pause) => [pause.from, pause.to])).toEqual([[ms('21:01:10'), Date.parse(REPORT.window.to)]]);
  });

  it('pauses a watched task from a restart that cannot launch, as from a crash loop, until its resume', () => {
    const report: SandboxReport = {
      ...REPORT,
      timeline: [
        entry('21:00', 'queue-worker', 'watched-task-started', 'started by hand', { taskArns: [TASK('a1')] }),
        entry('21:00:30', 'queue-worker', 'watched-task-stopped', 'stopped → restart now', { taskArns: [TASK('a1')] }),
        entry('21:00:31', 'queue-worker', 'watched-task-restart-failed', 'restart failed, paused'),
        entry('22:00', 'queue-worker', 'watched-task-resumed', 'restarts resumed'),
      ],
    };
    const lane = pictureLanes(report).find((candidate) => candidate.kind === 'watched-task' && candidate.name === 'queue-worker');

    expect(lane?.marks.map((mark) => mark.look).filter((look) => !look.startsWith('alert'))).toEqual([
      'started',
      'stopped',
      'crash-loop',
      'started',
    ]);
    expect(lane?.pauses.map((pause) => [pause.from, pause.to])).toEqual([[ms('21:00:31'), ms('22:00')]]);
  });

  it("draws a service's desired count and bounds from the starting shape through each Service Scaled event", () => {
    expect(laneOf('service', 'web').counts.map((step) => [step.at, step.desiredCount, step.bounds, step.title])).toEqual([
      [ms('00:00'), 2, { min: 2, max: 8 }, undefined],
      [ms('08:00'), 4, { min: 4, max: 20 }, timelineLine('08:00', 'scaled')],
      [ms('19:00'), 2, { min: 2, max: 8 }, timelineLine('19:00', 'scaled')],
    ]);
  });

  it("draws an app's traffic as blue's share, all on the live colour until the first weight step, with one mark for a request and its start", () => {
    const lane = laneOf('app', 'shop');
    expect(lane.traffic?.steps.map((step) => [step.at, step.bluePercent])).toEqual([
      [ms('00:00'), 100],
      [ms('10:00'), 90],
      [ms('10:05'), 0],
    ]);
    expect(lane.marks.map((mark) => mark.look)).toEqual(['deploy', 'deploy-succeeded']);
    expect(lane.marks[0]?.title).toBe(`${timelineLine('10:00', 'deploy requested')}\n${timelineLine('10:00', 'deployment started')}`);
  });

  it('gives a close-up to bursts the day hides (a quick retry, a crash loop, a canary) and none to runs an hour apart', () => {
    const closeUps = closeUpsOf(lanes, { from: ms('00:00'), to: Date.parse(REPORT.window.to) });
    expect(
      closeUps.map((closeUp) => [closeUp.lane.name, new Date(closeUp.from).toISOString(), new Date(closeUp.to).toISOString()]),
    ).toEqual([
      [nightly, at('01:54'), at('03:06')],
      ['queue-worker', at('20:59'), at('21:02:40')],
      ['shop', at('09:57'), at('10:33')],
    ]);
  });
});

describe('the picture as HTML', () => {
  const html = renderPicture(REPORT);

  it('is one self-contained page: no script, no stylesheet, image or font fetched', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|@import|url\((?!#)/i);
  });

  it('escapes every text that comes from the config, the scenario and the events', () => {
    const hostile = '<script>alert("x")</script>&';
    const page = renderPicture({
      ...REPORT,
      scenario: { file: 'demo.yml', description: hostile },
      summary: [job(hostile, [])],
      timeline: [entry('01:00', hostile, 'capacity-outage', hostile)],
    });
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(page).toContain(`data-name="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"`);
  });

  it('shows every bar, mark, step and alert of the lanes, each with its <title>', () => {
    const count = (pattern: RegExp) => html.split('<svg id="day"')[1]?.split('</svg>')[0]?.match(pattern)?.length ?? 0;
    expect(count(/<rect class="run /g)).toBe(4);
    expect(count(/<rect class="task /g)).toBe(2);
    expect(count(/class="retry-link"/g)).toBe(1);
    expect(count(/class="mark restarted"/g)).toBe(1);
    expect(count(/class="mark alert firing"/g)).toBe(2);
    expect(count(/class="mark alert resolved"/g)).toBe(1);
    expect(count(/class="scaling-step"/g)).toBe(2);
    expect(count(/class="weight-step"/g)).toBe(2);
    expect(count(/class="pause"/g)).toBe(1);
    expect(html).toContain(`<title>${timelineLine('03:00', 'skipped')}</title>`);
  });

  it('draws the time axis in the report zone, with the weekday and date, and the hours as the zone shows them', () => {
    const kolkata = renderPicture({
      ...REPORT,
      window: { ...REPORT.window, from: '2026-11-22T18:30:00.000Z', to: '2026-11-23T18:30:00.000Z', timeZone: 'Asia/Kolkata' },
    });
    const day = kolkata.split('<svg id="day"')[1]?.split('</svg>')[0] ?? '';
    const hours = [...day.matchAll(/<text class="hour"[^>]*>([^<]*)</g)].map((match) => match[1]);
    expect(hours).toEqual(['00:00', '02:00', '04:00', '06:00', '08:00', '10:00', '12:00', '14:00', '16:00', '18:00', '20:00', '22:00']);
    expect(day).toMatch(/<text class="date"[^>]*>Monday 2026-11-23</);
    expect(kolkata).toMatch(/<h1>Monday 2026-11-23 <span class="zone">Asia\/Kolkata<\/span><\/h1>/);
  });
});

describe('ecs-autopilot sandbox --html', () => {
  it('is in the help of sandbox', async () => {
    const { code, out } = await runCli('sandbox', '--help');
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/--html FILE +also write a picture of the day/);
  });

  it('fails at once, with exit 1 and the reason, when the file cannot be written', async () => {
    expect(await runCli('sandbox', '--html', '/nonexistent/pictures/day.html')).toEqual({
      code: 1,
      out: [],
      err: ['cannot write the picture to /nonexistent/pictures/day.html: the folder /nonexistent/pictures does not exist'],
    });
    const folder = mkdtempSync(`${tmpdir()}/picture-`);
    expect(await runCli('sandbox', '--json', '--html', folder)).toEqual({
      code: 1,
      out: [],
      err: [`cannot write the picture to ${folder}: it is a folder`],
    });
    rmSync(folder, { recursive: true });
  });
});
