/**
 * A job's suspension at run time (`ecs-autopilot suspend` / `unsuspend`), one item per job
 * (pk JOB#<job>, sk SUSPENSION), written with the one versioned put. It is kept after `unsuspend` (with
 * `suspended: false` and when it ended), so catch-up knows the span the job was suspended for and `jobs`
 * who last held it. A deploy never writes it: a runtime suspension outlives redeploys until someone
 * unsuspends the job.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from './keys.ts';
import { putNextVersion, retryOnStaleWrite } from './versioned.ts';

export interface JobSuspension {
  job: string;
  suspended: boolean;
  /** When the (last) suspension began. */
  suspendedAt: string;
  /** Who suspended: the operator's login name on the machine that ran the CLI. */
  suspendedBy: string;
  comment?: string | undefined;
  /** After `unsuspend`: when, and by whom. */
  unsuspendedAt?: string | undefined;
  unsuspendedBy?: string | undefined;
  version: number;
}

export type SuspensionChange =
  | { action: 'suspended' | 'already-suspended' | 'unsuspended'; suspension: JobSuspension }
  | { action: 'not-suspended'; suspension: JobSuspension | undefined };

export class JobSuspensions {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string) {
    this.dynamo = dynamo;
    this.tableName = tableName;
  }

  async get(job: string): Promise<JobSuspension | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.jobSuspension(job), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, kind: _kind, ...suspension } = Item;
    return suspension as JobSuspension;
  }

  /** Suspends the job from `at`; one suspended already stays as it is (its start and comment kept). */
  async suspend(job: string, by: { at: Date; by: string; comment?: string | undefined }): Promise<SuspensionChange> {
    return retryOnStaleWrite(async () => {
      const current = await this.get(job);
      if (current?.suspended) return { action: 'already-suspended', suspension: current };
      const next: JobSuspension = {
        job,
        suspended: true,
        suspendedAt: by.at.toISOString(),
        suspendedBy: by.by,
        comment: by.comment,
        version: current?.version ?? 0,
      };
      return { action: 'suspended', suspension: await this.save(next) };
    });
  }

  /** Ends the job's suspension at `at`; a job not suspended at run time is left as it is. */
  async unsuspend(job: string, by: { at: Date; by: string }): Promise<SuspensionChange> {
    return retryOnStaleWrite(async () => {
      const current = await this.get(job);
      if (!current?.suspended) return { action: 'not-suspended', suspension: current };
      const next = { ...current, suspended: false, unsuspendedAt: by.at.toISOString(), unsuspendedBy: by.by };
      return { action: 'unsuspended', suspension: await this.save(next) };
    });
  }

  private async save(suspension: JobSuspension): Promise<JobSuspension> {
    const { version: expected, ...item } = suspension;
    const what = `the suspension of ${suspension.job}`;
    const version = await putNextVersion(
      this.dynamo,
      this.tableName,
      keys.jobSuspension(suspension.job),
      { kind: 'job-suspension', ...item },
      expected,
      what,
    );
    return { ...suspension, version };
  }
}
