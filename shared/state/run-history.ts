/**
 * Run history in the state table. One item per firing attempt:
 *   pk = JOB#<job>, sk = RUN#<scheduled time>#<attempt>  → a job's runs sort by scheduled time;
 *   while a run can exceed maxRuntime, or has actions left in its outbox after its deadline, it also
 *   carries deadlineBucket/maxRuntimeDeadline, the keys of the sparse "by-deadline" index the maxRuntime
 *   watchdog queries (so that it also finishes what a crashed tick of its own left undone).
 * Every write is the one versioned put (shared/state/versioned.ts): two invocations can never both move
 * the same run, and the claim of a launch is such a write too — the loser reads the winner's lease.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, paginateQuery, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { StoredItemError } from '../errors.ts';
import type { RunRecord } from '../jobs/run-record.ts';
import { DEADLINE_INDEX, keys, WATCHED_RUNS_BUCKET } from './keys.ts';
import { readStoredRun, storedRunAsItIs } from './stored-run.ts';
import { putNextVersion } from './versioned.ts';

/** A watched item that cannot be read as a run (an older version's record, a hand edit). */
export interface UnreadableRun {
  key: { pk: string; sk: string };
  /** As read: the condition under which it is taken out of the watch. */
  version: unknown;
  /** `a stored run cannot be read (<pk> <sk>): <why>`, one line. */
  problem: string;
}

const unreadable = (item: Record<string, unknown>, problem: string) =>
  `a stored run cannot be read (${String(item.pk).slice(0, 200)} ${String(item.sk).slice(0, 200)}): ${problem}`;

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
    if (!Item) return undefined;
    const reading = readStoredRun(Item);
    if ('problem' in reading) throw new StoredItemError(unreadable(Item, reading.problem));
    return reading.run;
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
    return Items.map(storedRunAsItIs);
  }

  /** The latest attempt of the job's run for a firing (one Query of one item), if it has one. */
  async latestOfFiring(job: string, scheduledTime: string): Promise<RunRecord | undefined> {
    const runs = keys.jobRunsOfFiring(job, scheduledTime);
    const { Items = [] } = await this.dynamo.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :firing)',
        ExpressionAttributeValues: { ':pk': runs.pk, ':firing': runs.skPrefix },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items[0] && storedRunAsItIs(Items[0]);
  }

  /** The job's runs scheduled from `from` on, newest first, at most `limit` (`runs --since`, catch-up). */
  async listSince(job: string, from: string, limit: number): Promise<RunRecord[]> {
    const range = keys.jobRunsSince(job, from);
    const pages = paginateQuery(
      { client: this.dynamo, pageSize: Math.min(limit, 100) },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': range.pk, ':from': range.from, ':to': range.to },
        ScanIndexForward: false,
      },
    );
    const runs: RunRecord[] = [];
    for await (const page of pages) {
      runs.push(...(page.Items ?? []).map(storedRunAsItIs));
      if (runs.length >= limit) break;
    }
    return runs.slice(0, limit);
  }

  /**
   * A run of the job that succeeded after `after`, if there is one (expectSuccessWithin). Only runs
   * scheduled from `scheduledFrom` on are read, oldest first, a page at a time until one is found: a run
   * that succeeds is usually the first read.
   */
  async succeededAfter(job: string, after: string, scheduledFrom: string): Promise<RunRecord | undefined> {
    const runs = keys.jobRuns(job);
    const pages = paginateQuery(
      { client: this.dynamo },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: '#status = :succeeded AND endedAt > :after',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pk': runs.pk,
          ':from': `${runs.skPrefix}${scheduledFrom}`,
          ':to': `${runs.skPrefix}~`,
          ':succeeded': 'succeeded',
          ':after': after,
        },
        Limit: 50,
      },
    );
    // Pages are read one at a time, and no more once a success is found.
    for await (const page of pages) {
      const [found] = page.Items ?? [];
      if (found) return storedRunAsItIs(found);
    }
    return undefined;
  }

  /**
   * Runs whose maxRuntime deadline has passed and that are still watched: launched, or with actions
   * left; and the items among them that cannot be read as runs, each with why.
   */
  async overdue(now: Date, limit = 100): Promise<{ runs: RunRecord[]; unreadable: UnreadableRun[] }> {
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
    const found = { runs: [] as RunRecord[], unreadable: [] as UnreadableRun[] };
    for (const { Item } of runs) {
      if (!Item) continue;
      const reading = readStoredRun(Item);
      if ('run' in reading) found.runs.push(reading.run);
      else
        found.unreadable.push({
          key: { pk: String(Item.pk), sk: String(Item.sk) },
          version: Item.version,
          problem: unreadable(Item, reading.problem),
        });
    }
    return found;
  }

  /**
   * Takes an unreadable run out of the watchdog's index, leaving the item as it is: unless it was written
   * again since it was read (a run ecs-autopilot writes always has a numeric version), which is read next tick.
   */
  async unwatch(run: UnreadableRun): Promise<void> {
    const unchanged =
      typeof run.version === 'number'
        ? { ConditionExpression: '#version = :read', ExpressionAttributeValues: { ':read': run.version } }
        : { ConditionExpression: 'NOT attribute_type(#version, :number)', ExpressionAttributeValues: { ':number': 'N' } };
    try {
      await this.dynamo.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: run.key,
          UpdateExpression: 'REMOVE #bucket',
          ExpressionAttributeNames: { '#bucket': DEADLINE_INDEX.partition, '#version': 'version' },
          ...unchanged,
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
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
