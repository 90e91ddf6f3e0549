/**
 * What the sandbox shows: one timeline line per event, in the local time of the job's zone, and a
 * summary per job. Outcome lines are made from the events the real handlers published on the bus.
 */
import { formatDuration } from '../shared/config/duration.ts';
import type { JobSpec } from '../shared/config/schema.ts';
import { formatLocal } from '../shared/config/time-zone.ts';
import type { RunRecord, RunStatus } from '../shared/jobs/run-record.ts';
import type { PublishedEvent } from './seed.ts';

export type RunOutcome = Exclude<RunStatus, 'launching'>;

export type TimelineKind =
  | RunOutcome
  | 'task-exited'
  | 'task-already-stopped'
  | 'capacity-outage'
  | 'late-delivery'
  | 'duplicate-delivery'
  | 'delivery-error';

export interface TimelineEntry {
  /** When it happened on the virtual clock (ISO 8601 UTC). */
  time: string;
  /** `time` in `timeZone`, e.g. `2026-11-23 02:00 CET`. */
  local: string;
  timeZone: string;
  /** The job, or what the line is about when no job is (a capacity provider). */
  subject: string;
  job?: string | undefined;
  what: TimelineKind;
  /** `what` in words: `launched`, `task exited 0`, `capacity outage injected`… */
  label: string;
  detail: string;
  scheduledTime?: string | undefined;
  taskArns?: string[] | undefined;
  /** Where the fact comes from: an event on the bus, the run history, or the scenario's own injection. */
  source: 'bus' | 'run-history' | 'scenario' | 'scheduler';
}

export interface JobSummary {
  job: string;
  schedule: string;
  timeZone: string;
  suspended: boolean;
  /** Firings of the schedule in the window. */
  firings: number;
  /** Runs that started tasks (whatever became of them). */
  launched: number;
  skipped: number;
  missed: number;
  failed: number;
  timedOut: number;
  replaced: number;
  succeeded: number;
  /** Runs still recorded as launched at the end of the window: no end of theirs has been recorded yet. */
  open: number;
  /** The job's run history as the handlers left it, oldest first. */
  runs: RunSummary[];
}

export type RunSummary = Pick<
  RunRecord,
  'scheduledTime' | 'status' | 'reason' | 'capacityProvider' | 'taskArns' | 'launchedAt' | 'endedAt'
>;

export interface SandboxReport {
  window: { from: string; to: string; hours: number; timeZone: string; localFrom: string; localTo: string };
  configFile: string;
  scenario: { file: string; description: string | undefined } | undefined;
  emulator: { endpoint: string; bridged: boolean };
  timeline: TimelineEntry[];
  summary: JobSummary[];
  /** Every event the handlers published on the bus, as the capture queue received them. */
  events: PublishedEvent[];
  /** Injections that found nothing to act on, and other remarks. */
  notes: string[];
  /** Wall-clock seconds the simulation took. */
  realSeconds: number;
}

export function timelineEntry(fields: Omit<TimelineEntry, 'time' | 'local' | 'label'> & { time: Date; label?: string }): TimelineEntry {
  const { time, label, timeZone, subject, job, what, detail, scheduledTime, taskArns, source } = fields;
  return {
    time: time.toISOString(),
    local: formatLocal(time, timeZone),
    timeZone,
    subject,
    job,
    what,
    label: label ?? what,
    detail,
    scheduledTime,
    taskArns,
    source,
  };
}

export function shortTaskId(taskArn: string): string {
  return (taskArn.split('/').pop() ?? taskArn).replaceAll('-', '').slice(0, 6);
}

export function describeTasks(taskArns: string[]): string {
  if (taskArns.length === 0) return '';
  return `(task${taskArns.length === 1 ? '' : 's'} ${taskArns.map(shortTaskId).join(', ')})`;
}

/** `02:00` in the zone: how a run is named on a line that may be hours after it was scheduled. */
export function localClockTime(iso: string, timeZone: string): string {
  return formatLocal(new Date(iso), timeZone).slice(11, 16);
}

interface RunDetail {
  job?: string;
  scheduledTime?: string;
  status?: string;
  reason?: string;
  taskArns?: string[];
  capacityProvider?: string;
  receivedAt?: string;
  launchedAt?: string;
  updatedAt?: string;
}

const OUTCOMES: readonly string[] = ['launched', 'skipped', 'missed', 'failed', 'timed-out', 'replaced', 'succeeded'];

/** The timeline line of a `Job Run …` event; undefined for events that are not about a job run. */
export function outcomeEntry(event: PublishedEvent, job: JobSpec | undefined): TimelineEntry | undefined {
  const detail = event.detail as RunDetail;
  if (!detail.job || !detail.status || !OUTCOMES.includes(detail.status)) return undefined;
  const timeZone = job?.timezone ?? 'UTC';
  const status = detail.status as RunOutcome;
  const taskArns = detail.taskArns ?? [];
  const scheduled = detail.scheduledTime ? localClockTime(detail.scheduledTime, timeZone) : '?';
  let text: string;
  if (status === 'launched') {
    text = [launchedWhere(detail, job), describeTasks(taskArns)].filter(Boolean).join(' ');
    const lateSeconds =
      detail.receivedAt && detail.scheduledTime ? (Date.parse(detail.receivedAt) - Date.parse(detail.scheduledTime)) / 1000 : 0;
    if (lateSeconds >= 60) text += `, delivered ${formatDuration(lateSeconds)} after its scheduled time ${scheduled}`;
    if (detail.reason) text += ` — ${detail.reason}`;
  } else if (detail.launchedAt) {
    const how = detail.reason ?? (status === 'succeeded' ? 'every container exited 0' : status);
    text = `run of ${scheduled} ${describeTasks(taskArns)}: ${how}`.replace(' :', ':');
  } else {
    text = `${scheduled} firing: ${detail.reason ?? status}`;
  }
  return timelineEntry({
    time: new Date(detail.updatedAt ?? event.time),
    timeZone,
    subject: detail.job,
    job: detail.job,
    what: status,
    detail: text,
    scheduledTime: detail.scheduledTime,
    taskArns,
    source: 'bus',
  });
}

function launchedWhere(detail: RunDetail, job: JobSpec | undefined): string {
  const count = `${detail.taskArns?.length ?? 0} task${detail.taskArns?.length === 1 ? '' : 's'}`;
  const where = detail.capacityProvider;
  if (!where || where === 'cluster default') return `${count} on the cluster's default capacity`;
  const providers = job && 'capacityProviders' in job.launch ? job.launch.capacityProviders : [];
  const index = providers.indexOf(where);
  return index > 0 ? `${count} on ${where} after ${providers.slice(0, index).join(', ')} had no capacity` : `${count} on ${where}`;
}

export function renderTimeline(entries: TimelineEntry[]): string[] {
  const width = (pick: (e: TimelineEntry) => string) => Math.max(0, ...entries.map((e) => pick(e).length));
  const local = width((e) => e.local);
  const subject = width((e) => e.subject);
  const label = width((e) => e.label);
  return entries.map((e) => `${e.local.padEnd(local)}  ${e.subject.padEnd(subject)}  ${e.label.padEnd(label)}  ${e.detail}`.trimEnd());
}

const SUMMARY_COLUMNS: Array<[string, keyof JobSummary]> = [
  ['firings', 'firings'],
  ['launched', 'launched'],
  ['skipped', 'skipped'],
  ['missed', 'missed'],
  ['failed', 'failed'],
  ['timed-out', 'timedOut'],
  ['replaced', 'replaced'],
  ['succeeded', 'succeeded'],
  ['open', 'open'],
];

export function renderSummary(rows: JobSummary[]): string[] {
  const jobWidth = Math.max(3, ...rows.map((row) => row.job.length));
  const header = ['job'.padEnd(jobWidth), ...SUMMARY_COLUMNS.map(([title]) => title)].join('  ');
  const lines = rows.map((row) => {
    if (row.suspended) return `${row.job.padEnd(jobWidth)}  suspended: ${row.schedule} does not fire`;
    return [row.job.padEnd(jobWidth), ...SUMMARY_COLUMNS.map(([title, key]) => String(row[key]).padStart(title.length))].join('  ');
  });
  return [header, ...lines];
}

export function renderSandboxReport(report: SandboxReport): string {
  const { window } = report;
  const lines = [
    `Sandbox: ${report.configFile}${report.scenario ? ` with scenario ${report.scenario.file}` : ''} on ${report.emulator.endpoint}`,
    ...wrap(report.scenario?.description ?? '', 100).map((line) => `  ${line}`),
    `Simulated ${window.localFrom} → ${window.localTo} (${window.hours}h) in ${report.realSeconds.toFixed(1)}s`,
    '',
    ...(report.timeline.length > 0 ? renderTimeline(report.timeline) : ['(nothing fired in the window)']),
    '',
    ...renderSummary(report.summary),
  ];
  if (report.summary.some((row) => row.open > 0)) {
    lines.push('', 'open: runs still recorded as launched when the window ended (their tasks are running, or no end was recorded yet).');
  }
  if (report.notes.length > 0) lines.push('', ...report.notes.map((note) => `note: ${note}`));
  return `${lines.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

/** The whole report as one JSON document (what `--json` prints, and nothing else). */
export function renderSandboxReportJson(report: SandboxReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
