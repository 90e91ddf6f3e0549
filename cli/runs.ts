/** `runs <job>`: run history read from the deployed state table. */
import { createAwsClients } from '../shared/aws/clients.ts';
import { closestName } from '../shared/config/closest-name.ts';
import type { Automation } from '../shared/config/schema.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import { RunHistory } from '../shared/state/run-history.ts';

export interface RunsOptions {
  job: string;
  limit: number;
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
}

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

export async function readRuns(options: RunsOptions): Promise<RunRecord[]> {
  const clients = createAwsClients({ region: options.region, endpoint: options.endpoint });
  // Retention does not matter for reads.
  return new RunHistory(clients.dynamo, options.tableName, 0).list(options.job, options.limit);
}

export function runRows(runs: RunRecord[]): string[][] {
  return runs.map((run) => [
    run.scheduledTime,
    String(run.attempt),
    run.status,
    run.taskArns.map((arn) => arn.split('/').pop()).join(',') || '-',
    run.reason ?? '',
  ]);
}
