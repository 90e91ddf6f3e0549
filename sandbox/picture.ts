/**
 * The picture of the day (`sandbox --html FILE`): the sandbox's report drawn as one self-contained HTML
 * page — inline CSS and SVG, no script, nothing fetched — so it opens from a file, prints, and can be
 * attached to a ticket. One lane per job, watched task, service and app on a time axis in the report's
 * zone; bursts too short to read at the day's scale (a crash loop, a retry, a canary) get a close-up.
 * Every bar and mark carries its timeline line as its SVG <title>, the tooltip a browser shows.
 * Pure: report in, HTML out. Nothing here knows more than the report (`--json`) says.
 */
import { formatDuration } from '../shared/config/duration.ts';
import { wallClockAt } from '../shared/config/time-zone.ts';
import { type Bounds, SCALING_DETAIL_TYPES, type ServiceScaledDetail } from '../shared/events/scaling-events.ts';
import type { AppSummary, DeploymentSummary, JobSummary, RunSummary, SandboxReport, TimelineEntry } from './timeline.ts';

export type LaneKind = 'job' | 'watched-task' | 'service' | 'app' | 'other';

/** Something that lasted: a job's run, or one task of a watched task. */
interface Bar {
  from: number;
  to: number;
  /** Still going when the window ended: drawn to the end of the window. */
  open: boolean;
  look: 'succeeded' | 'failed' | 'retried' | 'timed-out' | 'replaced' | 'running' | 'task';
  title: string;
}

type MarkLook =
  | 'skipped'
  | 'missed'
  | 'delivery'
  | 'started'
  | 'stopped'
  | 'restarted'
  | 'crash-loop'
  | 'alert firing'
  | 'alert resolved'
  | 'alert held'
  | 'deploy'
  | 'deploy-succeeded'
  | 'deploy-rolled-back'
  | 'deploy-failed'
  | 'scaling-problem'
  | 'event';

/** Something that happened at an instant. */
interface Mark {
  at: number;
  look: MarkLook;
  title: string;
}

/** A failed attempt's end joined to its retry's launch. */
interface RetryLink {
  from: number;
  to: number;
  fromBar: Bar;
  toBar: Bar;
}

/** A watched task's restarts paused by its crash-loop budget. */
interface Pause {
  from: number;
  to: number;
  title: string;
}

/** A service's shape from `at` on; the first one is how the window found it. */
interface CountStep {
  at: number;
  desiredCount: number;
  bounds: Bounds | undefined;
  /** The scaling line that made it; undefined for the starting shape. */
  title: string | undefined;
}

/** The share of an app's traffic on its blue colour from `at` on (the rest is on green). */
interface ShareStep {
  at: number;
  bluePercent: number;
  /** The weight change that made it; undefined for the starting weights. */
  title: string | undefined;
}

export interface Lane {
  kind: LaneKind;
  name: string;
  /** The lane's second label line: its day in numbers (`23 runs, 1 timed out`), or what kind of events it has. */
  note: string;
  bars: Bar[];
  marks: Mark[];
  retries: RetryLink[];
  pauses: Pause[];
  counts: CountStep[];
  traffic: { blue: string; green: string; steps: ShareStep[] } | undefined;
}

const KIND_ORDER: LaneKind[] = ['job', 'watched-task', 'service', 'app', 'other'];
const SECTION_TITLES: Record<LaneKind, string> = {
  job: 'Jobs',
  'watched-task': 'Watched tasks',
  service: 'Services',
  app: 'Apps',
  other: 'Other events',
};

/** The job-run lines that the run bars stand for (their titles); every other line of a job is a mark. */
const RUN_LINES = new Set<string>(['launched', 'succeeded', 'failed', 'timed-out', 'replaced']);
const TASK_ENDS = new Set<string>(['watched-task-stopped', 'task-exited', 'task-already-stopped']);

/** `2026-11-23 21:08 CET  queue-worker  crash loop detected  6 stops within 15m…`: the line as the text report prints it. */
function lineOf(entry: TimelineEntry): string {
  return `${entry.local}  ${entry.subject}  ${entry.label}  ${entry.detail}`.trimEnd();
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
const time = (iso: string) => Date.parse(iso);

/** The lanes of the picture, in the order jobs, watched tasks, services, apps, then whatever else the timeline names. */
export function pictureLanes(report: SandboxReport): Lane[] {
  const windowEnd = time(report.window.to);
  const lanes = new Map<string, Lane>();
  const laneFor = (kind: LaneKind, name: string): Lane => {
    const key = `${kind}:${name}`;
    let lane = lanes.get(key);
    if (!lane) {
      lane = { kind, name, note: '', bars: [], marks: [], retries: [], pauses: [], counts: [], traffic: undefined };
      lanes.set(key, lane);
    }
    return lane;
  };
  const watchedTasks = new Set(report.watchedTasks.map((row) => row.watchedTask));
  const routed = new Map<Lane, TimelineEntry[]>();
  for (const row of report.summary) routed.set(laneFor('job', row.job), []);
  for (const row of report.watchedTasks) routed.set(laneFor('watched-task', row.watchedTask), []);
  for (const row of report.services) routed.set(laneFor('service', row.serviceKey), []);
  for (const row of report.apps) routed.set(laneFor('app', row.app), []);
  for (const entry of report.timeline) {
    // Alerts are drawn from report.alerts and report.heldAlerts, which say which lane each belongs to; a
    // silence is about the alerts it matches, shown where it holds one.
    if (entry.what === 'alert-sent' || entry.what === 'alert-held' || entry.what === 'silence') continue;
    const lane = laneFor(laneKindOf(entry, watchedTasks), entry.job ?? entry.subject);
    const entries = routed.get(lane) ?? [];
    entries.push(entry);
    routed.set(lane, entries);
  }

  // Each lane is filled from its lines and from the report's structured facts (runs, summaries, weights, scaling events).
  for (const [lane, entries] of routed) {
    if (lane.kind === 'job')
      fillJob(
        lane,
        entries,
        report.summary.find((row) => row.job === lane.name),
        windowEnd,
      );
    else if (lane.kind === 'watched-task') fillWatchedTask(lane, entries, report, windowEnd);
    else if (lane.kind === 'service') fillService(lane, entries, report);
    else if (lane.kind === 'app') fillApp(lane, entries, report);
    else fillOther(lane, entries);
  }

  for (const held of report.heldAlerts ?? []) {
    const [, kind = 'other', name = held.groupKey] = /^[^|]*\|([^:|]*):([^|]*)\|/.exec(held.groupKey) ?? [];
    laneFor(KIND_ORDER.includes(kind as LaneKind) ? (kind as LaneKind) : 'other', name).marks.push({
      at: time(held.time),
      look: 'alert held',
      title: `${held.local}  alert held: ${held.why}`,
    });
  }

  for (const alert of report.alerts) {
    const [, kind = 'other', name = alert.groupKey] = /^[^|]*\|([^:|]*):([^|]*)\|/.exec(alert.groupKey) ?? [];
    const line = report.timeline.find(
      (entry) => entry.what === 'alert-sent' && entry.time === alert.time && entry.detail === alert.subject,
    );
    laneFor(KIND_ORDER.includes(kind as LaneKind) ? (kind as LaneKind) : 'other', name).marks.push({
      at: time(alert.time),
      look: alert.status === 'firing' ? 'alert firing' : 'alert resolved',
      title: line ? lineOf(line) : `${alert.local}  ${alert.subject}`,
    });
  }

  for (const lane of lanes.values()) lane.marks = mergeSimultaneous(lane.marks);
  return [...lanes.values()].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind));
}

function laneKindOf(entry: TimelineEntry, watchedTasks: Set<string>): LaneKind {
  if (entry.job) return 'job';
  if (entry.what.startsWith('watched-task-')) return 'watched-task';
  if (entry.what.startsWith('service-')) return 'service';
  if (entry.what.startsWith('deployment-') || entry.what in APP_SCENARIO_MARKS) return 'app';
  // A crash loop or a task's stop names a watched task or a service; the scenario's own stops of a watched task name it.
  if (['crash-loop', 'task-exited', 'task-already-stopped', 'spot-notice'].includes(entry.what)) {
    return watchedTasks.has(entry.subject) ? 'watched-task' : entry.what === 'crash-loop' ? 'service' : 'other';
  }
  return 'other';
}

/** Lines at the same instant with the same look are one mark with all their lines (a request and its start). */
function mergeSimultaneous(marks: Mark[]): Mark[] {
  const merged: Mark[] = [];
  for (const mark of [...marks].sort((a, b) => a.at - b.at)) {
    const same = merged.find((other) => other.at === mark.at && other.look === mark.look);
    if (same) same.title = `${same.title}\n${mark.title}`;
    else merged.push({ ...mark });
  }
  return merged;
}

const JOB_MARKS: Record<string, MarkLook> = {
  skipped: 'skipped',
  missed: 'missed',
  'late-delivery': 'delivery',
  'duplicate-delivery': 'delivery',
  'delivery-error': 'delivery',
};

function fillJob(lane: Lane, entries: TimelineEntry[], summary: JobSummary | undefined, windowEnd: number): void {
  if (summary) lane.note = jobNote(summary);
  const byRun = new Map<RunSummary, Bar>();
  for (const run of summary?.runs ?? []) {
    if (!run.launchedAt) continue;
    const firstTask = run.taskArns[0];
    const lines = entries.filter(
      (entry) => firstTask !== undefined && entry.taskArns?.[0] === firstTask && (entry.what === 'launched' || entry.what === run.status),
    );
    const bar: Bar = {
      from: time(run.launchedAt),
      to: run.endedAt ? time(run.endedAt) : windowEnd,
      open: !run.endedAt,
      look: barLookOf(run),
      title: lines.length > 0 ? lines.map(lineOf).join('\n') : `${lane.name}: attempt ${run.attempt} ${run.status}`,
    };
    byRun.set(run, bar);
    lane.bars.push(bar);
  }
  for (const [run, bar] of byRun) {
    const decision = run.retry;
    if (!decision?.willRetry) continue;
    const retry = [...byRun].find(([next]) => next.scheduledTime === run.scheduledTime && next.attempt === decision.nextAttempt);
    if (retry) lane.retries.push({ from: bar.to, to: retry[1].from, fromBar: bar, toBar: retry[1] });
  }
  for (const entry of entries) {
    if (RUN_LINES.has(entry.what)) continue;
    lane.marks.push({ at: time(entry.time), look: JOB_MARKS[entry.what] ?? 'event', title: lineOf(entry) });
  }
}

function barLookOf(run: RunSummary): Bar['look'] {
  switch (run.status) {
    case 'succeeded':
    case 'timed-out':
    case 'replaced':
      return run.status;
    case 'failed':
      return run.retry?.willRetry ? 'retried' : 'failed';
    default:
      return 'running';
  }
}

function jobNote(row: JobSummary): string {
  if (row.suspended) return 'suspended';
  if (row.firings === 0) return 'no firing in the window';
  const counts: Array<[number, string]> = [
    [row.retries, 'retried'],
    [row.failed, 'failed'],
    [row.timedOut, 'timed out'],
    [row.replaced, 'replaced'],
    [row.skipped, 'skipped'],
    [row.missed, 'missed'],
    [row.open, 'open'],
  ];
  return [plural(row.launched, 'run'), ...counts.filter(([count]) => count > 0).map(([count, word]) => `${count} ${word}`)].join(', ');
}

const WATCHED_MARKS: Record<string, MarkLook> = {
  'watched-task-started': 'started',
  'watched-task-stopped': 'stopped',
  'watched-task-restarted': 'restarted',
  'watched-task-resumed': 'started',
  'crash-loop': 'crash-loop',
  'watched-task-restart-failed': 'crash-loop',
};

/** What pauses a watched task's restarts until a resume: a crash loop, or a restart that cannot launch. */
const PAUSES_RESTARTS = new Set(['crash-loop', 'watched-task-restart-failed']);

function fillWatchedTask(lane: Lane, entries: TimelineEntry[], report: SandboxReport, windowEnd: number): void {
  const summary = report.watchedTasks.find((row) => row.watchedTask === lane.name);
  if (summary) {
    lane.note = `${plural(summary.stops, 'stop')}, ${plural(summary.restarts, 'restart')}${summary.paused ? ', paused' : ''}`;
  }
  for (const [index, entry] of entries.entries()) {
    // A Spot notice comes two minutes before its task stops: the task still runs.
    const spotNotice = entry.what === 'watched-task-stopped' && entry.label.startsWith('Spot notice');
    lane.marks.push({ at: time(entry.time), look: spotNotice ? 'event' : (WATCHED_MARKS[entry.what] ?? 'event'), title: lineOf(entry) });
    if (entry.what === 'watched-task-started' || entry.what === 'watched-task-restarted') {
      for (const taskArn of entry.taskArns ?? []) {
        const ends = entries.slice(index + 1).filter((later) => TASK_ENDS.has(later.what) && later.taskArns?.includes(taskArn));
        const end = ends.at(-1);
        lane.bars.push({
          from: time(entry.time),
          to: end ? time(end.time) : windowEnd,
          open: !end,
          look: 'task',
          title: [entry, ...ends].map(lineOf).join('\n'),
        });
      }
    }
    if (PAUSES_RESTARTS.has(entry.what)) {
      const resumed = entries.slice(index + 1).find((later) => later.what === 'watched-task-resumed');
      lane.pauses.push({
        from: time(entry.time),
        to: resumed ? time(resumed.time) : windowEnd,
        title: `restarts paused${resumed ? ` until ${resumed.local}` : ' at the end of the window'}\n${lineOf(entry)}`,
      });
    }
  }
}

function fillService(lane: Lane, entries: TimelineEntry[], report: SandboxReport): void {
  const summary = report.services.find((row) => row.serviceKey === lane.name);
  if (summary) {
    const problems = [summary.deferrals && plural(summary.deferrals, 'deferral'), summary.failures && plural(summary.failures, 'failure')];
    lane.note = [plural(summary.changes, 'change'), ...problems.filter(Boolean)].join(', ');
  }
  const scaled = report.events
    .filter((event) => event['detail-type'] === SCALING_DETAIL_TYPES.scaled && event.detail.serviceKey === lane.name)
    .map((event) => ({ at: time(event.time), detail: event.detail as unknown as ServiceScaledDetail }));
  const first = scaled[0];
  if (first) {
    lane.counts.push({ at: time(report.window.from), ...shape(first.detail.from), title: undefined });
    for (const { at, detail } of scaled) {
      const line = entries.find((entry) => entry.what === 'service-scaled' && time(entry.time) === at);
      lane.counts.push({ at, ...shape(detail.to), title: line ? lineOf(line) : `${lane.name} scaled` });
    }
  } else if (summary?.desiredCount !== undefined) {
    // Nothing changed it: how the window ended is how it was all day.
    lane.counts.push({ at: time(report.window.from), desiredCount: summary.desiredCount, bounds: summary.bounds, title: undefined });
  }
  for (const entry of entries) {
    if (entry.what === 'service-scaled') continue;
    const look: MarkLook = entry.what.startsWith('service-scaling')
      ? 'scaling-problem'
      : entry.what === 'crash-loop'
        ? 'crash-loop'
        : 'stopped';
    lane.marks.push({ at: time(entry.time), look, title: lineOf(entry) });
  }
}

const shape = (service: { desiredCount: number; bounds?: Bounds | undefined }) => ({
  desiredCount: service.desiredCount,
  bounds: service.bounds,
});

/** What else the scenario did (a capacity outage, an alarm's state): marks, and their labels as the lane's note. */
function fillOther(lane: Lane, entries: TimelineEntry[]): void {
  lane.note = [...new Set(entries.map((entry) => entry.label))].join(', ');
  lane.marks.push(...entries.map((entry) => ({ at: time(entry.time), look: 'event' as const, title: lineOf(entry) })));
}

/** What a blue/green scenario does to an app (an operator's command, a metric, a person's change…): a mark in the app's lane. */
const APP_SCENARIO_MARKS: Record<string, MarkLook> = {
  'operator-command': 'event',
  'metric-values': 'event',
  'target-health': 'event',
  'listener-changed': 'event',
  'circuit-breaker': 'event',
  autoscaling: 'event',
};

const DEPLOYMENT_MARKS: Record<string, MarkLook | undefined> = {
  ...APP_SCENARIO_MARKS,
  'deployment-requested': 'deploy',
  'deployment-started': 'deploy',
  'deployment-held': 'deploy',
  'deployment-succeeded': 'deploy-succeeded',
  'deployment-rolled-back': 'deploy-rolled-back',
  'deployment-failed': 'deploy-failed',
  'deployment-rejected': 'deploy-failed',
};

function fillApp(lane: Lane, entries: TimelineEntry[], report: SandboxReport): void {
  const deployments = report.deployments.filter((row) => row.app === lane.name);
  lane.note = appNote(deployments);
  for (const entry of entries) {
    const look = DEPLOYMENT_MARKS[entry.what];
    if (look) lane.marks.push({ at: time(entry.time), look, title: lineOf(entry) });
  }
  const app = report.apps.find((row) => row.app === lane.name);
  if (app) lane.traffic = trafficOf(app, deployments, entries, time(report.window.from));
}

function appNote(deployments: DeploymentSummary[]): string {
  if (deployments.length === 0) return 'no deployment';
  const outcomes = new Map<string, number>();
  for (const row of deployments) {
    const outcome = row.outcome?.status.replace('-', ' ') ?? 'still running';
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  return [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
}

/** Blue's share through the window: all on the first deployment's live colour until its first step, then each weight in turn. */
function trafficOf(app: AppSummary, deployments: DeploymentSummary[], entries: TimelineEntry[], windowStart: number): Lane['traffic'] {
  const blue = app.colours.find((colour) => colour.colour === 'blue');
  const green = app.colours.find((colour) => colour.colour === 'green');
  if (!blue || !green) return undefined;
  const shifted = deployments.filter((row) => row.weights.length > 0 && row.fromService && row.toService);
  const steps: ShareStep[] = [];
  const first = shifted[0];
  if (first) steps.push({ at: windowStart, bluePercent: first.fromService === blue.service ? 100 : 0, title: undefined });
  else if (blue.percent !== undefined) steps.push({ at: windowStart, bluePercent: blue.percent, title: undefined });
  for (const row of shifted) {
    for (const weight of row.weights) {
      const at = time(weight.at);
      const line = entries.find(
        (entry) => time(entry.time) === at && (entry.what === 'deployment-step' || entry.what === 'deployment-rolled-back'),
      );
      steps.push({
        at,
        bluePercent: row.toService === blue.service ? weight.newPercent : 100 - weight.newPercent,
        title: line ? lineOf(line) : `${weight.local}  ${row.app}  ${weight.newPercent}% on ${row.toService} (${weight.why})`,
      });
    }
  }
  return { blue: blue.service, green: green.service, steps };
}

// ——— drawing ———

const PAGE_WIDTH = 1000;
const LABEL_WIDTH = 172;
const PLOT_RIGHT = PAGE_WIDTH - 14;
const AXIS_HEIGHT = 36;
const SECTION_HEIGHT = 20;
const MARK_ROW = 17;
const BAR_ROW = 13;
const BAR_HEIGHT = 11;
const CHART_HEIGHT = 30;
const LANE_PADDING = 6;
const MIN_LANE_HEIGHT = 34;
/** More runs at once than this share the last row: the lane stays readable and the overlap shows. */
const MAX_BAR_ROWS = 3;
const MAX_CLOSE_UPS = 6;
const CLOSE_UP_WIDTH = 486;

interface Scale {
  from: number;
  to: number;
  left: number;
  right: number;
}

/** Points outside the scale (a close-up's neighbours) are not drawn; bars and steps are cut at its ends. */
const inside = (scale: Scale, at: number) => at >= scale.from && at <= scale.to;
const xOf = (scale: Scale, at: number) =>
  scale.left + ((Math.min(Math.max(at, scale.from), scale.to) - scale.from) / (scale.to - scale.from)) * (scale.right - scale.left);
const n = (value: number) => String(Math.round(value * 10) / 10);

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Every text from the config, the scenario and the events goes through here: it is HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}
const title = (text: string) => `<title>${escapeHtml(text)}</title>`;

/** The row of each bar: the first whose last bar has ended, so runs at the same time stack instead of hiding each other. */
function barRows(bars: Bar[]): number[] {
  const rowEnds: number[] = [];
  return bars.map((bar) => {
    let row = rowEnds.findIndex((end) => end <= bar.from);
    if (row === -1) row = rowEnds.length < MAX_BAR_ROWS ? rowEnds.length : MAX_BAR_ROWS - 1;
    rowEnds[row] = Math.max(rowEnds[row] ?? 0, bar.to);
    return row;
  });
}

function laneHeight(lane: Lane): number {
  const rows = lane.bars.length > 0 ? Math.max(...barRows(lane.bars)) + 1 : 0;
  const chart = lane.counts.length > 0 || lane.traffic ? CHART_HEIGHT : 0;
  return Math.max(MIN_LANE_HEIGHT, MARK_ROW + rows * BAR_ROW + chart + LANE_PADDING);
}

/** What a lane shows between `top` and `top + height`, on the scale's stretch of time. */
function drawLane(lane: Lane, scale: Scale, top: number, height: number): string {
  const parts: string[] = [];
  const rows = barRows(lane.bars);
  const rowTop = (row: number) => top + MARK_ROW + row * BAR_ROW;
  for (const pause of lane.pauses) {
    const x = xOf(scale, pause.from);
    const width = xOf(scale, pause.to) - x;
    parts.push(
      `<g class="pause"><rect x="${n(x)}" y="${n(top + 2)}" width="${n(width)}" height="${n(height - 4)}"/>` +
        // Written at its end, clear of the crash that began it; shortened where it is short.
        (width > 40
          ? `<text x="${n(x + width - 5)}" y="${n(top + height - 7)}">${width > 130 ? 'restarts paused' : 'paused'}</text>`
          : '') +
        `${title(pause.title)}</g>`,
    );
  }
  for (const [index, bar] of lane.bars.entries()) {
    const x = xOf(scale, bar.from);
    const width = Math.max(2, xOf(scale, bar.to) - x);
    const kind = lane.kind === 'job' ? 'run' : 'task';
    parts.push(
      `<rect class="${kind} ${bar.look}${bar.open ? ' open' : ''}" x="${n(x)}" y="${n(rowTop(rows[index] ?? 0))}" width="${n(width)}" ` +
        `height="${BAR_HEIGHT}" rx="2">${title(bar.title)}</rect>`,
    );
  }
  for (const link of lane.retries) {
    const y = (bar: Bar) => rowTop(rows[lane.bars.indexOf(bar)] ?? 0) + BAR_HEIGHT / 2;
    parts.push(
      `<path class="retry-link" d="M${n(xOf(scale, link.from))} ${n(y(link.fromBar))} L${n(xOf(scale, link.to))} ${n(y(link.toBar))}">` +
        `${title(`retried ${formatDuration((link.to - link.from) / 1000)} later`)}</path>`,
    );
  }
  const chartTop = top + MARK_ROW + (rows.length > 0 ? (Math.max(...rows) + 1) * BAR_ROW : 0);
  if (lane.counts.length > 0) parts.push(drawCounts(lane.counts, scale, chartTop));
  if (lane.traffic) parts.push(drawTraffic(lane.traffic, scale, chartTop));
  const marks = lane.marks.filter((mark) => inside(scale, mark.at));
  const xs = dodge(marks.map((mark) => xOf(scale, mark.at)));
  for (const [index, mark] of marks.entries()) parts.push(drawMark(mark, xs[index] ?? 0, top + MARK_ROW / 2 + 1));
  return parts.join('');
}

const MARK_SPACING = 10;
const MAX_DODGE = 12;

/** Marks a few pixels apart move right until they no longer cover each other, but never far from their time. */
function dodge(xs: number[]): number[] {
  let previous = Number.NEGATIVE_INFINITY;
  return xs.map((x) => {
    const wanted = previous + MARK_SPACING;
    const placed = x < wanted && wanted - x <= MAX_DODGE ? wanted : x;
    previous = placed;
    return placed;
  });
}

/** Segments of a step series: each step lasts until the next one, the last until the end of the scale. */
function segments<T extends { at: number }>(steps: T[], scale: Scale): Array<{ step: T; from: number; to: number }> {
  return steps.map((step, index) => ({ step, from: xOf(scale, step.at), to: xOf(scale, steps[index + 1]?.at ?? scale.to) }));
}

/** A task-count step line over the bounds band, labelled where it changes (when the label has room). */
function drawCounts(counts: CountStep[], scale: Scale, top: number): string {
  const highest = Math.max(1, ...counts.map((step) => Math.max(step.desiredCount, step.bounds?.max ?? 0)));
  const bottom = top + CHART_HEIGHT - 3;
  const y = (count: number) => bottom - (count / highest) * (CHART_HEIGHT - 12);
  const parts = segments(counts, scale);
  const bands = parts
    .filter(({ step }) => step.bounds)
    .map(
      ({ step, from, to }) =>
        `<rect class="bounds" x="${n(from)}" y="${n(y(step.bounds?.max ?? 0))}" width="${n(to - from)}" ` +
        `height="${n(y(step.bounds?.min ?? 0) - y(step.bounds?.max ?? 0))}"><title>bounds ${step.bounds?.min}-${step.bounds?.max}</title></rect>`,
    );
  const path = parts
    .map(({ step, from, to }, index) => `${index === 0 ? 'M' : 'L'}${n(from)} ${n(y(step.desiredCount))} H${n(to)}`)
    .join(' ');
  const changes = parts
    .filter(({ step }) => step.title !== undefined && inside(scale, step.at))
    .map(
      ({ step, from }) =>
        `<g class="scaling-step"><circle cx="${n(from)}" cy="${n(y(step.desiredCount))}" r="3"/>${title(step.title ?? '')}</g>`,
    );
  // A number only inside its own segment: a step soon followed by another keeps it in its tooltip.
  const labels = parts.flatMap(({ step, from, to }) => {
    const text = `${step.desiredCount}${step.bounds ? ` (${step.bounds.min}–${step.bounds.max})` : ''}`;
    return to - from >= text.length * 5.6 + 8
      ? [`<text class="count-label" x="${n(from + 5)}" y="${n(y(step.desiredCount) - 3)}">${escapeHtml(text)}</text>`]
      : [];
  });
  return `<g class="counts">${bands.join('')}<path class="count-line" d="${path}"/>${changes.join('')}${labels.join('')}</g>`;
}

/** Blue's share as an area on green's, with a dot at each weight change and the weights written where there is room. */
function drawTraffic(traffic: NonNullable<Lane['traffic']>, scale: Scale, top: number): string {
  const bottom = top + CHART_HEIGHT - 3;
  const height = CHART_HEIGHT - 6;
  const y = (bluePercent: number) => bottom - (bluePercent / 100) * height;
  const parts = segments(traffic.steps, scale);
  const first = parts[0];
  if (!first) return '';
  const blueArea = `M${n(first.from)} ${n(bottom)} ${parts.map(({ step, from, to }) => `L${n(from)} ${n(y(step.bluePercent))} H${n(to)}`).join(' ')} V${n(bottom)} Z`;
  const edge = parts
    .map(({ step, from, to }, index) => `${index === 0 ? 'M' : 'L'}${n(from)} ${n(y(step.bluePercent))} H${n(to)}`)
    .join(' ');
  const steps = parts
    .filter(({ step }) => step.title !== undefined && inside(scale, step.at))
    .map(
      ({ step, from }) =>
        `<g class="weight-step"><circle cx="${n(from)}" cy="${n(y(step.bluePercent))}" r="3"/>${title(step.title ?? '')}</g>`,
    );
  const labels = parts.flatMap(({ step, from, to }) => {
    const shares = [
      { service: traffic.blue, colour: 'blue', percent: step.bluePercent },
      { service: traffic.green, colour: 'green', percent: 100 - step.bluePercent },
    ].filter((share) => share.percent > 0);
    const minority = shares.reduce((a, b) => (b.percent < a.percent ? b : a));
    // Both services where there is room, else both colours, else the smaller share (or the only colour) alone.
    const text = [
      shares.map((share) => `${share.service} ${share.percent}%`).join(' · '),
      shares.map((share) => `${share.colour} ${share.percent}%`).join(' · '),
      ...(shares.length > 1 ? [`${minority.colour} ${minority.percent}%`, `${minority.percent}%`] : [minority.colour]),
    ].find((candidate) => to - from > candidate.length * 5.8 + 8);
    return text ? [`<text class="traffic-label" x="${n(from + 4)}" y="${n(top + CHART_HEIGHT / 2 + 2)}">${escapeHtml(text)}</text>`] : [];
  });
  return (
    `<g class="traffic"><rect class="green-share" x="${n(first.from)}" y="${n(bottom - height)}" width="${n(scale.right - first.from)}" height="${n(height)}"/>` +
    `<path class="blue-share" d="${blueArea}"/><path class="share-edge" d="${edge}"/>${steps.join('')}${labels.join('')}</g>`
  );
}

/** One glyph per look, centred on (x, y), about 9px across. */
function drawMark(mark: Mark, x: number, y: number): string {
  const glyph = (() => {
    switch (mark.look) {
      case 'skipped':
        return `<circle cx="${n(x)}" cy="${n(y)}" r="3.5"/>`;
      case 'missed':
        return `<path d="M${n(x)} ${n(y - 5)} L${n(x + 5)} ${n(y)} L${n(x)} ${n(y + 5)} L${n(x - 5)} ${n(y)} Z"/>`;
      case 'delivery':
        return `<path d="M${n(x - 4)} ${n(y - 3)} H${n(x + 4)} L${n(x)} ${n(y + 4)} Z"/>`;
      case 'started':
      case 'deploy':
        return `<path d="M${n(x - 3)} ${n(y - 5)} L${n(x + 5)} ${n(y)} L${n(x - 3)} ${n(y + 5)} Z"/>`;
      case 'stopped':
        return `<path d="M${n(x - 3.5)} ${n(y - 3.5)} L${n(x + 3.5)} ${n(y + 3.5)} M${n(x + 3.5)} ${n(y - 3.5)} L${n(x - 3.5)} ${n(y + 3.5)}"/>`;
      case 'restarted':
        return `<circle cx="${n(x)}" cy="${n(y)}" r="3.5"/>`;
      case 'crash-loop': {
        const points = Array.from({ length: 8 }, (_, i) => {
          const angle = Math.PI / 8 + (i * Math.PI) / 4;
          return `${n(x + 5.5 * Math.cos(angle))},${n(y + 5.5 * Math.sin(angle))}`;
        });
        return `<polygon points="${points.join(' ')}"/>`;
      }
      case 'alert firing':
      case 'alert resolved':
      case 'alert held':
        return `<path d="M${n(x)} ${n(y - 5.5)} L${n(x + 5.5)} ${n(y + 4.5)} H${n(x - 5.5)} Z"/>`;
      case 'deploy-succeeded':
      case 'deploy-rolled-back':
        return `<circle cx="${n(x)}" cy="${n(y)}" r="4.5"/>`;
      case 'deploy-failed':
      case 'scaling-problem':
        return `<rect x="${n(x - 4)}" y="${n(y - 4)}" width="8" height="8"/>`;
      case 'event':
        return `<circle cx="${n(x)}" cy="${n(y)}" r="3"/>`;
    }
  })();
  return `<g class="mark ${mark.look}">${glyph}${title(mark.title)}</g>`;
}

/** Instants on the scale where the local clock reads a multiple of `minutes` (hours when 60 or more). */
function localTicks(scale: Scale, timeZone: string, minutes: number): number[] {
  const ticks: number[] = [];
  // Zones are offset from UTC by whole quarter hours: local round times fall on UTC quarter hours (minutes under an hour).
  const step = (minutes < 15 ? 1 : 15) * 60_000;
  for (let at = Math.ceil(scale.from / step) * step; at <= scale.to; at += step) {
    const wall = wallClockAt(new Date(at), timeZone);
    const ofDay = wall.hour * 60 + wall.minute;
    if (wall.second === 0 && ofDay % minutes === 0) ticks.push(at);
  }
  return ticks;
}

const clock = (at: number, timeZone: string) => {
  const wall = wallClockAt(new Date(at), timeZone);
  return `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`;
};

/** The first step (in minutes) whose ticks are at least `room` pixels apart; undefined when none is. */
function tickStep(scale: Scale, candidates: number[], room: number): number | undefined {
  const pixelsPerMinute = (scale.right - scale.left) / ((scale.to - scale.from) / 60_000);
  return candidates.find((minutes) => minutes * pixelsPerMinute >= room);
}

const DATE_LABEL_WIDTH = 120;

/** Grid lines across the lanes, time labels on top, and the date over each local midnight: as many as have room. */
function drawAxis(scale: Scale, timeZone: string, top: number, bottom: number, closeUp: boolean): string {
  const steps = closeUp ? [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720] : [60, 120, 180, 360, 720, 1440];
  const labelled = tickStep(scale, steps, 44);
  const gridStep = closeUp ? labelled : tickStep(scale, steps, 6);
  const parts: string[] = [];
  for (const at of gridStep ? localTicks(scale, timeZone, gridStep) : []) {
    const x = n(xOf(scale, at));
    const midnight = clock(at, timeZone) === '00:00';
    parts.push(`<line class="grid${midnight && !closeUp ? ' midnight' : ''}" x1="${x}" y1="${top - 4}" x2="${x}" y2="${bottom}"/>`);
  }
  for (const at of labelled ? localTicks(scale, timeZone, labelled) : []) {
    const x = xOf(scale, at);
    // A label that would stick out of the plot at either end is left out.
    if (x - 15 < scale.left - 16 || x + 15 > scale.right + 12) continue;
    parts.push(`<text class="hour" x="${n(x)}" y="${n(top - 8)}">${clock(at, timeZone)}</text>`);
  }
  if (!closeUp) {
    const midnights = localTicks(scale, timeZone, 1440).filter((at) => at < scale.to);
    let free = Number.NEGATIVE_INFINITY;
    for (const at of midnights[0] === scale.from ? midnights : [scale.from, ...midnights]) {
      const x = xOf(scale, at) + 2;
      if (x < free) continue;
      parts.push(`<text class="date" x="${n(x)}" y="${n(top - 22)}">${escapeHtml(dayName(at, timeZone))}</text>`);
      free = x + DATE_LABEL_WIDTH;
    }
  }
  return parts.join('');
}

function dayName(at: number, timeZone: string): string {
  const weekday = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long' }).format(new Date(at));
  const wall = wallClockAt(new Date(at), timeZone);
  return `${weekday} ${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

/** A stretch of one lane with several things in it, too close together to tell apart on the day's scale. */
export interface CloseUp {
  lane: Lane;
  from: number;
  to: number;
}

/**
 * The bursts worth a close-up: in one lane, at least four moments (marks, the ends of bars, steps) each
 * within 1/48 of the window of the previous, spanning at most 1/24 of it, where the day's scale hides
 * something: two marks or two steps closer than a mark is wide, or a retry sooner than that.
 */
export function closeUpsOf(lanes: Lane[], window: { from: number; to: number }): CloseUp[] {
  const length = window.to - window.from;
  // How much time a mark's width covers on the day's scale.
  const markWidth = (length / (PLOT_RIGHT - LABEL_WIDTH)) * MARK_SPACING;
  const crowded = (ats: number[], first: number, last: number) => {
    const within = ats.filter((at) => at >= first && at <= last).sort((a, b) => a - b);
    return within.some((at, index) => index > 0 && at - (within[index - 1] ?? at) < markWidth);
  };
  const closeUps: CloseUp[] = [];
  for (const lane of lanes) {
    const marks = lane.marks.map((mark) => mark.at);
    const steps = [...lane.counts.slice(1), ...(lane.traffic?.steps.slice(1) ?? [])].map((step) => step.at);
    const barEnds = lane.bars.flatMap((bar) => (bar.open ? [bar.from] : [bar.from, bar.to]));
    for (const burst of bursts(
      [...marks, ...steps, ...barEnds].sort((a, b) => a - b),
      length / 48,
    )) {
      const first = burst[0] ?? 0;
      const last = burst.at(-1) ?? 0;
      const hidden =
        crowded(marks, first, last) ||
        crowded(steps, first, last) ||
        lane.retries.some((retry) => retry.from >= first && retry.to <= last && retry.to - retry.from < markWidth);
      if (burst.length >= 4 && last - first <= length / 24 && hidden) {
        const padding = Math.max((last - first) / 10, 60_000);
        closeUps.push({ lane, from: Math.max(window.from, first - padding), to: Math.min(window.to, last + padding) });
      }
    }
  }
  return closeUps.slice(0, MAX_CLOSE_UPS);
}

/** Runs of moments (sorted) each at most `gap` after the one before. */
function bursts(moments: number[], gap: number): number[][] {
  const found: number[][] = [];
  for (const at of moments) {
    const current = found.at(-1);
    const previous = current?.at(-1);
    if (current && previous !== undefined && at - previous <= gap) current.push(at);
    else found.push([at]);
  }
  return found;
}

const CLOSE_UP_LETTERS = 'ABCDEF';

function drawDay(report: SandboxReport, lanes: Lane[], closeUps: CloseUp[]): string {
  const timeZone = report.window.timeZone;
  const scale: Scale = { from: time(report.window.from), to: time(report.window.to), left: LABEL_WIDTH + 4, right: PLOT_RIGHT };
  const backgrounds: string[] = [];
  const contents: string[] = [];
  const labels: string[] = [];
  let y = AXIS_HEIGHT;
  let section: LaneKind | undefined;
  for (const [index, lane] of lanes.entries()) {
    if (lane.kind !== section) {
      section = lane.kind;
      labels.push(`<text class="section" x="6" y="${n(y + 14)}">${SECTION_TITLES[lane.kind]}</text>`);
      backgrounds.push(`<line class="section-rule" x1="0" y1="${n(y + 0.5)}" x2="${PAGE_WIDTH}" y2="${n(y + 0.5)}"/>`);
      y += SECTION_HEIGHT;
    }
    const height = laneHeight(lane);
    if (index % 2 === 0) backgrounds.push(`<rect class="zebra" x="0" y="${n(y)}" width="${PAGE_WIDTH}" height="${n(height)}"/>`);
    const name = lane.name.length > 24 ? `${lane.name.slice(0, 23)}…` : lane.name;
    const note = lane.note.length > 32 ? `${lane.note.slice(0, 31)}…` : lane.note;
    labels.push(
      `<g class="lane-label"><text class="name" x="14" y="${n(y + 14)}">${escapeHtml(name)}</text>` +
        `<text class="note" x="14" y="${n(y + 26)}">${escapeHtml(note)}</text>${title(`${lane.name}\n${lane.note}`)}</g>`,
    );
    const frames = closeUps
      .map((closeUp, letter) => ({ closeUp, letter: CLOSE_UP_LETTERS[letter] ?? '' }))
      .filter(({ closeUp }) => closeUp.lane === lane)
      .map(({ closeUp, letter }) => {
        const x = xOf(scale, closeUp.from) - 4;
        const width = xOf(scale, closeUp.to) + 4 - x;
        return (
          `<g class="close-up-frame"><rect x="${n(x)}" y="${n(y + 1.5)}" width="${n(width)}" height="${n(height - 3)}" rx="3"/>` +
          `<text x="${n(x - 3)}" y="${n(y + 13)}">${letter}</text><title>close-up ${letter} below</title></g>`
        );
      });
    contents.push(
      `<g class="lane" data-kind="${lane.kind}" data-name="${escapeHtml(lane.name)}">${drawLane(lane, scale, y, height)}${frames.join('')}</g>`,
    );
    y += height;
  }
  const height = y + 4;
  return (
    `<svg id="day" class="chart" viewBox="0 0 ${PAGE_WIDTH} ${height}" width="${PAGE_WIDTH}" height="${height}" role="img" ` +
    `aria-label="${escapeHtml(`timeline of ${dayName(scale.from, timeZone)}, ${timeZone}`)}">` +
    `<defs><clipPath id="plot-day"><rect x="${scale.left - 6}" y="0" width="${scale.right - scale.left + 12}" height="${height}"/></clipPath></defs>` +
    backgrounds.join('') +
    drawAxis(scale, timeZone, AXIS_HEIGHT, y, false) +
    `<g clip-path="url(#plot-day)">${contents.join('')}</g>` +
    labels.join('') +
    '</svg>'
  );
}

function drawCloseUp(closeUp: CloseUp, letter: string, timeZone: string): string {
  const scale: Scale = { from: closeUp.from, to: closeUp.to, left: 10, right: CLOSE_UP_WIDTH - 12 };
  const top = 22;
  const height = laneHeight(closeUp.lane);
  const svgHeight = top + height + 2;
  const id = `plot-close-up-${letter}`;
  const caption = `${letter} · ${closeUp.lane.name}, ${clock(closeUp.from, timeZone)}–${clock(closeUp.to, timeZone)}`;
  return (
    `<figure class="close-up"><figcaption>${escapeHtml(caption)}</figcaption>` +
    `<svg class="chart" viewBox="0 0 ${CLOSE_UP_WIDTH} ${svgHeight}" width="${CLOSE_UP_WIDTH}" height="${svgHeight}" role="img" aria-label="${escapeHtml(caption)}">` +
    `<defs><clipPath id="${id}"><rect x="${scale.left - 6}" y="0" width="${scale.right - scale.left + 12}" height="${svgHeight}"/></clipPath></defs>` +
    `<rect class="zebra" x="0" y="${top}" width="${CLOSE_UP_WIDTH}" height="${height}"/>` +
    drawAxis(scale, timeZone, top, top + height, true) +
    `<g clip-path="url(#${id})"><g class="lane" data-kind="${closeUp.lane.kind}" data-name="${escapeHtml(closeUp.lane.name)}">` +
    `${drawLane(closeUp.lane, scale, top, height)}</g></g></svg></figure>`
  );
}

/** The legend's entries: a sample of each look, drawn by the same code as the chart. */
function legend(): string {
  const sample = (svg: string, text: string) =>
    `<span class="key"><svg class="chart" width="26" height="16" viewBox="0 0 26 16">${svg}</svg>${escapeHtml(text)}</span>`;
  const bar = (kind: string, look: string) => `<rect class="${kind} ${look}" x="2" y="3" width="22" height="${BAR_HEIGHT}" rx="2"/>`;
  const mark = (look: MarkLook) => drawMark({ at: 0, look, title: '' }, 13, 8).replace('<title></title>', '');
  const groups: Array<[string, string[]]> = [
    [
      'Job runs',
      [
        sample(bar('run', 'succeeded'), 'succeeded'),
        sample(bar('run', 'failed'), 'failed'),
        sample(
          `<rect class="run retried" x="1" y="3" width="9" height="${BAR_HEIGHT}" rx="2"/><path class="retry-link" d="M10 8.5 H16"/>` +
            `<rect class="run succeeded" x="16" y="3" width="9" height="${BAR_HEIGHT}" rx="2"/>`,
          'failed, retried',
        ),
        sample(bar('run', 'timed-out'), 'timed out'),
        sample(bar('run', 'replaced'), 'replaced'),
        sample(bar('run', 'running open'), 'still running'),
        sample(mark('skipped'), 'skipped'),
        sample(mark('missed'), 'missed'),
        sample(mark('delivery'), 'delivered late or twice'),
      ],
    ],
    [
      'Watched tasks',
      [
        sample(bar('task', 'task'), 'task running'),
        sample(mark('started'), 'started'),
        sample(mark('stopped'), 'stopped'),
        sample(mark('restarted'), 'restarted'),
        sample(mark('crash-loop'), 'crash loop'),
        sample('<g class="pause"><rect x="1" y="1" width="24" height="14"/></g>', 'restarts paused'),
      ],
    ],
    [
      'Services',
      [
        sample('<path class="count-line" d="M2 11 H12 V5 H24"/>', 'desired tasks'),
        sample('<rect class="bounds" x="2" y="3" width="22" height="10"/>', 'scaling bounds'),
        sample(mark('scaling-problem'), 'scaling deferred or failed'),
      ],
    ],
    [
      'Apps',
      [
        sample('<rect class="blue-share" x="2" y="3" width="22" height="10"/>', 'traffic on blue'),
        sample('<rect class="green-share" x="2" y="3" width="22" height="10"/>', 'on green'),
        sample('<g class="weight-step"><circle cx="13" cy="8" r="3"/></g>', 'weight change'),
        sample(mark('deploy'), 'deploy'),
        sample(mark('deploy-succeeded'), 'succeeded'),
        sample(mark('deploy-rolled-back'), 'rolled back'),
        sample(mark('deploy-failed'), 'failed or rejected'),
      ],
    ],
    [
      'Alerts',
      [sample(mark('alert firing'), 'firing'), sample(mark('alert resolved'), 'resolved'), sample(mark('alert held'), 'held back')],
    ],
    ['Other events', [sample(mark('event'), 'scenario, alarm')]],
  ];
  return `<div class="legend">${groups.map(([name, keys]) => `<div class="group"><b>${name}</b>${keys.join('')}</div>`).join('')}</div>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
main { width: 1000px; max-width: 100%; }
h1 { font-size: 21px; margin: 0 0 2px; }
h1 .zone { font-weight: 400; color: var(--muted); }
h2 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 6px; font-size: 13px; }
.story { margin: 0 0 10px; font-size: 13px; max-width: 1000px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12px; margin: 0 0 8px; padding: 6px 8px; border: 1px solid var(--rule); border-radius: 6px; }
.legend .group { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 8px; }
.legend b { font-weight: 600; margin-right: 2px; }
.legend .key { display: inline-flex; align-items: center; gap: 3px; white-space: nowrap; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; overflow: visible; }
.legend svg.chart { display: inline-block; }
.zebra { fill: #f6f8fa; }
.section { font-size: 11px; font-weight: 700; fill: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.section-rule { stroke: var(--rule); }
.lane-label .name { font-size: 12.5px; font-weight: 600; fill: var(--ink); }
.lane-label .note { font-size: 10.5px; fill: var(--muted); }
.grid { stroke: #e3e6ea; stroke-width: 1; }
.grid.midnight { stroke: #9aa3ad; }
.hour { font-size: 11px; fill: var(--muted); text-anchor: middle; }
.date { font-size: 11.5px; font-weight: 600; fill: var(--ink); }
.run, .task { stroke-width: 1; }
.run.succeeded { fill: #1a9e6e; stroke: #137552; }
.run.failed { fill: #d9480f; stroke: #a5360b; }
.run.retried { fill: #f6b89a; stroke: #d9480f; }
.run.timed-out { fill: #f0a000; stroke: #b57800; }
.run.replaced { fill: #c06bb0; stroke: #8e4a82; }
.run.running { fill: #4f8fd6; stroke: #2f6cae; }
.open { stroke-dasharray: 3 2; fill-opacity: 0.55; }
.task { fill: #8cc4ec; stroke: #3f8fc7; }
.retry-link { stroke: #d9480f; stroke-width: 1.2; stroke-dasharray: 2 2; fill: none; }
.pause rect { fill: url(#paused); stroke: #c9481d; stroke-width: 0.8; stroke-dasharray: 3 2; }
.pause text { font-size: 10.5px; fill: #a5360b; font-weight: 600; text-anchor: end; }
.mark.skipped circle { fill: #fff; stroke: #8a939d; stroke-width: 1.5; }
.mark.missed path { fill: #7048b6; }
.mark.delivery path { fill: #8a939d; }
.mark.started path { fill: #37474f; }
.mark.stopped path { stroke: #d9480f; stroke-width: 2; stroke-linecap: round; }
.mark.restarted circle { fill: #fff; stroke: #1c6fbf; stroke-width: 2; }
.mark.crash-loop polygon { fill: #a4161a; stroke: #fff; stroke-width: 1; }
.mark.alert path { stroke-width: 1.4; stroke-linejoin: round; }
.mark.alert.firing path { fill: #d1242f; stroke: #8c1a22; }
.mark.alert.resolved path { fill: #fff; stroke: #1a7f37; }
.mark.alert.held path { fill: #d0d7de; stroke: #57606a; stroke-dasharray: 2 1.5; }
.mark.deploy path { fill: #37474f; }
.mark.deploy-succeeded circle { fill: #1a9e6e; stroke: #fff; }
.mark.deploy-rolled-back circle { fill: #f0a000; stroke: #8a5a00; }
.mark.deploy-failed rect { fill: #a4161a; }
.mark.scaling-problem rect { fill: #fff; stroke: #b57800; stroke-width: 1.6; }
.mark.event circle { fill: #8a939d; }
.bounds { fill: #4f8fd6; fill-opacity: 0.16; }
.count-line { fill: none; stroke: #24292f; stroke-width: 1.8; }
.scaling-step circle, .weight-step circle { fill: #fff; stroke: #24292f; stroke-width: 1.5; }
.count-label { font-size: 10.5px; fill: #24292f; }
.blue-share { fill: #9fc3f0; }
.green-share { fill: #a9dcb8; }
.share-edge { fill: none; stroke: #2f6cae; stroke-width: 1.2; }
.traffic-label { font-size: 10.5px; fill: #1f2328; }
.close-up-frame rect { fill: none; stroke: #57606a; stroke-width: 1; stroke-dasharray: 3 2; }
.close-up-frame text { font-size: 11px; font-weight: 700; fill: #57606a; text-anchor: end; }
rect.run:hover, rect.task:hover, .mark:hover { filter: brightness(0.85); }
.close-ups { display: flex; flex-wrap: wrap; gap: 10px 24px; }
.close-up { margin: 0; }
.close-up figcaption { font-size: 12.5px; font-weight: 600; margin-bottom: 2px; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; border-bottom: 1px solid #eaeef2; }
td.status.firing { color: #d1242f; font-weight: 600; }
td.status.resolved { color: #1a7f37; font-weight: 600; }
pre { font-size: 11.5px; overflow-x: auto; }
footer { color: var(--muted); font-size: 12px; margin-top: 14px; }
@page { size: A4 landscape; margin: 10mm; }
@media print { body { padding: 0; } main { width: 100%; } details, footer { display: none; } figure, svg, tr { break-inside: avoid; } }
`;

const PATTERNS =
  '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' +
  '<pattern id="paused" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
  '<rect width="6" height="6" fill="#fdebe3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#f1b49b" stroke-width="2"/></pattern>' +
  '</defs></svg>';

/** The whole page: report in, self-contained HTML out. */
export function renderPicture(report: SandboxReport): string {
  const { window } = report;
  const timeZone = window.timeZone;
  const from = time(window.from);
  const to = time(window.to);
  const lanes = pictureLanes(report);
  const closeUps = closeUpsOf(lanes, { from, to });
  const last = to - 1;
  const days =
    dayName(from, timeZone) === dayName(last, timeZone)
      ? dayName(from, timeZone)
      : `${dayName(from, timeZone)} → ${dayName(last, timeZone)}`;
  const emulator = report.emulator.bridged ? 'moto with the ECS bridge' : report.emulator.endpoint;
  const meta =
    `${report.configFile}${report.scenario ? ` with scenario ${report.scenario.file}` : ''} · simulated ${window.localFrom} → ` +
    `${window.localTo} (${window.hours}h) on ${emulator} in ${report.realSeconds.toFixed(1)}s`;
  const alerts = report.alerts.map(
    (alert) =>
      `<tr><td>${escapeHtml(alert.local)}</td><td class="status ${alert.status}">${alert.status}</td><td>${escapeHtml(alert.subject)}</td></tr>`,
  );
  const timeline = report.timeline.map(lineOf).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`ecs-autopilot sandbox: ${days}, ${timeZone}`)}</title>
<style>${STYLE}</style>
</head>
<body>
${PATTERNS}
<main id="picture">
<h1>${escapeHtml(days)} <span class="zone">${escapeHtml(timeZone)}</span></h1>
<p class="meta">${escapeHtml(meta)}</p>
${legend()}
${drawDay(report, lanes, closeUps)}
${closeUps.length > 0 ? `<h2>Close-ups</h2><div class="close-ups">${closeUps.map((closeUp, index) => drawCloseUp(closeUp, CLOSE_UP_LETTERS[index] ?? '', timeZone)).join('')}</div>` : ''}
</main>
${report.scenario?.description ? `<h2>The scenario</h2><p class="story">${escapeHtml(report.scenario.description)}</p>` : ''}
<h2>Alerts</h2>
${alerts.length > 0 ? `<table><tr><th>sent</th><th>status</th><th>subject</th></tr>${alerts.join('')}</table>` : '<p>None would have been sent.</p>'}
${report.notes.length > 0 ? `<h2>Notes</h2><ul>${report.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>` : ''}
<details><summary>The timeline, line by line (${report.timeline.length} lines)</summary><pre>${escapeHtml(timeline)}</pre></details>
<footer>ecs-autopilot sandbox --html: hover a bar or a mark for its timeline line. --json has the same report as data.</footer>
</body>
</html>
`;
}
