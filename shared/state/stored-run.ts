/**
 * A run as the state table holds it, checked before anything acts on it. ecs-autopilot writes every run
 * whole, so a run it cannot read is an older version's record or a hand edit: acting on it anyway fails
 * deep inside (a TypeError on every tick, retried for ever). Checked here, it is named in one line and
 * left for a person. Only the fields the code relies on are checked; any others are kept as they are.
 */
import * as z from 'zod/mini';
import { builtOnFirstUse } from '../built-on-first-use.ts';
import { RUN_STATUSES, type RunRecord } from '../jobs/run-record.ts';

/** Built on first use (not at import: see shared/built-on-first-use.ts). */
const storedRun = builtOnFirstUse(() => {
  const text = z.string();
  const count = z.number().check(z.int(), z.nonnegative());
  const optionalText = z.optional(text);

  const firingInput = z.looseObject({ job: text, scheduledTime: text, attempt: count, capacityProvider: optionalText });
  const freshnessCheck = z.looseObject({
    check: z.literal('expect-success'),
    job: text,
    since: text,
    armedBy: z.enum(['success', 'firing']),
  });

  const action = z.discriminatedUnion('kind', [
    z.looseObject({ kind: z.literal('run-task'), slot: count, try: count, providerIndex: count, notBefore: optionalText }),
    z.looseObject({ kind: z.literal('replace-run'), scheduledTime: text, attempt: count, reason: text }),
    z.looseObject({ kind: z.literal('stop-task'), taskArn: text, reason: text }),
    z.looseObject({
      kind: z.literal('publish'),
      event: z.looseObject({ id: text, detailType: text, detail: z.record(z.string(), z.unknown()), resources: z.array(text), time: text }),
    }),
    z.looseObject({ kind: z.literal('set-timer'), name: text, at: text, input: z.union([freshnessCheck, firingInput]) }),
  ]);

  return z.looseObject({
    job: text,
    scheduledTime: text,
    attempt: count,
    status: z.enum(RUN_STATUSES),
    cluster: text,
    taskDefinition: text,
    taskArns: z.array(text),
    receivedAt: text,
    updatedAt: text,
    launchedAt: optionalText,
    endedAt: optionalText,
    leaseUntil: optionalText,
    maxRuntimeDeadline: optionalText,
    capacityProvider: optionalText,
    reason: optionalText,
    missingTasks: z.optional(count),
    consecutiveSkips: z.optional(count),
    launch: z.optional(z.looseObject({ count, firstProviderIndex: count, rounds: count, gaveUpBecause: optionalText })),
    taskOutcomes: z.optional(
      z.record(
        z.string(),
        z.looseObject({ category: text, exitCodes: z.record(z.string(), z.nullable(z.number())), stoppedAt: optionalText }),
      ),
    ),
    // Runs recorded before the outbox existed have none.
    outbox: z._default(z.array(action), []),
    eventPublished: z.optional(z.boolean()),
    version: count,
  });
});

export type StoredRunReading = { run: RunRecord } | { problem: string };

/** The run in a state table item (its keys and the table's own attributes left out), or why it cannot be read. */
export function readStoredRun(item: Record<string, unknown>): StoredRunReading {
  const record = withoutTableAttributes(item);
  const unwritable = notJson(record);
  if (unwritable) return { problem: unwritable };
  const parsed = storedRun().safeParse(record);
  if (parsed.success) return { run: parsed.data as unknown as RunRecord };
  const problems = parsed.error.issues.slice(0, 5).map((issue) => `${issue.path.map(String).join('.') || 'the run'}: ${issue.message}`);
  return { problem: problems.join('; ').replace(/[\r\n]+/g, ' ') };
}

/** Why a value cannot be written as JSON again (nested deeper than a run ever is), if it cannot. */
function notJson(value: unknown): string | undefined {
  try {
    JSON.stringify(value);
    return undefined;
  } catch (error) {
    return `it cannot be written as JSON (${(error as Error).message})`;
  }
}

/** The run as stored, unchecked: for listing runs to a person (`ecs-autopilot runs`), who reads what is there. */
export function storedRunAsItIs(item: Record<string, unknown>): RunRecord {
  // Runs recorded before the outbox existed have none.
  return { outbox: [], ...withoutTableAttributes(item) } as unknown as RunRecord;
}

/** The item without its keys and the table's own attributes (kind, the deadline index's partition, the TTL). */
function withoutTableAttributes(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, kind: _kind, deadlineBucket: _bucket, expiresAt: _expires, ...record } = item;
  return record;
}
