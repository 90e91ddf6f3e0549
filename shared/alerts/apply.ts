/**
 * The effects of notify: the only code that sets a group's timers and publishes its messages. Each
 * action is keyed, so carrying it out again is harmless — except a message, which SNS cannot recognise
 * as sent before (see handle.ts for when that can happen).
 *
 * - A timer's schedule is named after its group and time: setting it again finds it set (timers.ts). A
 *   timer whose time has passed is not set: the decision that follows it in the same invocation does
 *   what it was for, since a due flush or resolve check is done by whoever comes first (decide.ts).
 * - A message is published as decided, its content fixed in the outbox, to each topic its routes pick
 *   (routes.ts; publish.ts's publishToEach says what one topic refusing or failing means for the others).
 *
 * An AWS error that may heal (throttling, 5xx, no answer) is thrown, and the invocation is retried. One
 * that will not (a topic that is gone, a permission or a key missing, a request refused) is returned as
 * `refused`: retrying cannot carry the action out, and the rest of the group's work must go on — a
 * refused timer's work is done by the group's next event or other timer, since whoever comes does what
 * is due.
 */
import { isTransientAwsError } from '../aws/transient-errors.ts';
import { timerName } from '../timers/timers.ts';
import type { AlertAction, DecidedMessage } from './decide.ts';
import type { Hold } from './hold.ts';
import { publishToEach } from './publish.ts';
import type { AlertMessage } from './render.ts';
import { messageTopics } from './routes.ts';
import type { NotifyRuntime } from './runtime.ts';
import { alertTimerInput } from './trigger.ts';

export type ActionOutcome =
  | { kind: 'timer-set' | 'timer-passed' }
  /** `messageId`: the first topic's; `refused`: the topics among several that refused it for good. */
  | {
      kind: 'published';
      status: DecidedMessage['status'];
      count: number;
      messageId: string | undefined;
      refused?: { what: string; reason: string } | undefined;
    }
  /** Held back (hold.ts): nothing is sent; counting it is all there is to do. */
  | { kind: 'held'; status: DecidedMessage['status']; count: number; hold: Hold }
  /** `what`: the action, in words ("the firing message", "the alert-flush timer"). */
  | { kind: 'refused'; what: string; reason: string };

export async function applyAction(action: AlertAction, groupKey: string, rt: NotifyRuntime): Promise<ActionOutcome> {
  switch (action.kind) {
    case 'set-timer': {
      if (Date.parse(action.at) <= rt.now().getTime()) return { kind: 'timer-passed' };
      try {
        await rt.timers.set({
          name: timerName(action.timer, groupKey, action.at),
          at: new Date(action.at),
          target: 'notify',
          input: alertTimerInput(action.timer, groupKey, action.at),
        });
      } catch (error) {
        if (isTransientAwsError(error)) throw error;
        return { kind: 'refused', what: `the ${action.timer} timer of ${action.at}`, reason: reasonOf(error) };
      }
      return { kind: 'timer-set' };
    }
    case 'hold':
      return { kind: 'held', status: action.message.status, count: countOf(action.message), hold: action.hold };
    case 'publish': {
      const { message } = action;
      const count = countOf(message);
      const what = `the ${message.status} message`;
      // Each topic its routes pick (routes.ts); one that refuses for good is reported, the others get it all the same.
      const topics = messageTopics(message.group.latest.detail.alert, rt.topic, rt.routes);
      const { published, refused } = await publishToEach(topics, alertMessage(message));
      const reason = refused.map((r) => r.reason).join('; ');
      if (published.length === 0) return { kind: 'refused', what, reason };
      if (refused.length > 0) rt.log.error(`${what} was refused for good by ${refused.length} of its ${topics.length} topics`, { reason });
      return {
        kind: 'published',
        status: message.status,
        count,
        messageId: published[0]?.messageId,
        ...(refused.length > 0 && { refused: { what: `${what} to ${refused.map((r) => r.topicArn).join(', ')}`, reason } }),
      };
    }
  }
}

/** A resolved message reports the events not reported before: what was pending when it was decided. */
function countOf(message: DecidedMessage): number {
  return message.status === 'firing' ? message.count : message.group.pending;
}

function reasonOf(error: unknown): string {
  const { name, message } = error as Error;
  return `${name}: ${message}`;
}

function alertMessage(message: DecidedMessage): AlertMessage {
  return message.status === 'firing' ? message : { status: 'resolved', group: message.group, now: new Date(message.at) };
}
