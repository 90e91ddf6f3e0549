/**
 * A message held back (silenced, muted, inhibited) is counted in its group, not sent: the events it would
 * have reported are reported by the hold, the group asks again after a while instead of at every event,
 * and when the hold is gone the next message reports only what came after it.
 */
import { describe, expect, it } from 'vitest';
import {
  type AlertDecision,
  type AlertTiming,
  decideAlert,
  type GroupDecisions,
  type GroupInbox,
  HOLD_RECHECK_SECONDS,
} from '../../shared/alerts/decide.ts';
import { describeHold, firstHold, type Hold, type HoldCheck } from '../../shared/alerts/hold.ts';

const T0 = new Date('2026-11-22T02:00:00.000Z');
const GROUP = 'prod|service:web|out-of-memory';
const timing: AlertTiming = { groupWaitSeconds: 30, repeatIntervalSeconds: 3_600, resolveAfterSeconds: 1_800 };
const COUNTING_SINCE = '2026-11-22T01:59:00.000Z';
const iso = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function inbox(total: number, lastEventAt: number, resolvedBy?: 'resolving-event'): GroupInbox {
  return {
    total,
    countingSince: COUNTING_SINCE,
    lastEventAt: iso(lastEventAt),
    latest: {
      id: `e-${total}`,
      detailType: 'Service Task Stopped',
      time: iso(lastEventAt),
      detail: {
        alert: { cluster: 'prod', subject: { kind: 'service', name: 'web' }, category: 'out-of-memory', severity: 'critical', resolvedBy },
      },
    },
  };
}

const SILENCE: Hold = { kind: 'silenced', by: 'sil-1', until: iso(7_200), comment: 'deploying a fix' };
const NOTHING: GroupDecisions = { countingSince: undefined, closedUpTo: 0, episode: undefined };

function changed(decision: AlertDecision) {
  if (!decision.changed) throw new Error(`unchanged: ${decision.reason}`);
  return decision;
}
const kinds = (decision: AlertDecision) => changed(decision).actions.map((a) => (a.kind === 'set-timer' ? `${a.kind}:${a.timer}` : a.kind));

describe('decideAlert with a hold', () => {
  it('holds the due firing message: counted as held, nothing published, messagesSent unchanged', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, inbox(1, 0), NOTHING, timing, at(0)));
    const decision = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, inbox(3, 20), first.decisions, timing, at(30), SILENCE));
    expect(kinds(decision)).toEqual(['hold']);
    const held = decision.actions[0];
    expect(held?.kind === 'hold' && held.message.status === 'firing' && held.message.count).toBe(3);
    expect(decision.decisions.episode).toMatchObject({
      reportedUpTo: 3,
      messagesSent: 0,
      held: 3,
      lastHold: { hold: SILENCE, at: iso(30) },
      holdRecheckAt: iso(30 + HOLD_RECHECK_SECONDS),
    });
    expect(decision.decisions.episode?.lastSentAt).toBeUndefined();
  });

  it('does not decide again at every event while held: the next flush waits for the recheck', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, inbox(1, 0), NOTHING, timing, at(0)));
    const held = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, inbox(1, 0), first.decisions, timing, at(30), SILENCE));
    const next = changed(decideAlert({ kind: 'event' }, GROUP, inbox(2, 60), held.decisions, timing, at(60)));
    expect(kinds(next)).toEqual(['set-timer:alert-flush']);
    expect(next.decisions.episode?.flushAt).toBe(iso(30 + HOLD_RECHECK_SECONDS));
  });

  it('once the hold is gone, sends only what came after it', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, inbox(1, 0), NOTHING, timing, at(0)));
    const held = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, inbox(4, 10), first.decisions, timing, at(30), SILENCE));
    const later = changed(decideAlert({ kind: 'event' }, GROUP, inbox(6, 100), held.decisions, timing, at(100)));
    const flushAt = later.decisions.episode?.flushAt ?? '';
    const sent = changed(decideAlert({ kind: 'flush', at: flushAt }, GROUP, inbox(6, 100), later.decisions, timing, new Date(flushAt)));
    const publish = sent.actions.find((a) => a.kind === 'publish');
    expect(publish?.kind === 'publish' && publish.message.status === 'firing' && publish.message.count).toBe(2);
    expect(sent.decisions.episode).toMatchObject({ messagesSent: 1, held: 4, reportedUpTo: 6 });
    expect(sent.decisions.episode?.holdRecheckAt).toBeUndefined();
  });

  it('asks again when a silence ends if that is sooner than the recheck interval', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, inbox(1, 0), NOTHING, timing, at(0)));
    const shortSilence: Hold = { kind: 'muted', by: 'maintenance', until: iso(90) };
    const held = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, inbox(1, 0), first.decisions, timing, at(30), shortSilence));
    expect(held.decisions.episode?.holdRecheckAt).toBe(iso(90));
  });

  it('a group whose every message was held resolves without a resolved message', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, inbox(1, 0), NOTHING, timing, at(0)));
    const held = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, inbox(1, 0), first.decisions, timing, at(30), SILENCE));
    const resolveAt = held.decisions.episode?.resolveAt ?? '';
    const resolved = changed(
      decideAlert({ kind: 'resolve-check', at: resolveAt }, GROUP, inbox(1, 0), held.decisions, timing, new Date(resolveAt)),
    );
    expect(resolved.actions).toEqual([]);
    expect(resolved.decisions.episode).toBeUndefined();
  });

  it('holds the resolved message of a group that had spoken', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, inbox(1, 0), NOTHING, timing, at(0)));
    const sent = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, inbox(1, 0), first.decisions, timing, at(30)));
    const resolveAt = sent.decisions.episode?.resolveAt ?? '';
    const resolved = changed(
      decideAlert({ kind: 'resolve-check', at: resolveAt }, GROUP, inbox(1, 0), sent.decisions, timing, new Date(resolveAt), SILENCE),
    );
    expect(kinds(resolved)).toEqual(['hold']);
    expect(resolved.actions[0]?.kind === 'hold' && resolved.actions[0].message.status).toBe('resolved');
  });
});

describe('decideAlert with a hold, for a group only its own event resolves (restarts paused until resume)', () => {
  const INHIBITED: Hold = { kind: 'inhibited', by: 'prod|service:web|placement-failure', rule: 'lost-capacity' };
  const paused = (total: number, last: number) => inbox(total, last, 'resolving-event');

  it('keeps the held events pending and asks again at the recheck: the condition lasts, so its message must come once the hold is gone', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, paused(1, 0), NOTHING, timing, at(0)));
    const held = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, paused(1, 0), first.decisions, timing, at(30), INHIBITED));
    expect(kinds(held)).toEqual(['set-timer:alert-flush', 'hold']);
    expect(held.decisions.episode).toMatchObject({ reportedUpTo: 0, held: 1, flushAt: iso(30 + HOLD_RECHECK_SECONDS) });

    // Still held at the recheck: counted once, asked again later.
    const recheck = iso(30 + HOLD_RECHECK_SECONDS);
    const again = changed(decideAlert({ kind: 'flush', at: recheck }, GROUP, paused(1, 0), held.decisions, timing, at(330), INHIBITED));
    expect(again.decisions.episode).toMatchObject({ reportedUpTo: 0, held: 1, flushAt: iso(330 + HOLD_RECHECK_SECONDS) });
    expect(kinds(again)).toEqual(['set-timer:alert-flush']);

    // A new event while held: held again, the new one alone counted.
    const more = changed(decideAlert({ kind: 'flush', at: iso(630) }, GROUP, paused(2, 600), again.decisions, timing, at(630), INHIBITED));
    const heldAction = more.actions.find((a) => a.kind === 'hold');
    expect(heldAction?.kind === 'hold' && heldAction.message.status === 'firing' && heldAction.message.count).toBe(1);
    expect(more.decisions.episode).toMatchObject({ held: 2, reportedUpTo: 0 });

    // The hold is gone: the message goes out with every event since the episode began.
    const flushAt = more.decisions.episode?.flushAt ?? '';
    const sent = changed(decideAlert({ kind: 'flush', at: flushAt }, GROUP, paused(2, 600), more.decisions, timing, new Date(flushAt)));
    const publish = sent.actions.find((a) => a.kind === 'publish');
    expect(publish?.kind === 'publish' && publish.message.status === 'firing' && publish.message.count).toBe(2);
  });

  it('arms no resolve check a second after another while held: the group waits for its event, not for quiet', () => {
    const first = changed(decideAlert({ kind: 'event' }, GROUP, paused(1, 0), NOTHING, timing, at(0)));
    const held = changed(decideAlert({ kind: 'flush', at: iso(30) }, GROUP, paused(1, 0), first.decisions, timing, at(30), INHIBITED));
    let decisions = held.decisions;
    let now = 30;
    // Every timer the group arms, taken in order for two hours: about one per HOLD_RECHECK_SECONDS, not one a second.
    let timers = 0;
    while (now < 7_200 && timers < 1_000) {
      const episode = decisions.episode;
      if (!episode) break;
      const next = [episode.flushAt, episode.resolveAt].filter((x): x is string => x !== undefined).sort()[0];
      if (!next) break;
      timers += 1;
      now = (Date.parse(next) - T0.getTime()) / 1000;
      const trigger = next === episode.flushAt ? ({ kind: 'flush', at: next } as const) : ({ kind: 'resolve-check', at: next } as const);
      const decision = decideAlert(trigger, GROUP, paused(1, 0), decisions, timing, at(now), INHIBITED);
      if (decision.changed) decisions = decision.decisions;
    }
    expect(now).toBeGreaterThanOrEqual(7_200);
    expect(timers).toBeLessThanOrEqual(7_200 / HOLD_RECHECK_SECONDS + 5);
    expect(decisions.episode?.messagesSent).toBe(0);
  });
});

describe('firstHold', () => {
  const subject = { groupKey: GROUP, alert: inbox(1, 0).latest.detail.alert, status: 'firing' as const };
  it('asks the checks in order and stops at the first that holds', async () => {
    const asked: string[] = [];
    const check =
      (name: string, hold?: Hold): HoldCheck =>
      async () => {
        asked.push(name);
        return hold;
      };
    const mute: Hold = { kind: 'muted', by: 'maintenance', until: iso(3_600) };
    expect(await firstHold([check('none'), check('mute', mute), check('silence', SILENCE)], subject, at(0))).toEqual(mute);
    expect(asked).toEqual(['none', 'mute']);
    expect(await firstHold([], subject, at(0))).toBeUndefined();
  });

  it('says a hold in words', () => {
    expect(describeHold(SILENCE)).toBe(`silenced by sil-1 until ${iso(7_200)} (deploying a fix)`);
    expect(describeHold({ kind: 'inhibited', by: 'prod|cluster:prod|host-lost', rule: 'lost-hosts' })).toBe(
      'inhibited by the firing group prod|cluster:prod|host-lost (rule lost-hosts)',
    );
  });
});
