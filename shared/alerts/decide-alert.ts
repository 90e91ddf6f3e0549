/**
 * When an alert group speaks, like Alertmanager: a new group waits groupWait before its first message
 * (to collect the burst), then sends at most one message per repeatInterval carrying the count since
 * the last one, and after resolveAfter without events says once that it resolved and starts afresh.
 * Pure: the store (alert-groups.ts) counts events atomically, and handle-notify.ts carries out the
 * actions decided here.
 *
 * Two timers drive a group, each armed at most once at a time (the store claims them with conditional
 * writes): the flush sends what is pending; the resolve check is also the group's watchdog — it moves
 * itself later while events keep coming, and re-arms a flush whose timer got lost.
 */
import type { Notifications } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';

export type AlertTiming = Pick<Notifications, 'groupWaitSeconds' | 'repeatIntervalSeconds' | 'resolveAfterSeconds'>;

/** The detail of a bus event that carries an alert; the rest of it is rendered by render.ts. */
export type AlertDetail = Record<string, unknown> & { alert: AlertBlock };

/** The newest event of a group: the next message is rendered from it. */
export interface AlertSample {
  /** The bus event's id. */
  id: string;
  detailType: string;
  /** When the event happened (the bus event's time). */
  time: string;
  detail: AlertDetail;
}

/** A group's state in the state table, for the current episode (from its first event to its resolution). */
export interface AlertGroup {
  groupKey: string;
  /** Events not reported in a message yet. */
  pending: number;
  /** Events since the episode began. */
  total: number;
  firstEventAt: string;
  lastEventAt: string;
  latest: AlertSample;
  /** Firing messages sent in this episode. */
  messagesSent: number;
  lastSentAt: string | undefined;
  /** When the armed flush fires; absent while none is armed. */
  flushAt: string | undefined;
  /** When the armed resolve check fires. */
  resolveAt: string | undefined;
}

export type AlertTrigger =
  /** An event was just counted into the group. */
  | { kind: 'alert' }
  /** A firing message was just recorded as sent: events that arrived meanwhile may need a flush. */
  | { kind: 'sent' }
  | { kind: 'flush'; at: string }
  | { kind: 'resolve-check'; at: string }
  /** An event said the condition is over (alert.resolves). */
  | { kind: 'resolving-event' };

export type AlertAction =
  /**
   * Claim the flush for `at` (replacing the armed one, or none) and set its timer; an `at` that has come
   * already means flush at once, in this invocation.
   */
  | { kind: 'arm-flush'; at: string; replacing: string | undefined }
  | { kind: 'arm-resolve'; at: string; replacing: string | undefined }
  /** Send a firing message reporting `count` events, then subtract exactly that from pending. */
  | { kind: 'send-firing'; count: number; flushAt: string }
  /** The armed flush found nothing to send. */
  | { kind: 'disarm-flush'; flushAt: string }
  /** End the episode; `announce`: send the resolved message (only when a firing message went out). */
  | { kind: 'resolve'; announce: boolean }
  | { kind: 'nothing'; reason: string };

/**
 * A timer this far past its time is taken to be lost (its invocation died between claiming it and setting
 * it, or its deliveries ran out): the next decision arms a new one. Longer than a flush takes, so a slow
 * flush is never taken over.
 */
export const LOST_TIMER_AFTER_SECONDS = 300;

/** How long a resolve check waits for the first message of a group nobody has heard of yet. */
export const RESOLVE_RECHECK_SECONDS = 60;

export function decideAlert(trigger: AlertTrigger, group: AlertGroup | undefined, timing: AlertTiming, now: Date): AlertAction[] {
  if (!group) return [{ kind: 'nothing', reason: 'the group has no events (it resolved meanwhile)' }];
  switch (trigger.kind) {
    case 'alert':
    case 'sent':
      return arming(group, timing, now);
    case 'flush':
      return onFlush(group, trigger.at);
    case 'resolve-check':
      return onResolveCheck(group, trigger.at, timing, now);
    case 'resolving-event':
      return [{ kind: 'resolve', announce: group.messagesSent > 0 }];
  }
}

/**
 * The timers a group needs: a resolve check always (armed first: it is also the watchdog that re-arms a
 * lost flush), a flush while events are pending.
 */
function arming(group: AlertGroup, timing: AlertTiming, now: Date): AlertAction[] {
  const actions: AlertAction[] = [];
  if (!isArmed(group.resolveAt, now)) {
    actions.push({ kind: 'arm-resolve', at: iso(latest(quietUntil(group, timing), plus(now, 1))), replacing: group.resolveAt });
  }
  if (group.pending > 0 && !isArmed(group.flushAt, now)) {
    actions.push({ kind: 'arm-flush', at: iso(latest(nextFlushDue(group, timing, now), now)), replacing: group.flushAt });
  }
  return actions;
}

/**
 * The first message goes groupWait after the episode began. Later ones at most one per repeatInterval;
 * a burst after a quiet spell still gets groupWait to gather, as a new group does.
 */
function nextFlushDue(group: AlertGroup, timing: AlertTiming, now: Date): Date {
  if (group.messagesSent === 0 || group.lastSentAt === undefined) return plus(new Date(group.firstEventAt), timing.groupWaitSeconds);
  return latest(plus(new Date(group.lastSentAt), timing.repeatIntervalSeconds), plus(now, timing.groupWaitSeconds));
}

function onFlush(group: AlertGroup, at: string): AlertAction[] {
  if (group.flushAt !== at) {
    return [{ kind: 'nothing', reason: `the armed flush is ${group.flushAt ?? 'none'}, not ${at} (a repeated or superseded timer)` }];
  }
  if (group.pending === 0) return [{ kind: 'disarm-flush', flushAt: at }];
  return [{ kind: 'send-firing', count: group.pending, flushAt: at }];
}

function onResolveCheck(group: AlertGroup, at: string, timing: AlertTiming, now: Date): AlertAction[] {
  if (group.resolveAt !== at) {
    return [
      { kind: 'nothing', reason: `the armed resolve check is ${group.resolveAt ?? 'none'}, not ${at} (a repeated or superseded timer)` },
    ];
  }
  // A re-armed timer needs a later time than this one: the same time would be the same timer name.
  const next = (candidate: Date) => iso(latest(candidate, plus(now, 1), plus(new Date(at), 1)));
  const quiet = quietUntil(group, timing);
  if (now < quiet) return [{ kind: 'arm-resolve', at: next(quiet), replacing: at }];
  if (group.messagesSent === 0 && group.pending > 0) {
    // Nobody has heard of this group yet: its firing message goes first, the resolution after it.
    const flushArmed = isArmed(group.flushAt, now);
    const flushAt = flushArmed && group.flushAt ? new Date(group.flushAt) : now;
    return [
      { kind: 'arm-resolve', at: next(plus(latest(flushAt, now), RESOLVE_RECHECK_SECONDS)), replacing: at },
      ...(flushArmed ? [] : [{ kind: 'arm-flush' as const, at: iso(now), replacing: group.flushAt }]),
    ];
  }
  if (group.latest.detail.alert.resolvedBy === 'resolving-event') {
    // Quiet is not over: restarts paused stay paused until someone acts, and the event that says so resolves it.
    return [{ kind: 'nothing', reason: 'the group stays open until its resolving event (quiet does not resolve it)' }];
  }
  return [{ kind: 'resolve', announce: group.messagesSent > 0 }];
}

function quietUntil(group: AlertGroup, timing: AlertTiming): Date {
  return plus(new Date(group.lastEventAt), timing.resolveAfterSeconds);
}

function isArmed(at: string | undefined, now: Date): boolean {
  return at !== undefined && plus(new Date(at), LOST_TIMER_AFTER_SECONDS) > now;
}

function plus(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function latest(...dates: Date[]): Date {
  return new Date(Math.max(...dates.map((d) => d.getTime())));
}

function iso(date: Date): string {
  return date.toISOString();
}
