import { describe, expect, it } from 'vitest';
import {
  type AlertAction,
  type AlertDecision,
  type AlertTiming,
  type AlertTrigger,
  decideAlert,
  type Episode,
  type GroupDecisions,
  type GroupInbox,
  RESOLVE_RECHECK_SECONDS,
} from '../../shared/alerts/decide.ts';

const T0 = new Date('2026-11-22T02:00:00.000Z');
const GROUP = 'prod|service:web|out-of-memory';
const timing: AlertTiming = { groupWaitSeconds: 30, repeatIntervalSeconds: 3_600, resolveAfterSeconds: 1_800 };
/** When the group's inbox began counting. */
const COUNTING_SINCE = '2026-11-22T01:59:00.000Z';

/** T0 plus `seconds`. */
function t(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}
function iso(seconds: number): string {
  return t(seconds).toISOString();
}

/** `total` events counted, the newest at `lastEventAt` seconds; `resolvedBy`: how the newest says its group resolves. */
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

/** An episode that began at T0 with nothing sent yet, and the fields given. */
function episode(fields: Partial<Episode> = {}): Episode {
  return { firstEventAt: iso(0), reportedUpTo: 0, messagesSent: 0, ...fields };
}

function decided(current: Episode | undefined, closedUpTo = 0): GroupDecisions {
  return { countingSince: COUNTING_SINCE, closedUpTo, episode: current };
}

const NOTHING_DECIDED: GroupDecisions = { countingSince: undefined, closedUpTo: 0, episode: undefined };

function decide(trigger: AlertTrigger, events: GroupInbox | undefined, before: GroupDecisions, now: number, with_ = timing) {
  return decideAlert(trigger, GROUP, events, before, with_, t(now));
}

/** The decision's episode and actions, when it changed anything. */
function changes(decision: AlertDecision) {
  if (!decision.changed) throw new Error(`unchanged: ${decision.reason}`);
  return { closedUpTo: decision.decisions.closedUpTo, episode: decision.decisions.episode, actions: decision.actions };
}

const timer = (kind: 'alert-flush' | 'alert-resolve', at: number): AlertAction => ({ kind: 'set-timer', timer: kind, at: iso(at) });

/** The message of a publish action, reduced to what it reports. */
function published(decision: AlertDecision) {
  return changes(decision).actions.flatMap((action) =>
    action.kind === 'publish'
      ? [
          action.message.status === 'firing'
            ? { status: 'firing', count: action.message.count, total: action.message.group.total }
            : { status: 'resolved', total: action.message.group.total, unreported: action.message.group.pending, at: action.message.at },
        ]
      : [],
  );
}

describe('decideAlert: an event counted into its group', () => {
  it('begins an episode: the first flush groupWait after its first event, the resolve check resolveAfter after its last', () => {
    expect(changes(decide({ kind: 'event' }, inbox(1, 0), NOTHING_DECIDED, 0))).toEqual({
      closedUpTo: 0,
      episode: episode({ resolveAt: iso(1_800), flushAt: iso(30) }),
      actions: [timer('alert-resolve', 1_800), timer('alert-flush', 30)],
    });
  });

  it('sends at once when groupWait is 0, the message last', () => {
    const decision = decide({ kind: 'event' }, inbox(1, 0), NOTHING_DECIDED, 0, { ...timing, groupWaitSeconds: 0 });

    expect(changes(decision).episode).toEqual(episode({ reportedUpTo: 1, messagesSent: 1, lastSentAt: iso(0), resolveAt: iso(1_800) }));
    expect(changes(decision).actions.map((a) => a.kind)).toEqual(['set-timer', 'publish']);
    expect(published(decision)).toEqual([{ status: 'firing', count: 1, total: 1 }]);
  });

  it('only counts while both timers are armed', () => {
    const armed = decided(episode({ flushAt: iso(30), resolveAt: iso(1_800) }));

    expect(decide({ kind: 'event' }, inbox(700, 5), armed, 5)).toEqual({ changed: false, reason: 'nothing is due' });
  });

  it('holds a notified group to one message per repeatInterval', () => {
    const notified = decided(episode({ reportedUpTo: 40, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(2_400) }));

    expect(changes(decide({ kind: 'event' }, inbox(41, 600), notified, 600)).actions).toEqual([timer('alert-flush', 30 + 3_600)]);
  });

  it('gives a burst after the repeatInterval groupWait to gather', () => {
    const notified = decided(episode({ reportedUpTo: 40, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(5_800) }));

    expect(changes(decide({ kind: 'event' }, inbox(41, 4_000), notified, 4_000)).actions).toEqual([timer('alert-flush', 4_030)]);
    const atOnce = decide({ kind: 'event' }, inbox(41, 4_000), notified, 4_000, { ...timing, groupWaitSeconds: 0 });
    expect(published(atOnce)).toEqual([{ status: 'firing', count: 1, total: 41 }]);
  });

  it('does a flush whose time has come when it comes before the flush timer (which then finds nothing left)', () => {
    const due = decided(episode({ flushAt: iso(30), resolveAt: iso(1_800) }));

    const decision = decide({ kind: 'event' }, inbox(3, 31), due, 31);
    expect(published(decision)).toEqual([{ status: 'firing', count: 3, total: 3 }]);
    const after = decision.changed ? decision.decisions : due;
    expect(decide({ kind: 'flush', at: iso(30) }, inbox(3, 31), after, 31)).toEqual({
      changed: false,
      reason: `the flush of ${iso(30)} is not the armed one (none): a repeated or superseded timer; nothing is due`,
    });
  });

  it('moves a resolve check whose timer is late while events keep coming', () => {
    const late = decided(episode({ reportedUpTo: 9, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_800) }));

    expect(changes(decide({ kind: 'event' }, inbox(9, 2_100), late, 2_100)).actions).toEqual([timer('alert-resolve', 2_100 + 1_800)]);
  });

  it('begins afresh when the inbox it counted from expired and began again', () => {
    const old = {
      ...decided(episode({ reportedUpTo: 50, messagesSent: 1, lastSentAt: iso(30) }), 40),
      countingSince: '2026-11-01T00:00:00.000Z',
    };

    expect(changes(decide({ kind: 'event' }, inbox(1, 0), old, 0))).toEqual({
      closedUpTo: 0,
      episode: episode({ resolveAt: iso(1_800), flushAt: iso(30) }),
      actions: [timer('alert-resolve', 1_800), timer('alert-flush', 30)],
    });
  });

  it('begins the next episode after a resolution with the events that came after it', () => {
    const resolved = decided(undefined, 12);

    expect(changes(decide({ kind: 'event' }, inbox(13, 4_000), resolved, 4_000))).toMatchObject({
      closedUpTo: 12,
      episode: { firstEventAt: iso(4_000), reportedUpTo: 12, flushAt: iso(4_030) },
    });
  });
});

describe('decideAlert: looking again after a decision was carried out', () => {
  const sent = decided(episode({ reportedUpTo: 1_000, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_820) }));

  it('changes nothing when nothing arrived meanwhile', () => {
    expect(decide({ kind: 'follow-up' }, inbox(1_000, 20), sent, 30).changed).toBe(false);
  });

  it('arms the next flush a repeatInterval later for what arrived meanwhile', () => {
    expect(changes(decide({ kind: 'follow-up' }, inbox(1_012, 30), sent, 30)).actions).toEqual([timer('alert-flush', 3_630)]);
  });
});

describe('decideAlert: a flush timer fired', () => {
  it('changes nothing when the group has no events', () => {
    expect(decide({ kind: 'flush', at: iso(30) }, undefined, NOTHING_DECIDED, 30)).toEqual({
      changed: false,
      reason: 'the group has no events (none came, or their record expired)',
    });
  });

  it('changes nothing when the group resolved meanwhile', () => {
    expect(decide({ kind: 'flush', at: iso(30) }, inbox(5, 0), decided(undefined, 5), 30)).toEqual({
      changed: false,
      reason: 'no event since the group last resolved',
    });
  });

  it('changes nothing for a flush that is not the armed one (a repeated delivery)', () => {
    const decision = decide(
      { kind: 'flush', at: iso(30) },
      inbox(1, 0),
      decided(episode({ flushAt: iso(3_630), resolveAt: iso(1_800) })),
      30,
    );

    expect(decision).toMatchObject({
      changed: false,
      reason: expect.stringContaining(`the flush of ${iso(30)} is not the armed one (${iso(3_630)})`),
    });
  });

  it('sends everything pending, and it is done', () => {
    const decision = decide(
      { kind: 'flush', at: iso(30) },
      inbox(1_000, 20),
      decided(episode({ flushAt: iso(30), resolveAt: iso(1_820) })),
      30,
    );

    expect(published(decision)).toEqual([{ status: 'firing', count: 1_000, total: 1_000 }]);
    expect(changes(decision).episode).toEqual(
      episode({ reportedUpTo: 1_000, messagesSent: 1, lastSentAt: iso(30), flushAt: undefined, resolveAt: iso(1_820) }),
    );
  });

  it('trusts its own timer that fires a moment before the clock says so', () => {
    const decision = decide({ kind: 'flush', at: iso(30) }, inbox(2, 0), decided(episode({ flushAt: iso(30), resolveAt: iso(1_800) })), 29);

    expect(published(decision)).toEqual([{ status: 'firing', count: 2, total: 2 }]);
  });

  it('disarms itself when nothing is pending', () => {
    const idle = decided(episode({ reportedUpTo: 5, messagesSent: 1, lastSentAt: iso(30), flushAt: iso(3_630), resolveAt: iso(5_000) }));

    expect(changes(decide({ kind: 'flush', at: iso(3_630) }, inbox(5, 3_000), idle, 3_630))).toEqual({
      closedUpTo: 0,
      episode: episode({ reportedUpTo: 5, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(5_000) }),
      actions: [],
    });
  });
});

describe('decideAlert: a resolve check fired', () => {
  const notified = episode({ reportedUpTo: 8, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_810) });

  it('changes nothing for a check that is not the armed one, before the armed one is due', () => {
    const decision = decide({ kind: 'resolve-check', at: iso(1_800) }, inbox(8, 10), decided(notified), 1_805);

    expect(decision).toMatchObject({
      changed: false,
      reason: expect.stringContaining(`the resolve check of ${iso(1_800)} is not the armed one`),
    });
  });

  it('moves itself to resolveAfter past the last event while events kept coming', () => {
    const busy = decided({ ...notified, flushAt: iso(3_630) });

    expect(changes(decide({ kind: 'resolve-check', at: iso(1_810) }, inbox(10, 900), busy, 1_810)).actions).toEqual([
      timer('alert-resolve', 2_700),
    ]);
  });

  it('moves itself past its own time when it fires early, so the new timer has a new name', () => {
    expect(changes(decide({ kind: 'resolve-check', at: iso(1_810) }, inbox(8, 10), decided(notified), 1_809)).actions).toEqual([
      timer('alert-resolve', 1_811),
    ]);
  });

  it('resolves a quiet group and announces it, since a firing message went out', () => {
    const decision = decide({ kind: 'resolve-check', at: iso(1_810) }, inbox(8, 10), decided(notified), 1_810);

    expect(changes(decision)).toMatchObject({ closedUpTo: 8, episode: undefined });
    expect(published(decision)).toEqual([{ status: 'resolved', total: 8, unreported: 0, at: iso(1_810) }]);
  });

  it('resolves a quiet group with events not reported yet: the resolved message carries them', () => {
    const unreported = decided({ ...notified, flushAt: iso(3_630) });

    expect(published(decide({ kind: 'resolve-check', at: iso(1_810) }, inbox(11, 10), unreported, 1_810))).toEqual([
      { status: 'resolved', total: 11, unreported: 3, at: iso(1_810) },
    ]);
  });

  it('waits for the first message of a quiet group nobody has heard of yet', () => {
    const slow = { ...timing, groupWaitSeconds: 3_600, resolveAfterSeconds: 60 };
    const unheard = decided(episode({ flushAt: iso(3_600), resolveAt: iso(65) }));

    expect(changes(decide({ kind: 'resolve-check', at: iso(65) }, inbox(4, 5), unheard, 65, slow)).actions).toEqual([
      timer('alert-resolve', 3_600 + RESOLVE_RECHECK_SECONDS),
    ]);
  });

  it('sends at once the first message of a quiet group whose flush timer is lost, and resolves a minute later', () => {
    const lost = decided(episode({ flushAt: iso(30), resolveAt: iso(2_100) }));
    const decision = decide({ kind: 'resolve-check', at: iso(2_100) }, inbox(4, 0), lost, 2_100);

    expect(changes(decision).actions.map((a) => (a.kind === 'set-timer' ? a : a.kind))).toEqual([
      timer('alert-resolve', 2_100 + RESOLVE_RECHECK_SECONDS),
      'publish',
    ]);
    expect(published(decision)).toEqual([{ status: 'firing', count: 4, total: 4 }]);
  });
});

describe('decideAlert: a group that only its resolving event resolves (restarts paused)', () => {
  const paused = decided(episode({ reportedUpTo: 1, messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_800) }));
  const crashLoop = inbox(1, 0, 'resolving-event');

  it('stays open however long it is quiet, and its resolve check is not armed again', () => {
    const decision = decide({ kind: 'resolve-check', at: iso(1_800) }, crashLoop, paused, 1_800);

    expect(changes(decision)).toEqual({
      closedUpTo: 0,
      episode: episode({ reportedUpTo: 1, messagesSent: 1, lastSentAt: iso(30) }),
      actions: [],
    });
    expect(decision).toMatchObject({ notes: ['the group stays open until its resolving event (quiet does not resolve it)'] });
  });

  it('still sends its first message when nobody has heard of it at the quiet point', () => {
    const unheard = decided(episode({ flushAt: iso(3_600), resolveAt: iso(1_800) }));

    expect(
      changes(decide({ kind: 'resolve-check', at: iso(1_800) }, crashLoop, unheard, 1_800, { ...timing, groupWaitSeconds: 3_600 })).actions,
    ).toEqual([timer('alert-resolve', 3_600 + RESOLVE_RECHECK_SECONDS)]);
  });

  it('resolves on its resolving event, announcing it when a message went out', () => {
    expect(published(decide({ kind: 'resolving-event', time: iso(7_200) }, crashLoop, paused, 7_200))).toEqual([
      { status: 'resolved', total: 1, unreported: 0, at: iso(7_200) },
    ]);
    const silent = decide(
      { kind: 'resolving-event', time: iso(10) },
      crashLoop,
      decided(episode({ flushAt: iso(30), resolveAt: iso(1_800) })),
      10,
    );
    expect(changes(silent)).toEqual({ closedUpTo: 1, episode: undefined, actions: [] });
  });

  it('ignores a resolving event from before the episode began (a late or repeated one): the new episode stays open', () => {
    const reopened = decided(episode({ firstEventAt: iso(600), reportedUpTo: 1, flushAt: iso(630), resolveAt: iso(2_400) }), 1);

    expect(decide({ kind: 'resolving-event', time: iso(300) }, inbox(2, 600, 'resolving-event'), reopened, 620)).toEqual({
      changed: false,
      reason: `a resolving event of ${iso(300)}, before this episode began (${iso(600)}), is ignored; nothing is due`,
    });
  });

  it('changes nothing when no episode is open', () => {
    expect(decide({ kind: 'resolving-event', time: iso(7_200) }, crashLoop, decided(undefined, 1), 7_200).changed).toBe(false);
  });
});

describe('decideAlert: whole episodes, played with an in-memory group', () => {
  /** Counts events, carries out the decisions (and looks again after each) and fires the timers, recording the messages. */
  function play(with_: AlertTiming) {
    let events: GroupInbox | undefined;
    let state: GroupDecisions = NOTHING_DECIDED;
    const messages: string[] = [];
    const timers: { trigger: AlertTrigger; at: string }[] = [];
    const run = (trigger: AlertTrigger, now: Date) => {
      for (let next: AlertTrigger = trigger; ; next = { kind: 'follow-up' }) {
        const decision = decideAlert(next, GROUP, events, state, with_, now);
        if (!decision.changed) return;
        state = decision.decisions;
        for (const action of decision.actions) {
          if (action.kind === 'set-timer') {
            timers.push({ at: action.at, trigger: { kind: action.timer === 'alert-flush' ? 'flush' : 'resolve-check', at: action.at } });
          } else if (action.message.status === 'firing') {
            messages.push(`firing ${action.message.count} of ${action.message.group.total}`);
          } else {
            const { group } = action.message;
            messages.push(`resolved after ${group.total}${group.pending ? ` (${group.pending} unreported)` : ''}`);
          }
        }
      }
    };
    return {
      messages,
      timers,
      event(now: Date) {
        const total = (events?.total ?? 0) + 1;
        events = { ...inbox(total, 0), lastEventAt: now.toISOString() };
        run({ kind: 'event' }, now);
      },
      /** Fires every timer due by `until`, in time order. */
      advance(until: Date) {
        for (;;) {
          timers.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
          const next = timers[0];
          if (!next || Date.parse(next.at) > until.getTime()) return;
          timers.shift();
          run(next.trigger, new Date(next.at));
        }
      },
      get episode() {
        return state.episode;
      },
    };
  }

  it('reports 1,000 events, then 200 more after the repeatInterval, then the resolution: every event counted once', () => {
    const world = play({ ...timing, repeatIntervalSeconds: 300 });

    for (let i = 0; i < 1_000; i++) world.event(t(i / 100));
    world.advance(t(29));
    expect(world.messages).toEqual([]);
    world.advance(t(30));
    expect(world.messages).toEqual(['firing 1000 of 1000']);

    world.advance(t(400));
    for (let i = 0; i < 200; i++) world.event(t(400 + i / 100));
    world.advance(t(429));
    expect(world.messages).toHaveLength(1);
    world.advance(t(430));
    expect(world.messages).toEqual(['firing 1000 of 1000', 'firing 200 of 1200']);

    world.advance(t(402 + 1_800 - 1));
    expect(world.messages).toHaveLength(2);
    world.advance(t(4 * 3_600));
    expect(world.messages).toEqual(['firing 1000 of 1000', 'firing 200 of 1200', 'resolved after 1200']);
    expect(world.episode).toBeUndefined();
  });

  it('holds events after a message until the repeatInterval; a resolution that comes first reports them', () => {
    const world = play(timing);

    world.event(t(0));
    world.advance(t(30));
    world.event(t(600));
    world.event(t(601));
    world.advance(t(601 + 1_800));

    expect(world.messages).toEqual(['firing 1 of 1', 'resolved after 3 (2 unreported)']);
  });

  it('starts afresh after a resolution: the next event waits groupWait again', () => {
    const world = play(timing);

    world.event(t(0));
    world.advance(t(2_000));
    world.event(t(2_000));
    world.advance(t(2_029));

    expect(world.messages).toEqual(['firing 1 of 1', 'resolved after 1']);
    world.advance(t(2_030));
    expect(world.messages).toEqual(['firing 1 of 1', 'resolved after 1', 'firing 1 of 1']);
  });
});
