import { describe, expect, it } from 'vitest';
import {
  type AlertAction,
  type AlertGroup,
  type AlertTiming,
  decideAlert,
  LOST_TIMER_AFTER_SECONDS,
  RESOLVE_RECHECK_SECONDS,
} from '../../shared/alerts/decide-alert.ts';

const T0 = new Date('2026-11-22T02:00:00.000Z');
const timing: AlertTiming = { groupWaitSeconds: 30, repeatIntervalSeconds: 3_600, resolveAfterSeconds: 1_800 };

/** T0 plus `seconds`. */
function t(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}
function iso(seconds: number): string {
  return t(seconds).toISOString();
}

/** A group whose first event came at T0 and nothing was sent yet. */
function group(fields: Partial<AlertGroup> = {}): AlertGroup {
  return {
    groupKey: 'prod|service:web|out-of-memory',
    pending: 1,
    total: 1,
    firstEventAt: iso(0),
    lastEventAt: iso(0),
    latest: {
      id: 'e-1',
      detailType: 'Service Task Stopped',
      time: iso(0),
      detail: {
        alert: { cluster: 'prod', subject: { kind: 'service', name: 'web' }, category: 'out-of-memory', severity: 'critical' },
      },
    },
    messagesSent: 0,
    lastSentAt: undefined,
    flushAt: undefined,
    resolveAt: undefined,
    ...fields,
  };
}

describe('decideAlert: an event counted into its group', () => {
  it('arms the first flush groupWait after the first event, and the resolve check resolveAfter after the last', () => {
    expect(decideAlert({ kind: 'alert' }, group(), timing, t(0))).toEqual([
      { kind: 'arm-resolve', at: iso(1_800), replacing: undefined },
      { kind: 'arm-flush', at: iso(30), replacing: undefined },
    ]);
  });

  it('flushes at once (a flush armed for now) when groupWait is 0', () => {
    const actions = decideAlert({ kind: 'alert' }, group(), { ...timing, groupWaitSeconds: 0 }, t(0));

    expect(actions).toContainEqual({ kind: 'arm-flush', at: iso(0), replacing: undefined });
  });

  it('only counts while both timers are armed', () => {
    const waiting = group({ pending: 700, total: 700, lastEventAt: iso(5), flushAt: iso(30), resolveAt: iso(1_800) });

    expect(decideAlert({ kind: 'alert' }, waiting, timing, t(5))).toEqual([]);
  });

  it('holds a notified group to one message per repeatInterval', () => {
    const notified = group({ pending: 1, total: 41, lastEventAt: iso(600), messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(2_400) });

    expect(decideAlert({ kind: 'alert' }, notified, timing, t(600))).toEqual([
      { kind: 'arm-flush', at: iso(30 + 3_600), replacing: undefined },
    ]);
  });

  it('gives a burst after the repeatInterval groupWait to gather', () => {
    const notified = group({ pending: 1, total: 41, lastEventAt: iso(4_000), messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(5_800) });

    expect(decideAlert({ kind: 'alert' }, notified, timing, t(4_000))).toEqual([
      { kind: 'arm-flush', at: iso(4_030), replacing: undefined },
    ]);
    expect(decideAlert({ kind: 'alert' }, notified, { ...timing, groupWaitSeconds: 0 }, t(4_000))).toEqual([
      { kind: 'arm-flush', at: iso(4_000), replacing: undefined },
    ]);
  });

  it('leaves a flush that is late by less than the lost-timer margin to its timer', () => {
    const late = group({ pending: 3, total: 3, lastEventAt: iso(200), flushAt: iso(30), resolveAt: iso(1_800) });

    expect(decideAlert({ kind: 'alert' }, late, timing, t(30 + LOST_TIMER_AFTER_SECONDS - 1))).toEqual([]);
  });

  it('takes over a flush whose timer is lost, flushing at once when its time has passed', () => {
    const now = 30 + LOST_TIMER_AFTER_SECONDS;
    const lost = group({ pending: 3, total: 3, lastEventAt: iso(now), flushAt: iso(30), resolveAt: iso(1_800) });

    expect(decideAlert({ kind: 'alert' }, lost, timing, t(now))).toEqual([{ kind: 'arm-flush', at: iso(now), replacing: iso(30) }]);
  });

  it('re-arms a lost resolve check', () => {
    const now = 1_800 + LOST_TIMER_AFTER_SECONDS;
    const lost = group({ pending: 0, total: 9, lastEventAt: iso(now), messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_800) });

    expect(decideAlert({ kind: 'alert' }, { ...lost, pending: 1, total: 10 }, timing, t(now))).toEqual([
      { kind: 'arm-resolve', at: iso(now + 1_800), replacing: iso(1_800) },
      { kind: 'arm-flush', at: iso(3_630), replacing: undefined },
    ]);
  });
});

describe('decideAlert: a message was recorded as sent', () => {
  const sent = group({ pending: 0, total: 1_000, lastEventAt: iso(20), messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_820) });

  it('arms nothing when nothing arrived while it was sent', () => {
    expect(decideAlert({ kind: 'sent' }, sent, timing, t(30))).toEqual([]);
  });

  it('arms the next flush a repeatInterval later for what arrived meanwhile', () => {
    expect(decideAlert({ kind: 'sent' }, { ...sent, pending: 12 }, timing, t(30))).toEqual([
      { kind: 'arm-flush', at: iso(3_630), replacing: undefined },
    ]);
  });
});

describe('decideAlert: a flush timer fired', () => {
  it('does nothing when the group has resolved meanwhile', () => {
    expect(decideAlert({ kind: 'flush', at: iso(30) }, undefined, timing, t(30))).toEqual([
      { kind: 'nothing', reason: 'the group has no events (it resolved meanwhile)' },
    ]);
  });

  it('does nothing for a flush that is not the armed one (a repeated delivery)', () => {
    const [action] = decideAlert({ kind: 'flush', at: iso(30) }, group({ flushAt: iso(3_630) }), timing, t(30));

    expect(action?.kind).toBe('nothing');
    expect(action).toMatchObject({ reason: expect.stringContaining(`the armed flush is ${iso(3_630)}, not ${iso(30)}`) });
  });

  it('sends everything pending', () => {
    const ready = group({ pending: 1_000, total: 1_000, flushAt: iso(30) });

    expect(decideAlert({ kind: 'flush', at: iso(30) }, ready, timing, t(30))).toEqual([
      { kind: 'send-firing', count: 1_000, flushAt: iso(30) },
    ]);
  });

  it('disarms itself when nothing is pending', () => {
    const idle = group({ pending: 0, total: 5, messagesSent: 1, lastSentAt: iso(30), flushAt: iso(3_630) });

    expect(decideAlert({ kind: 'flush', at: iso(3_630) }, idle, timing, t(3_630))).toEqual([{ kind: 'disarm-flush', flushAt: iso(3_630) }]);
  });
});

describe('decideAlert: a resolve check fired', () => {
  const notified = group({ pending: 0, total: 8, lastEventAt: iso(10), messagesSent: 1, lastSentAt: iso(30), resolveAt: iso(1_810) });

  it('does nothing when the group has resolved already', () => {
    expect(decideAlert({ kind: 'resolve-check', at: iso(1_810) }, undefined, timing, t(1_810))[0]?.kind).toBe('nothing');
  });

  it('does nothing for a check that is not the armed one', () => {
    const [action] = decideAlert({ kind: 'resolve-check', at: iso(1_800) }, notified, timing, t(1_810));

    expect(action).toMatchObject({ kind: 'nothing', reason: expect.stringContaining(`the armed resolve check is ${iso(1_810)}`) });
  });

  it('moves itself to resolveAfter past the last event while events kept coming', () => {
    const busy = { ...notified, pending: 2, total: 10, lastEventAt: iso(900) };

    expect(decideAlert({ kind: 'resolve-check', at: iso(1_810) }, busy, timing, t(1_810))).toEqual([
      { kind: 'arm-resolve', at: iso(2_700), replacing: iso(1_810) },
    ]);
  });

  it('moves itself past its own time when it fires early, so the new timer has a new name', () => {
    expect(decideAlert({ kind: 'resolve-check', at: iso(1_810) }, notified, timing, t(1_809))).toEqual([
      { kind: 'arm-resolve', at: iso(1_811), replacing: iso(1_810) },
    ]);
  });

  it('resolves a quiet group and announces it, since a firing message went out', () => {
    expect(decideAlert({ kind: 'resolve-check', at: iso(1_810) }, notified, timing, t(1_810))).toEqual([
      { kind: 'resolve', announce: true },
    ]);
  });

  it('resolves a quiet group with events not reported yet: the resolved message carries them', () => {
    const unreported = { ...notified, pending: 3, total: 11, flushAt: iso(3_630) };

    expect(decideAlert({ kind: 'resolve-check', at: iso(1_810) }, unreported, timing, t(1_810))).toEqual([
      { kind: 'resolve', announce: true },
    ]);
  });

  it('waits for the first message of a quiet group nobody has heard of yet', () => {
    const slow = { ...timing, groupWaitSeconds: 3_600, resolveAfterSeconds: 60 };
    const unheard = group({ pending: 4, total: 4, lastEventAt: iso(5), flushAt: iso(3_600), resolveAt: iso(65) });

    expect(decideAlert({ kind: 'resolve-check', at: iso(65) }, unheard, slow, t(65))).toEqual([
      { kind: 'arm-resolve', at: iso(3_600 + RESOLVE_RECHECK_SECONDS), replacing: iso(65) },
    ]);
  });

  it('flushes at once a quiet group nobody has heard of whose flush timer is lost', () => {
    const now = 1_800 + LOST_TIMER_AFTER_SECONDS;
    const lost = group({ pending: 4, total: 4, flushAt: iso(30), resolveAt: iso(now) });

    expect(decideAlert({ kind: 'resolve-check', at: iso(now) }, lost, timing, t(now))).toEqual([
      { kind: 'arm-resolve', at: iso(now + RESOLVE_RECHECK_SECONDS), replacing: iso(now) },
      { kind: 'arm-flush', at: iso(now), replacing: iso(30) },
    ]);
  });

  it('resolves silently a group that never had anything to report', () => {
    const empty = group({ pending: 0, total: 0, resolveAt: iso(1_800) });

    expect(decideAlert({ kind: 'resolve-check', at: iso(1_800) }, empty, timing, t(1_800))).toEqual([{ kind: 'resolve', announce: false }]);
  });
});

describe('decideAlert: a group that only its resolving event resolves (restarts paused)', () => {
  const paused = group({
    groupKey: 'workers|watched-task:queue-worker|crash-loop',
    pending: 0,
    total: 1,
    messagesSent: 1,
    lastSentAt: iso(30),
    resolveAt: iso(1_800),
    latest: {
      id: 'e-1',
      detailType: 'Crash Loop Detected',
      time: iso(0),
      detail: {
        alert: {
          cluster: 'workers',
          subject: { kind: 'watched-task', name: 'queue-worker' },
          category: 'crash-loop',
          severity: 'critical',
          resolvedBy: 'resolving-event',
        },
      },
    },
  });

  it('stays open however long it is quiet', () => {
    expect(decideAlert({ kind: 'resolve-check', at: iso(1_800) }, paused, timing, t(1_800))).toEqual([
      { kind: 'nothing', reason: 'the group stays open until its resolving event (quiet does not resolve it)' },
    ]);
  });

  it('still sends its first message when nobody has heard of it at the quiet point', () => {
    const unheard = { ...paused, pending: 1, messagesSent: 0, lastSentAt: undefined, flushAt: iso(30) };

    expect(decideAlert({ kind: 'resolve-check', at: iso(1_800) }, unheard, { ...timing, groupWaitSeconds: 3_600 }, t(1_800))[0]?.kind).toBe(
      'arm-resolve',
    );
  });

  it('resolves on its resolving event, announcing it when a message went out', () => {
    expect(decideAlert({ kind: 'resolving-event' }, paused, timing, t(7_200))).toEqual([{ kind: 'resolve', announce: true }]);
    expect(decideAlert({ kind: 'resolving-event' }, { ...paused, messagesSent: 0 }, timing, t(7_200))).toEqual([
      { kind: 'resolve', announce: false },
    ]);
  });
});

describe('decideAlert: a whole episode, played with an in-memory group', () => {
  /** Carries out the actions the way the store and handle-notify do, recording the messages. */
  function play(
    state: { group: AlertGroup | undefined; messages: string[]; timers: { kind: 'flush' | 'resolve-check'; at: string }[] },
    timing: AlertTiming,
  ) {
    const run = (actions: AlertAction[], now: Date) => {
      for (const action of actions) {
        const g = state.group;
        if (!g || action.kind === 'nothing') continue;
        if (action.kind === 'arm-flush' || action.kind === 'arm-resolve') {
          const field = action.kind === 'arm-flush' ? 'flushAt' : 'resolveAt';
          if (g[field] !== action.replacing) continue;
          g[field] = action.at;
          if (action.kind === 'arm-flush' && Date.parse(action.at) <= now.getTime()) {
            run(decideAlert({ kind: 'flush', at: action.at }, g, timing, now), now);
          } else {
            state.timers.push({ kind: action.kind === 'arm-flush' ? 'flush' : 'resolve-check', at: action.at });
          }
        } else if (action.kind === 'send-firing') {
          state.messages.push(`firing ${action.count} of ${g.total}`);
          Object.assign(g, { pending: g.pending - action.count, messagesSent: g.messagesSent + 1, lastSentAt: now.toISOString() });
          g.flushAt = undefined;
          run(decideAlert({ kind: 'sent' }, g, timing, now), now);
        } else if (action.kind === 'disarm-flush') {
          g.flushAt = undefined;
        } else if (action.kind === 'resolve') {
          if (action.announce) state.messages.push(`resolved after ${g.total}${g.pending ? ` (${g.pending} unreported)` : ''}`);
          state.group = undefined;
        }
      }
    };
    return {
      event(now: Date) {
        const g = state.group ?? group({ pending: 0, total: 0, firstEventAt: now.toISOString() });
        state.group = { ...g, pending: g.pending + 1, total: g.total + 1, lastEventAt: now.toISOString() };
        run(decideAlert({ kind: 'alert' }, state.group, timing, now), now);
      },
      /** Fires every timer due by `until`, in time order. */
      advance(until: Date) {
        for (;;) {
          state.timers.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
          const next = state.timers[0];
          if (!next || Date.parse(next.at) > until.getTime()) return;
          state.timers.shift();
          run(decideAlert(next, state.group, timing, new Date(next.at)), new Date(next.at));
        }
      },
    };
  }

  it('reports 1,000 events, then 200 more after the repeatInterval, then the resolution: every event counted once', () => {
    const state = {
      group: undefined as AlertGroup | undefined,
      messages: [] as string[],
      timers: [] as { kind: 'flush' | 'resolve-check'; at: string }[],
    };
    const world = play(state, { ...timing, repeatIntervalSeconds: 300 });

    for (let i = 0; i < 1_000; i++) world.event(t(i / 100));
    world.advance(t(29));
    expect(state.messages).toEqual([]);
    world.advance(t(30));
    expect(state.messages).toEqual(['firing 1000 of 1000']);

    world.advance(t(400));
    for (let i = 0; i < 200; i++) world.event(t(400 + i / 100));
    world.advance(t(429));
    expect(state.messages).toHaveLength(1);
    world.advance(t(430));
    expect(state.messages).toEqual(['firing 1000 of 1000', 'firing 200 of 1200']);

    world.advance(t(402 + 1_800 - 1));
    expect(state.messages).toHaveLength(2);
    world.advance(t(4 * 3_600));
    expect(state.messages).toEqual(['firing 1000 of 1000', 'firing 200 of 1200', 'resolved after 1200']);
    expect(state.group).toBeUndefined();
    expect(state.timers).toEqual([]);
  });

  it('holds events after a message until the repeatInterval; a resolution that comes first reports them', () => {
    const state = {
      group: undefined as AlertGroup | undefined,
      messages: [] as string[],
      timers: [] as { kind: 'flush' | 'resolve-check'; at: string }[],
    };
    const world = play(state, timing);

    world.event(t(0));
    world.advance(t(30));
    world.event(t(600));
    world.event(t(601));
    world.advance(t(601 + 1_800));

    expect(state.messages).toEqual(['firing 1 of 1', 'resolved after 3 (2 unreported)']);
  });

  it('starts afresh after a resolution: the next event waits groupWait again', () => {
    const state = {
      group: undefined as AlertGroup | undefined,
      messages: [] as string[],
      timers: [] as { kind: 'flush' | 'resolve-check'; at: string }[],
    };
    const world = play(state, timing);

    world.event(t(0));
    world.advance(t(2_000));
    world.event(t(2_000));
    world.advance(t(2_029));

    expect(state.messages).toEqual(['firing 1 of 1', 'resolved after 1']);
    world.advance(t(2_030));
    expect(state.messages).toEqual(['firing 1 of 1', 'resolved after 1', 'firing 1 of 1']);
  });
});
