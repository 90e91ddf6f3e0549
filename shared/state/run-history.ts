/**
 * Run history in the state table. One item per firing attempt:
 *   pk = JOB#<job>, sk = RUN#<scheduled time>#<attempt>  → a job's runs sort by scheduled time;
 *   while a run can exceed maxRuntime, or has actions left in its outbox after its deadline, it also
 *   carries deadlineBucket/maxRuntimeDeadline, the keys of the sparse "by-deadline" index the maxRuntime
 *   watchdog queries (so that it also finishes what a crashed tick of its own left undone).
 * Every write is the one versioned put (shared/state/versioned.ts): two invocations can never both move
 * the same run, and the claim of a launch is such a write too — the loser reads the winner's lease.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RunRecord } from '../jobs/run-record.ts';
import { DEADLINE_INDEX, keys, WATCHED_RUNS_BUCKET } from './keys.ts';
import { putNextVersion } from './versioned.ts';

export class RunHistory {
  private readonly dynamo: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly retentionSeconds: number;

  constructor(dynamo: DynamoDBDocumentClient, tableName: string, retentionSeconds: number) {
    this.dynamo = dynamo;
    this.tableName = tableName;
    this.retentionSeconds = retentionSeconds;
  }

  async get(job: string, scheduledTime: string, attempt: number): Promise<RunRecord | undefined> {
    const { Item } = await this.dynamo.send(
      new GetCommand({ TableName: this.tableName, Key: keys.jobRun(job, scheduledTime, attempt), ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  /** Writes the next version of a run (version 0: a new run); throws StaleWriteError when someone else wrote first. */
  async save(record: RunRecord): Promise<RunRecord> {
    const key = keys.jobRun(record.job, record.scheduledTime, record.attempt);
    const what = `run ${record.job} ${record.scheduledTime} #${record.attempt}`;
    const version = await putNextVersion(this.dynamo, this.tableName, key, this.toItem(record), record.version, what);
    return { ...record, version };
  }

  /** Newest first. */
  async list(job: string, limit: number): Promise<RunRecord[]> {
    const runs = keys.jobRuns(job);
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
        ExpressionAttributeValues: { ':pk': runs.pk, ':run': runs.skPrefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map(toRecord);
  }

  /** Runs whose maxRuntime deadline has passed and that are still watched: launched, or with actions left. */
  async overdue(now: Date, limit = 100): Promise<RunRecord[]> {
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: DEADLINE_INDEX.name,
        KeyConditionExpression: '#bucket = :watched AND #deadline <= :now',
        ExpressionAttributeNames: { '#bucket': DEADLINE_INDEX.partition, '#deadline': DEADLINE_INDEX.sort },
        ExpressionAttributeValues: { ':watched': WATCHED_RUNS_BUCKET, ':now': now.toISOString() },
        Limit: limit,
      }),
    );
    // The index projects keys only: read each run consistently before acting on it.
    const runs = await Promise.all(
      Items.map((item) =>
        this.dynamo.send(new GetCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true })),
      ),
    );
    return runs.flatMap(({ Item }) => (Item ? [toRecord(Item)] : []));
  }

  private toItem(record: RunRecord): Record<string, unknown> {
    const watched = record.maxRuntimeDeadline !== undefined && (record.status === 'launched' || record.outbox.length > 0);
    return {
      kind: 'run',
      ...record,
      ...(watched ? { deadlineBucket: WATCHED_RUNS_BUCKET } : { maxRuntimeDeadline: undefined }),
      expiresAt: Math.floor(new Date(record.updatedAt).getTime() / 1000) + this.retentionSeconds,
    };
  }
}

function toRecord(item: Record<string, unknown>): RunRecord {
  const { pk: _pk, sk: _sk, kind: _kind, deadlineBucket: _bucket, expiresAt: _expires, ...record } = item;
  // Runs recorded before the outbox existed have none.
  return { outbox: [], ...record } as unknown as RunRecord;
}
