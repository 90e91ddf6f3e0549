/**
 * What notify needs from the outside world, built in one place for Lambda (runtime-from-env.ts), the
 * sandbox and the tests, which pass their own clients, topic, timers and clock.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GroupLabel } from '../events/alert.ts';
import type { StackHome } from '../events/origin.ts';
import type { Log } from '../logger.ts';
import { AlertGroups, alertGroupRetentionSeconds } from '../state/alert-groups.ts';
import type { TimerSetter } from '../timers/timers.ts';
import type { AlertTiming } from './decide.ts';
import type { HoldCheck } from './hold.ts';
import type { AlertTopic } from './publish.ts';
import type { AlertRoutes } from './routes.ts';

export interface NotifyRuntime extends StackHome {
  /** notifications.groupWait / repeatInterval / resolveAfter of automation.yml. */
  timing: AlertTiming;
  groups: AlertGroups;
  topic: AlertTopic;
  /** notifications.routes: other topics a message goes to besides, or instead of, `topic`. */
  routes?: AlertRoutes | undefined;
  /** notifications.groupBy; left out: cluster, subject and category. */
  groupBy?: readonly GroupLabel[] | undefined;
  timers: TimerSetter;
  /** What may hold a due message back (hold.ts), asked in order: mute windows, silences, inhibition. */
  holds: readonly HoldCheck[];
  log: Log;
  now: () => Date;
}

export interface NotifyRuntimeOptions<Topic extends AlertTopic> extends StackHome {
  timing: AlertTiming;
  /** A document client that drops undefined values (marshallOptions.removeUndefinedValues). */
  dynamo: DynamoDBDocumentClient;
  tableName: string;
  topic: Topic;
  routes?: AlertRoutes | undefined;
  groupBy?: readonly GroupLabel[] | undefined;
  timers: TimerSetter;
  /** Left out: nothing holds a message back. */
  holds?: readonly HoldCheck[] | undefined;
  log: Log;
  now: () => Date;
}

export function createNotifyRuntime<Topic extends AlertTopic>(options: NotifyRuntimeOptions<Topic>): NotifyRuntime & { topic: Topic } {
  const { timing, dynamo, tableName, holds = [], ...rest } = options;
  return { timing, groups: new AlertGroups(dynamo, tableName, alertGroupRetentionSeconds(timing)), holds, ...rest };
}
