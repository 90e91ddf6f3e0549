/**
 * What an action costs in AWS calls, and the rule its writes must keep against the figures from before
 * issue 11 (bench/aws-calls-before.ts). Pure: the measuring is bench/aws-calls.ts.
 */

/** The AWS calls of one handler invocation, in order, named `<service> <command>` (`ECS RunTask`). */
export interface InvocationCalls {
  label: string;
  calls: string[];
}

export interface ActionCalls {
  action: string;
  invocations: InvocationCalls[];
}

/**
 * A read changes nothing in AWS; everything else counts as a write (an unknown command too, so that a
 * new kind of call can only make the figures stricter): DynamoDB puts, updates and transactions, PutEvents,
 * RunTask, StopTask, UpdateService, a timer's CreateSchedule, SNS Publish, a listener's ModifyListener…
 */
const READ = /^(Get|BatchGet|TransactGet|Query|Scan|Describe|List)/;

export const isWrite = (call: string): boolean => !READ.test(call.slice(call.indexOf(' ') + 1));

export const writesOf = (calls: readonly string[]): number => calls.filter(isWrite).length;

/** The state table's share of the writes (what the outbox itself costs): the figures people count by hand. */
export const tableWritesOf = (calls: readonly string[]): number =>
  calls.filter((call) => call.startsWith('DynamoDB') && isWrite(call)).length;

export const allCalls = (action: ActionCalls): string[] => action.invocations.flatMap((i) => i.calls);

/** `DynamoDBDocument Get ×2, ECS RunTask`: the calls by service and command, in first-call order. */
export function byCommand(calls: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const call of calls) counts.set(call, (counts.get(call) ?? 0) + 1);
  return [...counts.entries()].map(([call, n]) => (n > 1 ? `${call} ×${n}` : call)).join(', ');
}

/**
 * The rule: each invocation of an action may make at most ONE more write than the same invocation made
 * before issue 11. An invocation is one decision; the outbox persists that decision together with its
 * pending actions in the write that already stored the state, and may add one write, the one that marks
 * the actions done. More than one extra write per decision means the outbox multiplied writes (a write
 * per action, or a state stored twice). Checked per invocation, not per action, so that an action of two
 * invocations (notify's event, then its flush) cannot hide one invocation's two extra writes behind the
 * other's saving.
 */
export const EXTRA_WRITES_PER_INVOCATION = 1;

export interface Breach {
  action: string;
  /** Which invocation and how, or why the action cannot be compared. */
  problem: string;
}

/** Where the rule is broken, one entry per invocation that breaks it; empty when every action keeps it. */
export function ruleBreaches(before: readonly ActionCalls[], after: readonly ActionCalls[]): Breach[] {
  const breaches: Breach[] = [];
  for (const now of after) {
    const breach = (problem: string) => breaches.push({ action: now.action, problem });
    const then = before.find((b) => b.action === now.action);
    if (!then) {
      breach('no figures from before issue 11 (bench/aws-calls-before.ts)');
      continue;
    }
    if (then.invocations.length !== now.invocations.length) {
      breach(`${now.invocations.length} invocations now, ${then.invocations.length} before; the figures cannot be compared`);
      continue;
    }
    for (const [index, invocation] of now.invocations.entries()) {
      const previous = then.invocations[index] as InvocationCalls;
      const limit = writesOf(previous.calls) + EXTRA_WRITES_PER_INVOCATION;
      const writes = writesOf(invocation.calls);
      if (writes > limit) {
        breach(
          `${invocation.label}: ${writes} writes, at most ${limit} allowed (${writesOf(previous.calls)} before issue 11 + ${EXTRA_WRITES_PER_INVOCATION}); ` +
            `writes now: ${byCommand(invocation.calls.filter(isWrite))}; before: ${byCommand(previous.calls.filter(isWrite))}`,
        );
      }
    }
  }
  for (const then of before) {
    if (!after.some((a) => a.action === then.action))
      breaches.push({ action: then.action, problem: 'measured before issue 11 but not now' });
  }
  return breaches;
}
