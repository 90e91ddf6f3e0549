/**
 * notify, end to end, in the shape blue/green has: count the event into its group's inbox (keyed by its
 * id, so a redelivery counts nothing), load the group, decide (decide.ts, pure), persist the decisions
 * with their actions (the outbox) in one versioned write, carry the actions out (apply.ts) and mark
 * them done — by settling their version in the inbox, with the flush they left armed; then look once
 * more, since events counted meanwhile may need a timer.
 *
 * Counting is not a decision: the inbox records what arrived, and never contends with the decisions,
 * which hundreds of concurrent invocations for one group would otherwise all race to rewrite. In a burst
 * the count is all most events need: it returns the inbox, whose settled flush — armed, not yet due —
 * will report them. Such an event reads nothing else and writes nothing else, as before.
 *
 * Why that is safe: whoever changes a group's flush settles it before looking again, so an event either
 * counted before that look (and is seen by it) or reads the new settled flush.
 *
 * The outbox makes a crash harmless: the next invocation for the group that reads its decisions — the
 * failed one delivered again, a timer, another event with no flush armed — finds the version unsettled
 * and carries its actions out. Until `leaseUntil` they belong to the invocation that decided them, which
 * may still be at them: another event leaves them to it (that invocation looks again when done, and
 * sees the event), a timer or a resolving event is retried later. The lease outlasts notify's 30 s
 * timeout (serverless.yml), so its holder has surely ended, and is shorter than the minute Lambda waits
 * before delivering a failed event again.
 *
 * At least once, at most one more: SNS standard topics do not de-duplicate, and nothing can publish and
 * record that it did in one step. The outbox records the message before Publish and the invocation
 * settles it right after (the message is always the last action). An invocation that dies in between —
 * after SNS took the message, before the settle — leaves it unsettled, and the invocation that takes over
 * publishes it once more: the same message, the same count. Every other failure sends each message once.
 */
import { RetryableAwsError } from '../errors.ts';
import { alertGroupKey, keepsOpenSubjects, subjectLabel } from '../events/alert.ts';
import type { InboxRead, Settled } from '../state/alert-groups.ts';
import { retryOnStaleWrite, StaleWriteError } from '../state/versioned.ts';
import { applyAction } from './apply.ts';
import { type AlertAction, type AlertDecision, type AlertTrigger, decideAlert, type GroupDecisions } from './decide.ts';
import { describeHold, firstHold, type Hold } from './hold.ts';
import { type LoadedGroup, loadGroup, unsettled } from './load.ts';
import type { NotifyRuntime } from './runtime.ts';
import type { NotifyInput } from './trigger.ts';

export interface NotifyResult {
  groupKey?: string;
  /** The messages this invocation published. */
  published: { status: 'firing' | 'resolved'; count: number; messageId: string | undefined }[];
  /** The messages this invocation held back (silenced, muted, inhibited): counted in the group, not sent. */
  held?: { status: 'firing' | 'resolved'; count: number; hold: Hold }[];
  /** Actions AWS refused for good (a message, a timer): logged and recorded in the group's inbox, not retried. */
  refused?: { what: string; reason: string }[];
  /** Why the input needed nothing. */
  ignored?: string;
}

/** See the lease above: longer than notify's timeout, shorter than Lambda's wait before a retry. */
const OUTBOX_LEASE_SECONDS = 45;

/** Decisions one invocation makes for a group before it gives up: a decision and a look after it, a few times over. */
const MAX_DECISIONS = 10;

export async function handleNotify(input: NotifyInput, rt: NotifyRuntime): Promise<NotifyResult> {
  switch (input.kind) {
    case 'no-alert': {
      const ignored = `a "${input.detailType}" event without an alert is for pipelines and dashboards, not a person`;
      rt.log.info(ignored, { eventId: input.id });
      return { published: [], ignored };
    }
    case 'alert': {
      const groupKey = alertGroupKey(input.alert, rt.groupBy);
      rt.log.appendKeys?.({ groupKey });
      const { counted, ...read } = await rt.groups.count(groupKey, input.eventId, input.sample, rt.now());
      const what = { eventId: input.eventId, total: read.inbox.total };
      if (counted === 'before') {
        // A repeated delivery, maybe of an invocation that failed mid-way: its group is looked at in full.
        rt.log.info('alert counted before (a repeated delivery): not counted again', what);
      } else if (reportedByArmedFlush(read.settled, rt.now())) {
        rt.log.info('alert counted; the flush armed for it reports it', { ...what, flushAt: read.settled.flushAt });
        return { groupKey, published: [] };
      } else {
        rt.log.info('alert counted', what);
      }
      return drive(groupKey, { kind: 'event' }, rt, read);
    }
    case 'resolution': {
      const groupKey = alertGroupKey(input.alert, rt.groupBy);
      rt.log.appendKeys?.({ groupKey });
      // Every success of every job is one: for a group that never had an alert (the usual case) one read decides it.
      const inbox = await rt.groups.inbox(groupKey);
      if (!inbox) {
        const ignored = 'a resolving event for a group with no alert (none came, or their record expired): nothing to resolve';
        rt.log.info(ignored, { eventId: input.id, time: input.time });
        return { groupKey, published: [], ignored };
      }
      if (!keepsOpenSubjects(groupKey)) {
        rt.log.info('resolving event', { eventId: input.id, time: input.time });
        return drive(groupKey, { kind: 'resolving-event', time: input.time }, rt, inbox);
      }
      // A group of several subjects resolves when the last open one does. A subject not open (closed before:
      // a redelivery; never in it: another job's success) writes nothing, and resolves only an empty group.
      const subject = subjectLabel(input.alert);
      const closed = inbox.inbox.openSubjects?.includes(subject) ? await rt.groups.close(groupKey, subject) : inbox;
      const stillOpen = closed?.inbox.openSubjects ?? [];
      if (!closed || stillOpen.length > 0) {
        const ignored = closed
          ? `${subject} is closed; the group stays open, still open: ${stillOpen.join(', ')}`
          : 'the group expired meanwhile';
        rt.log.info(ignored, { eventId: input.id, time: input.time });
        return { groupKey, published: [], ignored };
      }
      rt.log.info('resolving event: no subject of the group is left open', { eventId: input.id, time: input.time, subject });
      return drive(groupKey, { kind: 'resolving-event', time: input.time }, rt, closed);
    }
    case 'timer': {
      const { groupKey, at, timer } = input.timer;
      rt.log.appendKeys?.({ groupKey, timer, timerAt: at });
      return drive(groupKey, timer === 'alert-flush' ? { kind: 'flush', at } : { kind: 'resolve-check', at }, rt);
    }
  }
}

function reportedByArmedFlush(settled: Settled, now: Date): boolean {
  return settled.flushAt !== undefined && Date.parse(settled.flushAt) > now.getTime();
}

async function drive(groupKey: string, trigger: AlertTrigger, rt: NotifyRuntime, counted?: InboxRead): Promise<NotifyResult> {
  const result: NotifyResult = { groupKey, published: [] };
  let attempt = 0;
  const decideAndCarryOut = async () => {
    // The inbox already read (by the count, or by a resolving event's first look) serves the first attempt; one that lost a race reads it again.
    let group = await loadGroup(groupKey, rt.groups, attempt++ === 0 ? counted : undefined);
    if (unsettled(group)) {
      const { leaseUntil = '', actions } = group;
      if (Date.parse(leaseUntil) > rt.now().getTime()) {
        if (trigger.kind !== 'event') {
          throw new RetryableAwsError(`alert group ${groupKey}: another invocation is carrying out its decisions until ${leaseUntil}`);
        }
        rt.log.info("another invocation is carrying out this group's decisions: it looks again when done, and sees this event", {
          leaseUntil,
        });
        return;
      }
      rt.log.warn('carrying out what an invocation decided and did not settle (it failed or died): a message among it may go out again', {
        version: group.version,
        actions: actions.map((a) => a.kind),
      });
      group = await carryOut(group, group.decisions, actions, rt, result);
    }
    let current = trigger;
    for (let decisions = 0; ; decisions++) {
      if (decisions === MAX_DECISIONS) throw new Error(`alert group ${groupKey}: still deciding after ${MAX_DECISIONS} decisions`);
      const decision = await decideWithHolds(current, group, rt);
      if (!decision.changed) {
        rt.log.info(decision.reason, { trigger: current.kind });
        return;
      }
      rt.log.info('decided', { trigger: current.kind, notes: decision.notes, actions: decision.actions.map((a) => a.kind) });
      group = await carryOut(group, decision.decisions, decision.actions, rt, result);
      current = { kind: 'follow-up' };
    }
  };
  if (trigger.kind !== 'event') {
    await retryOnStaleWrite(decideAndCarryOut);
    return result;
  }
  try {
    await decideAndCarryOut();
  } catch (error) {
    if (!(error instanceof StaleWriteError)) throw error;
    // An event needs no second try: the invocation that wrote first settles, then looks again, and sees it.
    rt.log.info('another invocation decided first: it looks again when done, and sees this event');
  }
  return result;
}

/**
 * Decides; when the decision sends a message, asks the runtime's holds (silences, mute windows,
 * inhibition) whether it may go, and if one holds it, decides again with the hold: the group counts the
 * message as held instead. Holds are read only when a message is due, so an event a flush will report
 * reads nothing more.
 */
async function decideWithHolds(trigger: AlertTrigger, group: LoadedGroup, rt: NotifyRuntime): Promise<AlertDecision> {
  const now = rt.now();
  const decision = decideAlert(trigger, group.groupKey, group.inbox, group.decisions, rt.timing, now);
  if (!decision.changed || !group.inbox) return decision;
  const message = decision.actions.find((action) => action.kind === 'publish')?.message;
  if (!message) return decision;
  const hold = await firstHold(rt.holds, { groupKey: group.groupKey, alert: group.inbox.latest.detail.alert, status: message.status }, now);
  if (!hold) return decision;
  rt.log.info(`the ${message.status} message is held back: ${describeHold(hold)}`, { hold });
  return decideAlert(trigger, group.groupKey, group.inbox, group.decisions, rt.timing, now, hold);
}

/**
 * Persists `decisions` with `actions` as the next version (leased to this invocation), carries the
 * actions out in order, and settles the version in the inbox with the flush it leaves armed. Returns the
 * group to look at again: these decisions, and the inbox read anew for the events counted meanwhile.
 */
async function carryOut(
  group: LoadedGroup,
  decisions: GroupDecisions,
  actions: AlertAction[],
  rt: NotifyRuntime,
  result: NotifyResult,
): Promise<LoadedGroup> {
  const { groupKey } = group;
  const now = rt.now();
  const leaseUntil = new Date(now.getTime() + OUTBOX_LEASE_SECONDS * 1000).toISOString();
  const version = await rt.groups.save(groupKey, { decisions, actions, leaseUntil }, group.version, now);
  const settled: Settled = { version, flushAt: decisions.episode?.flushAt };
  for (const action of actions) {
    const outcome = await applyAction(action, groupKey, rt);
    if (outcome.kind === 'held') {
      result.held = [...(result.held ?? []), { status: outcome.status, count: outcome.count, hold: outcome.hold }];
    } else if (outcome.kind === 'published') {
      result.published.push({ status: outcome.status, count: outcome.count, messageId: outcome.messageId });
      rt.log.info(`${outcome.status} message sent`, { count: outcome.count, messageId: outcome.messageId });
      // Sent, but not to every topic its routes pick: the refusal is kept as any other (apply.ts logged it).
      if (outcome.refused) {
        result.refused = [...(result.refused ?? []), outcome.refused];
        settled.lastRefused = { ...outcome.refused, at: rt.now().toISOString() };
      }
    } else if (outcome.kind === 'refused') {
      const refused = { what: outcome.what, reason: outcome.reason };
      result.refused = [...(result.refused ?? []), refused];
      settled.lastRefused = { ...refused, at: rt.now().toISOString() };
      rt.log.error(`${outcome.what} was refused for good: it is dropped, not retried`, { reason: outcome.reason });
    }
  }
  const read = await rt.groups.settle(groupKey, settled);
  return { ...group, version, decisions, actions, leaseUntil, inbox: read?.inbox, settled: read?.settled ?? settled };
}
