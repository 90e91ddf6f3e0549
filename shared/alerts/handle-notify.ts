/**
 * notify, end to end: count the event (or read the group a timer is for), decide (decide-alert.ts, pure),
 * then apply — the only place that publishes, writes a group and sets its timers. Every step may run in
 * hundreds of invocations at once for one group: the store's conditional writes let exactly one of them
 * arm a timer or record a message.
 */
import { RetryableAwsError } from '../errors.ts';
import { alertGroupKey } from '../events/alert.ts';
import { timerName } from '../timers/timers.ts';
import type { GroupTimer } from './alert-groups.ts';
import { type AlertAction, type AlertGroup, type AlertTrigger, decideAlert } from './decide-alert.ts';
import { type AlertTimerInput, alertTimerInput, type NotifyInput } from './notify-input.ts';
import type { NotifyRuntime } from './notify-runtime.ts';

export interface NotifyResult {
  groupKey?: string;
  /** The messages this invocation published. */
  published: { status: 'firing' | 'resolved'; count: number; messageId: string | undefined }[];
  /** Why the input needed nothing. */
  ignored?: string;
}

/** A resolve that lost a race with a new event is decided again on what the group has become; this often at most. */
const RESOLVE_ATTEMPTS = 3;

const TIMER_OF: Record<GroupTimer, AlertTimerInput['timer']> = { flushAt: 'alert-flush', resolveAt: 'alert-resolve' };

export async function handleNotify(input: NotifyInput, rt: NotifyRuntime): Promise<NotifyResult> {
  switch (input.kind) {
    case 'no-alert': {
      const ignored = `a "${input.detailType}" event without an alert is for pipelines and dashboards, not a person`;
      rt.log.info(ignored, { eventId: input.id });
      return { published: [], ignored };
    }
    case 'alert': {
      const groupKey = alertGroupKey(input.alert);
      rt.log.appendKeys?.({ groupKey });
      const result: NotifyResult = { groupKey, published: [] };
      const now = rt.now();
      const group = await rt.groups.count(groupKey, input.sample, now);
      rt.log.info('alert counted', { eventId: input.sample.id, pending: group.pending, total: group.total });
      await apply({ kind: 'alert' }, group, now, rt, result);
      return result;
    }
    case 'resolution': {
      const groupKey = alertGroupKey(input.alert);
      rt.log.appendKeys?.({ groupKey });
      const result: NotifyResult = { groupKey, published: [] };
      for (let attempt = 1; attempt <= RESOLVE_ATTEMPTS; attempt++) {
        const group = await rt.groups.get(groupKey);
        if (!group) {
          rt.log.info('a resolving event for a group with no open episode; nothing to say', { eventId: input.id });
          return result;
        }
        if ((await apply({ kind: 'resolving-event' }, group, rt.now(), rt, result)) !== 'changed-meanwhile') return result;
      }
      throw new RetryableAwsError(`alert group ${groupKey} changed under each of ${RESOLVE_ATTEMPTS} attempts to resolve it`);
    }
    case 'timer': {
      const { groupKey, at } = input.timer;
      rt.log.appendKeys?.({ groupKey, timer: input.timer.timer, timerAt: at });
      const result: NotifyResult = { groupKey, published: [] };
      if (input.timer.timer === 'alert-flush') await flush(groupKey, at, rt, result);
      else await checkResolved(groupKey, at, rt, result);
      return result;
    }
  }
}

async function flush(groupKey: string, at: string, rt: NotifyRuntime, result: NotifyResult): Promise<void> {
  const group = await rt.groups.get(groupKey);
  await apply({ kind: 'flush', at }, group, rt.now(), rt, result);
}

async function checkResolved(groupKey: string, at: string, rt: NotifyRuntime, result: NotifyResult): Promise<void> {
  for (let attempt = 1; attempt <= RESOLVE_ATTEMPTS; attempt++) {
    const group = await rt.groups.get(groupKey);
    const outcome = await apply({ kind: 'resolve-check', at }, group, rt.now(), rt, result);
    if (outcome !== 'changed-meanwhile') return;
  }
  throw new RetryableAwsError(`alert group ${groupKey} changed under each of ${RESOLVE_ATTEMPTS} attempts to resolve it`);
}

/** Decides and carries out the actions in order. 'changed-meanwhile': a resolve found the group had moved on. */
async function apply(
  trigger: AlertTrigger,
  group: AlertGroup | undefined,
  now: Date,
  rt: NotifyRuntime,
  result: NotifyResult,
): Promise<'done' | 'changed-meanwhile'> {
  const actions = decideAlert(trigger, group, rt.timing, now);
  for (const action of actions) {
    if (action.kind === 'nothing') {
      rt.log.info(action.reason, { groupKey: result.groupKey, trigger: trigger.kind });
      continue;
    }
    if (!group) continue;
    if ((await carryOut(action, group, now, rt, result)) === 'changed-meanwhile') return 'changed-meanwhile';
  }
  return 'done';
}

async function carryOut(
  action: Exclude<AlertAction, { kind: 'nothing' }>,
  group: AlertGroup,
  now: Date,
  rt: NotifyRuntime,
  result: NotifyResult,
): Promise<'done' | 'changed-meanwhile'> {
  const { groupKey } = group;
  switch (action.kind) {
    case 'arm-flush':
      await arm(groupKey, 'flushAt', action, now, rt, result);
      return 'done';
    case 'arm-resolve':
      await arm(groupKey, 'resolveAt', action, now, rt, result);
      return 'done';
    case 'disarm-flush':
      await rt.groups.moveTimer(groupKey, 'flushAt', action.flushAt, undefined);
      return 'done';
    case 'send-firing': {
      // Published before it is recorded: a failure in between repeats a message rather than losing one.
      const messageId = await rt.topic.publish({ status: 'firing', group, count: action.count });
      const after = await rt.groups.recordSent(groupKey, action.flushAt, action.count, rt.now());
      if (!after) {
        rt.log.warn('another invocation flushed the same timer at the same time: its message went out twice', { groupKey });
        return 'done';
      }
      result.published.push({ status: 'firing', count: action.count, messageId });
      rt.log.info('firing message sent', { groupKey, count: action.count, total: after.total, messageId });
      await apply({ kind: 'sent' }, after, rt.now(), rt, result);
      return 'done';
    }
    case 'resolve': {
      // Recorded before it is published, so no event can join an episode already announced as over.
      const ended = await rt.groups.resolve(group);
      if (!ended) return 'changed-meanwhile';
      if (!action.announce) {
        rt.log.info('group resolved before any message went out', { groupKey, total: ended.total });
        return 'done';
      }
      try {
        const messageId = await rt.topic.publish({ status: 'resolved', group: ended, now });
        result.published.push({ status: 'resolved', count: ended.pending, messageId });
        rt.log.info('resolved message sent', { groupKey, total: ended.total, messageId });
      } catch (error) {
        // Put the episode back so the timer's retry resolves it again; unless a new one began meanwhile.
        const restored = await rt.groups.restore(ended, now);
        rt.log.error('the resolved message could not be sent', { groupKey, restored, error });
        throw error;
      }
      return 'done';
    }
  }
}

/**
 * Claims the group's timer for `at` and sets it; a flush whose time has come runs here and now. When
 * anything after the claim fails, the claim is given back so the retry (or the next event) can arm it.
 */
async function arm(
  groupKey: string,
  timer: GroupTimer,
  action: { at: string; replacing: string | undefined },
  now: Date,
  rt: NotifyRuntime,
  result: NotifyResult,
): Promise<void> {
  if (!(await rt.groups.moveTimer(groupKey, timer, action.replacing, action.at))) return;
  try {
    if (timer === 'flushAt' && Date.parse(action.at) <= now.getTime()) {
      await flush(groupKey, action.at, rt, result);
    } else {
      const kind = TIMER_OF[timer];
      await rt.timers.set({
        name: timerName(kind, groupKey, action.at),
        at: new Date(action.at),
        target: 'notify',
        input: alertTimerInput(kind, groupKey, action.at),
      });
    }
  } catch (error) {
    await rt.groups
      .moveTimer(groupKey, timer, action.at, action.replacing)
      .catch((releaseError: unknown) => rt.log.error('could not give back a timer claim', { groupKey, timer, releaseError }));
    throw error;
  }
}
