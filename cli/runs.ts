/**
 * `runs [job]`: run history read from the deployed state table — one job's, or every job's of the
 * automation file merged newest first — filtered by status and time, with how long each ran.
 */
import { createAwsClients } from '../shared/aws/clients.ts';
import { closestName } from '../shared/config/closest-name.ts';
import { formatDuration } from '../shared/config/duration.ts';
import type { Automation } from '../shared/config/schema.ts';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../shared/jobs/run-record.ts';
import { RunHistory } from '../shared/state/run-history.ts';
import { UsageError } from './output.ts';

export interface RunsOptions {
  /** The jobs read: one named, or every job of the automation file. */
  jobs: string[];
  limit: number;
  /** Only runs scheduled from then on. */
  since?: Date | undefined;
  /** Only runs of these statuses. */
  statuses?: RunStatus[] | undefined;
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

/** A run as `runs --json` prints it: as stored, with how long its tasks ran once it has ended. */
export type ListedRun = RunRecord & { durationSeconds?: number | undefined };

/** `--failed`: the runs that failed for good or along the way (each failed attempt, a timeout). */
export const FAILED_STATUSES: RunStatus[] = ['failed', 'timed-out'];

/** How many runs of one job a filtered read goes through at most. */
const FILTERED_READ = 1_000;

/**
 * A job name automation.yml knows, checked before any AWS call (as `resume` checks a watched task):
 * a typo otherwise reads as "no runs recorded". An unknown name is an error naming the jobs.
 */
export function checkJobName(automation: Automation, job: string, file: string): void {
  if (automation.jobs[job]) return;
  const names = Object.keys(automation.jobs);
  const likely = closestName(job, names);
  throw new RangeError(
    `"${job}" is not a job in ${file} (jobs: ${names.join(', ') || 'none'})${likely ? `; did you mean "${likely}"?` : ''}`,
  );
}

/** `--status X`: one of the run statuses, checked before any AWS call. */
export function parseStatus(text: string): RunStatus {
  if ((RUN_STATUSES as readonly string[]).includes(text)) return text as RunStatus;
  throw new UsageError(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${text}"`);
}

export async function readRuns(options: RunsOptions): Promise<ListedRun[]> {
  const clients = createAwsClients({ region: options.region, endpoint: options.endpoint });
  // Retention does not matter for reads.
  const history = new RunHistory(clients.dynamo, options.tableName, 0);
  const filtered = options.since !== undefined || options.statuses !== undefined;
  const perJob = await Promise.all(
    options.jobs.map(async (job) => {
      // Unfiltered, one job's newest runs are one Query of `limit` items, as they always were.
      if (!filtered) return history.list(job, options.limit);
      const runs = await history.listSince(job, options.since?.toISOString() ?? '', FILTERED_READ);
      return runs.filter((run) => options.statuses === undefined || options.statuses.includes(run.status));
    }),
  );
  return perJob
    .flat()
    .sort((a, b) => (a.scheduledTime === b.scheduledTime ? b.attempt - a.attempt : a.scheduledTime < b.scheduledTime ? 1 : -1))
    .slice(0, options.limit)
    .map((run) => {
      const seconds = durationSeconds(run);
      return seconds === undefined ? run : { ...run, durationSeconds: seconds };
    });
}

/** How long a run's tasks ran: from launch to its end (undefined while it has not ended, or never launched). */
export function durationSeconds(run: Pick<RunRecord, 'launchedAt' | 'endedAt'>): number | undefined {
  if (run.launchedAt === undefined || run.endedAt === undefined) return undefined;
  return Math.max(0, Math.round((Date.parse(run.endedAt) - Date.parse(run.launchedAt)) / 1000));
}

export function runColumns(acrossJobs: boolean): string[] {
  return [...(acrossJobs ? ['JOB'] : []), 'SCHEDULED (UTC)', 'ATTEMPT', 'STATUS', 'DURATION', 'TASKS', 'REASON'];
}

export function runRows(runs: ListedRun[], acrossJobs = false): string[][] {
  return runs.map((run) => {
    const seconds = durationSeconds(run);
    return [
      ...(acrossJobs ? [run.job] : []),
      run.scheduledTime,
      String(run.attempt),
      run.manualId === undefined ? run.status : `${run.status} (manual ${run.manualId})`,
      seconds === undefined ? '-' : formatDuration(seconds),
      run.taskArns.map((arn) => arn.split('/').pop()).join(',') || '-',
      run.reason ?? '',
    ];
  });
}
