/**
 * When an alert group speaks, like Alertmanager: a new group waits groupWait before its first message
 * (to collect the burst), then sends at most one message per repeatInterval carrying the count since
 * the last one, and after resolveAfter without events says once that it resolved and starts afresh.
 *
 * Pure: (trigger, the group as loaded, timing, now) → the group's next decisions and the actions that
 * carry them out (set a timer, publish a message). handle.ts persists both in one versioned write before
 * apply.ts carries the actions out, so a crash in between is finished by the next invocation.
 *
 * The decisions are driven by the group's state, not by which trigger came: a timer is only a wake-up.
 * Whoever comes first after a flush or a resolve check is due does it — the timer itself, an event, or a
 * retried delivery — so a late, repeated or lost timer changes nothing but who does the work.
 */
import type { Notifications } from '../config/schema.ts';
import type { AlertBlock } from '../events/alert.ts';
import type { Hold } from './hold.ts';
import type { AlertTimer } from './trigger.ts';

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

/**
 * The events that reached the group (its inbox): each counted once, by its id, as it arrives. Episodes
 * are ranges of this count: an episode holds the events after `closedUpTo` of the one before it.
 */
export interface GroupInbox {
  /** Events counted since `countingSince`. */
  total: number;
  /** When this count began: an inbox that expired and began again is another count. */
  countingSince: string;
  latest: AlertSample;
  /** When notify counted the newest event. */
  lastEventAt: string;
  /** In a group of several subjects closed by their own events, those still open (`job:nightly-report`): it resolves when none is. */
  openSubjects?: string[] | undefined;
}

/** The group's current episode, from its first event to its resolution. */
export interface Episode {
  firstEventAt: string;
  /** The inbox's total at the last message (or when the episode began): what came after is pending. */
  reportedUpTo: number;
  /** Firing messages sent in this episode. */
  messagesSent: number;
  lastSentAt?: string | undefined;
  /** When the armed flush fires; absent while none is armed. */
  flushAt?: string | undefined;
  /** When the armed resolve check fires; absent while none is armed. */
  resolveAt?: string | undefined;
  /** Events whose message was held back (silenced, muted, inhibited) in this episode: counted, not sent. */
  held?: number | undefined;
  /** The last hold, and when it held a message. */
  lastHold?: HeldAt | undefined;
  /** The earliest a held group's next message may go: the hold is asked again then, not at every event. */
  holdRecheckAt?: string | undefined;
  /** The inbox total up to which events are counted in `held` (events a recheck holds again are counted once). */
  heldUpTo?: number | undefined;
}

export interface HeldAt {
  hold: Hold;
  at: string;
}

/** What has been decided about a group (its versioned item, without the version and the outbox). */
export interface GroupDecisions {
  /** The inbox count that `closedUpTo` and the episode refer to. */
  countingSince: string | undefined;
  /** Events up to this count belong to episodes that have ended. */
  closedUpTo: number;
  episode: Episode | undefined;
  /** The episode that ended last, kept for `ecs-autopilot alerts --all` (no decision reads it). */
  lastEpisode?: EndedEpisode | undefined;
}

export interface EndedEpisode extends Episode {
  resolvedAt: string;
  /** Events counted in the episode. */
  events: number;
}

/** A group as its messages show it: the current episode, counted. */
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
  flushAt: string | undefined;
  resolveAt: string | undefined;
  /** Events held back in this episode, and the last hold. */
  held?: number | undefined;
  lastHold?: HeldAt | undefined;
  /** See GroupInbox.openSubjects: the subjects a message of such a group names. */
  openSubjects?: string[] | undefined;
}

export type AlertTrigger =
  /** An event was just counted into the group (or was counted before: a repeated delivery). */
  | { kind: 'event' }
  /** An event said the condition is over (alert.resolves); `time`: when it happened. */
  | { kind: 'resolving-event'; time: string }
  | { kind: 'flush'; at: string }
  | { kind: 'resolve-check'; at: string }
  /** Look again after carrying out a decision: events may have come meanwhile. */
  | { kind: 'follow-up' };

/**
 * A message as decided. What it says is fixed when it is decided, so a message sent again after a
 * crash says exactly the same.
 */
export type DecidedMessage =
  /** `count` events since the last message; `group` as it was before this message. */
  { status: 'firing'; group: AlertGroup; count: number } | { status: 'resolved'; group: AlertGroup; at: string };

export type AlertAction =
  | { kind: 'set-timer'; timer: AlertTimer; at: string }
  | { kind: 'publish'; message: DecidedMessage }
  /** The message decided is held back, not sent: carried out by counting it (metrics, the result). */
  | { kind: 'hold'; message: DecidedMessage; hold: Hold };

export type AlertDecision =
  | { changed: false; reason: string }
  /** `notes`: what was decided, for the log. At most one publish, always the last action. */
  | { changed: true; decisions: GroupDecisions; actions: AlertAction[]; notes: string[] };

/** How long a resolve check waits for the first message of a group nobody has heard of yet. */
export const RESOLVE_RECHECK_SECONDS = 60;

/**
 * How often a held group asks again whether its hold still holds, while events keep coming: a silence
 * lifted early (`unsilence`) or an inhibiting group resolved lets its next message go within this time,
 * and a group held for hours costs one decision per interval, not one per event.
 */
export const HOLD_RECHECK_SECONDS = 300;

export function decideAlert(
  trigger: AlertTrigger,
  groupKey: string,
  inbox: GroupInbox | undefined,
  decided: GroupDecisions,
  timing: AlertTiming,
  now: Date,
  /** Whether a message due now is held back (hold.ts): asked by handle.ts only when one is due. */
  hold?: Hold,
): AlertDecision {
  if (!inbox) return { changed: false, reason: 'the group has no events (none came, or their record expired)' };
  const notes: string[] = [];
  // Counts that refer to an inbox which has expired since mean nothing for this one.
  const start: GroupDecisions =
    decided.countingSince === inbox.countingSince ? decided : { countingSince: inbox.countingSince, closedUpTo: 0, episode: undefined };
  if (start !== decided && decided.countingSince !== undefined) notes.push("the group's count began again (its record had expired)");
  const before = start.episode;
  let episode = before;
  if (!episode) {
    if (inbox.total <= start.closedUpTo) return unchanged(decided, start, notes, 'no event since the group last resolved');
    episode = { firstEventAt: inbox.lastEventAt, reportedUpTo: start.closedUpTo, messagesSent: 0 };
    notes.push('an episode begins');
  }
  const closedUpTo = start.closedUpTo;
  const view = (e: Episode): AlertGroup => groupView(groupKey, inbox, closedUpTo, e);
  const resolve = (ended: Episode, why: string): AlertDecision => {
    const announce = ended.messagesSent > 0;
    notes.push(`${why}: the episode ends${announce ? '' : ' (no message went out, so none says it resolved)'}`);
    const message: DecidedMessage = { status: 'resolved', group: view(ended), at: now.toISOString() };
    if (announce && hold) notes.push(`its resolved message is held back (${hold.kind} by ${hold.by})`);
    return {
      changed: true,
      decisions: {
        countingSince: inbox.countingSince,
        closedUpTo: inbox.total,
        episode: undefined,
        lastEpisode: { ...ended, resolvedAt: now.toISOString(), events: inbox.total - closedUpTo },
      },
      actions: !announce ? [] : hold ? [{ kind: 'hold', message, hold }] : [{ kind: 'publish', message }],
      notes,
    };
  };

  if (trigger.kind === 'resolving-event') {
    if (inbox.openSubjects?.length) notes.push(`a resolving event, while subjects are still open: ${inbox.openSubjects.join(', ')}`);
    else if (Date.parse(trigger.time) >= Date.parse(episode.firstEventAt)) return resolve(episode, 'its resolving event came');
    else notes.push(`a resolving event of ${trigger.time}, before this episode began (${episode.firstEventAt}), is ignored`);
  }

  const due = (at: string | undefined, timer: 'flush' | 'resolve-check') =>
    at !== undefined && (Date.parse(at) <= now.getTime() || (trigger.kind === timer && trigger.at === at));
  const pending = (e: Episode) => inbox.total - e.reportedUpTo;
  // At most one: a decision that sends (or holds) a message sends nothing else.
  const firing: DecidedMessage[] = [];
  const send = (e: Episode): Episode => {
    if (hold) {
      // Counted once: a recheck that holds the same events again is no new held message.
      const heldNow = inbox.total - Math.max(e.reportedUpTo, e.heldUpTo ?? 0);
      if (heldNow > 0) firing.push({ status: 'firing', group: view(e), count: heldNow });
      notes.push(`a firing message of ${pending(e)} event(s) is held back (${hold.kind} by ${hold.by}), ${heldNow} of them new`);
      const holdRecheckAt = iso(holdRecheck(hold, now));
      const heldEpisode = {
        ...e,
        held: (e.held ?? 0) + heldNow,
        heldUpTo: inbox.total,
        lastHold: { hold, at: now.toISOString() },
        holdRecheckAt,
      };
      // A condition that lasts until its own event (restarts paused until resume) must still be told once
      // the hold is gone: its events stay pending, and the flush asks again at the recheck.
      if (resolvedByItsEvent(inbox)) return { ...heldEpisode, flushAt: holdRecheckAt };
      // Any other group's held events are reported by the hold: when it ends, its next message carries what came after.
      return { ...heldEpisode, reportedUpTo: inbox.total, flushAt: undefined };
    }
    firing.push({ status: 'firing', group: view(e), count: pending(e) });
    notes.push(`a firing message reports ${pending(e)} event(s)`);
    return {
      ...e,
      reportedUpTo: inbox.total,
      messagesSent: e.messagesSent + 1,
      lastSentAt: now.toISOString(),
      flushAt: undefined,
      holdRecheckAt: undefined,
    };
  };

  if (trigger.kind === 'flush' && trigger.at !== episode.flushAt) {
    notes.push(`the flush of ${trigger.at} is not the armed one (${episode.flushAt ?? 'none'}): a repeated or superseded timer`);
  }
  if (due(episode.flushAt, 'flush')) {
    if (pending(episode) > 0) episode = send(episode);
    else {
      episode = { ...episode, flushAt: undefined };
      notes.push('the flush found nothing to send');
    }
  }

  if (trigger.kind === 'resolve-check' && trigger.at !== episode.resolveAt) {
    notes.push(`the resolve check of ${trigger.at} is not the armed one (${episode.resolveAt ?? 'none'}): a repeated or superseded timer`);
  }
  const resolveAt = episode.resolveAt;
  if (resolveAt !== undefined && due(resolveAt, 'resolve-check')) {
    // A re-armed check needs a later time than this one: the same time would be the same timer name.
    const later = (candidate: Date) => iso(latest(candidate, plus(now, 1), plus(new Date(resolveAt), 1)));
    const quiet = quietUntil(inbox, timing);
    if (now < quiet) {
      episode = { ...episode, resolveAt: later(quiet) };
    } else if (firing.length > 0) {
      // Its firing message just went out: the resolution follows it.
      episode = { ...episode, resolveAt: later(plus(now, RESOLVE_RECHECK_SECONDS)) };
    } else if (resolvedByItsEvent(inbox) && (episode.held ?? 0) > 0 && episode.flushAt !== undefined) {
      // Held, and its flush asks again: that flush is the watchdog of its first message.
      episode = { ...episode, resolveAt: undefined };
      notes.push('the group is held and stays open until its resolving event; its flush asks the hold again');
    } else if (episode.messagesSent === 0 && pending(episode) > 0) {
      // Nobody has heard of this group yet: its firing message goes first, the resolution after it.
      if (episode.flushAt) episode = { ...episode, resolveAt: later(plus(new Date(episode.flushAt), RESOLVE_RECHECK_SECONDS)) };
      else episode = { ...send(episode), resolveAt: later(plus(now, RESOLVE_RECHECK_SECONDS)) };
    } else if (resolvedByItsEvent(inbox)) {
      // Quiet is not over: restarts paused stay paused until someone acts, and the event that says so resolves it.
      episode = { ...episode, resolveAt: undefined };
      notes.push('the group stays open until its resolving event (quiet does not resolve it)');
    } else {
      return resolve(episode, 'the group has been quiet for resolveAfter');
    }
  }

  // The timers the episode needs: a resolve check (also the watchdog of a first message), a flush while events are pending.
  // A group its own event resolves needs none once its first message went out or was held (spoken for).
  if (episode.resolveAt === undefined && !(resolvedByItsEvent(inbox) && (episode.messagesSent > 0 || (episode.held ?? 0) > 0))) {
    episode = { ...episode, resolveAt: iso(latest(quietUntil(inbox, timing), plus(now, 1))) };
  }
  if (pending(episode) > 0 && episode.flushAt === undefined) {
    const flushAt = latest(nextFlushDue(episode, timing, now), now);
    episode = flushAt <= now ? send(episode) : { ...episode, flushAt: iso(flushAt) };
  }

  const actions: AlertAction[] = [];
  if (episode.resolveAt !== undefined && episode.resolveAt !== before?.resolveAt) {
    actions.push({ kind: 'set-timer', timer: 'alert-resolve', at: episode.resolveAt });
  }
  if (episode.flushAt !== undefined && episode.flushAt !== before?.flushAt) {
    actions.push({ kind: 'set-timer', timer: 'alert-flush', at: episode.flushAt });
  }
  actions.push(...firing.map((message): AlertAction => (hold ? { kind: 'hold', message, hold } : { kind: 'publish', message })));
  const decisions: GroupDecisions = { countingSince: inbox.countingSince, closedUpTo, episode };
  if (actions.length === 0 && sameDecisions(decisions, decided)) return unchanged(decided, decisions, notes, 'nothing is due');
  return { changed: true, decisions, actions, notes };
}

/** The group's current episode as its messages show it. */
export function groupView(groupKey: string, inbox: GroupInbox, closedUpTo: number, episode: Episode): AlertGroup {
  return {
    groupKey,
    pending: inbox.total - episode.reportedUpTo,
    total: inbox.total - closedUpTo,
    firstEventAt: episode.firstEventAt,
    lastEventAt: inbox.lastEventAt,
    latest: inbox.latest,
    messagesSent: episode.messagesSent,
    lastSentAt: episode.lastSentAt,
    flushAt: episode.flushAt,
    resolveAt: episode.resolveAt,
    held: episode.held ?? 0,
    lastHold: episode.lastHold,
    ...(inbox.openSubjects && { openSubjects: inbox.openSubjects }),
  };
}

function unchanged(decided: GroupDecisions, next: GroupDecisions, notes: string[], reason: string): AlertDecision {
  if (!sameDecisions(next, decided)) return { changed: true, decisions: next, actions: [], notes: [...notes, reason] };
  return { changed: false, reason: [...notes, reason].join('; ') };
}

function sameDecisions(a: GroupDecisions, b: GroupDecisions): boolean {
  return JSON.stringify(normalised(a)) === JSON.stringify(normalised(b));
}

/** The same decisions always serialise the same: fields in one order, absent ones left out. */
function normalised({ countingSince, closedUpTo, episode }: GroupDecisions) {
  return {
    countingSince,
    closedUpTo,
    episode: episode && {
      firstEventAt: episode.firstEventAt,
      reportedUpTo: episode.reportedUpTo,
      messagesSent: episode.messagesSent,
      lastSentAt: episode.lastSentAt,
      flushAt: episode.flushAt,
      resolveAt: episode.resolveAt,
      held: episode.held,
      lastHold: episode.lastHold,
      holdRecheckAt: episode.holdRecheckAt,
      heldUpTo: episode.heldUpTo,
    },
  };
}

function resolvedByItsEvent(inbox: GroupInbox): boolean {
  return inbox.latest.detail.alert.resolvedBy === 'resolving-event';
}

/**
 * The first message goes groupWait after the episode began. Later ones at most one per repeatInterval;
 * a burst after a quiet spell still gets groupWait to gather, as a new group does.
 */
function nextFlushDue(episode: Episode, timing: AlertTiming, now: Date): Date {
  const recheck = episode.holdRecheckAt === undefined ? new Date(0) : new Date(episode.holdRecheckAt);
  if (episode.messagesSent === 0 || episode.lastSentAt === undefined) {
    return latest(plus(new Date(episode.firstEventAt), timing.groupWaitSeconds), recheck);
  }
  return latest(plus(new Date(episode.lastSentAt), timing.repeatIntervalSeconds), plus(now, timing.groupWaitSeconds), recheck);
}

/** When a held group asks again: when its hold ends if that is sooner than HOLD_RECHECK_SECONDS. */
function holdRecheck(hold: Hold, now: Date): Date {
  const recheck = plus(now, HOLD_RECHECK_SECONDS);
  if (hold.kind === 'inhibited') return recheck;
  const ends = new Date(hold.until);
  return ends < recheck ? latest(ends, plus(now, 1)) : recheck;
}

function quietUntil(inbox: GroupInbox, timing: AlertTiming): Date {
  return plus(new Date(inbox.lastEventAt), timing.resolveAfterSeconds);
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
