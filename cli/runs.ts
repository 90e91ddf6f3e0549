/** `runs <job>`: run history read from the deployed state table. */
import { createAwsClients } from '../shared/aws/clients.ts';
import type { RunRecord } from '../shared/jobs/run-record.ts';
import { RunHistory } from '../shared/state/run-history.ts';

export interface RunsOptions {
  job: string;
  limit: number;
  tableName: string;
  region?: string | undefined;
  endpoint?: string | undefined;
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
