/** What notify needs from the outside world, passed in so tests and the sandbox can supply their own. */
import type { Log } from '../logger.ts';
import type { TimerSetter } from '../timers/timers.ts';
import type { AlertGroups } from './alert-groups.ts';
import type { AlertTiming } from './decide-alert.ts';
import type { AlertTopic } from './publish.ts';

export interface NotifyRuntime {
  /** notifications.groupWait / repeatInterval / resolveAfter of automation.yml. */
  timing: AlertTiming;
  groups: AlertGroups;
  topic: AlertTopic;
  timers: TimerSetter;
  log: Log;
  now: () => Date;
}
