/**
 * Where a sweep puts its faults. `fail` goes at every call. A crash (the invocation killed right after a
 * call succeeded) goes only after a call that changes AWS: dying after a read leaves AWS exactly as dying
 * after the call before it, which is a crash point already. Before the first change every crash is a
 * plain redelivery, so one of those is kept per scenario.
 */
import type { AwsCall } from '../helpers/faults.ts';

export type FaultMode = 'fail' | 'crash-after' | 'crash-after, then twice at once';
export const FAULT_MODES: FaultMode[] = ['fail', 'crash-after', 'crash-after, then twice at once'];

/**
 * Commands that only read, by name, each checked to change nothing in AWS nor in the emulator (moto's
 * DescribeTasks ticks a task's managed state, which the ECS bridge never lets progress). Named one by one
 * rather than matched by a prefix: a write that happens to start with Get or List must stay a crash point.
 * A command missing here counts as a change, which only costs time.
 */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  // DynamoDB (DynamoDBDocument's commands are named without the Item)
  'Get',
  'BatchGet',
  'TransactGet',
  'Query',
  'Scan',
  'GetItem',
  'BatchGetItem',
  'TransactGetItems',
  'DescribeTable',
  // ECS
  'DescribeTasks',
  'DescribeServices',
  'DescribeTaskDefinition',
  'DescribeClusters',
  'ListTasks',
  'ListServices',
  'ListTaskDefinitions',
  // Elastic Load Balancing v2
  'DescribeListeners',
  'DescribeRules',
  'DescribeTargetHealth',
  'DescribeTargetGroups',
  'DescribeLoadBalancers',
  // Application Auto Scaling, CloudWatch
  'DescribeScalableTargets',
  'DescribeScalingActivities',
  'DescribeAlarms',
  'GetMetricData',
  // EventBridge, Scheduler
  'TestEventPattern',
  'DescribeRule',
  'ListRules',
  'GetSchedule',
  'ListSchedules',
]);

export const changesAws = (call: AwsCall) => !READ_ONLY_COMMANDS.has(call.command);

export interface CrashPoint {
  mode: FaultMode;
  /** The call's index in the fault-free run. */
  k: number;
}

export interface CrashPlan {
  points: CrashPoint[];
  /** Crashes after a read, left out as equivalent to a point that runs. */
  skipped: CrashPoint[];
}

/** The points to run for a fault-free run's calls; `everyCall` runs the equivalent ones too (to check the claim). */
export function planCrashPoints(calls: AwsCall[], options: { everyCall?: boolean } = {}): CrashPlan {
  const plan: CrashPlan = { points: [], skipped: [] };
  const firstChange = calls.findIndex(changesAws);
  const firstRead = calls.findIndex((call) => !changesAws(call));
  // Before any change, one crash stands for them all: it leaves AWS untouched, as a redelivery finds it.
  const standsForNoChange = firstRead !== -1 && (firstChange === -1 || firstRead < firstChange) ? firstRead : -1;
  for (const mode of FAULT_MODES) {
    for (const [k, call] of calls.entries()) {
      const equivalent = mode !== 'fail' && !changesAws(call) && k !== standsForNoChange;
      (equivalent && !options.everyCall ? plan.skipped : plan.points).push({ mode, k });
    }
  }
  return plan;
}
