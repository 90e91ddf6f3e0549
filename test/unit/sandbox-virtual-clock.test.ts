import { describe, expect, it } from 'vitest';
import { Agenda, VirtualClock } from '../../sandbox/virtual-clock.ts';

const at = (iso: string) => new Date(iso);

describe('VirtualClock', () => {
  it('stands still until moved, and sleeping moves it at once', async () => {
    const clock = new VirtualClock(at('2026-11-23T01:00:00Z'));

    clock.advance(90);
    await clock.sleep(30);

    expect(clock.now().toISOString()).toBe('2026-11-23T01:02:00.000Z');
  });

  it('never goes back: a handler that slept past the next item keeps its time', () => {
    const clock = new VirtualClock(at('2026-11-23T01:00:00Z'));
    clock.advance(120);

    clock.advanceTo(at('2026-11-23T01:01:00Z'));
    expect(clock.now().toISOString()).toBe('2026-11-23T01:02:00.000Z');
    clock.advanceTo(at('2026-11-23T02:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-11-23T02:00:00.000Z');
  });

  it('hands out copies, so a caller cannot move it by mutating a Date', () => {
    const clock = new VirtualClock(at('2026-11-23T01:00:00Z'));
    clock.now().setUTCHours(9);

    expect(clock.now().toISOString()).toBe('2026-11-23T01:00:00.000Z');
  });
});

describe('Agenda', () => {
  it('gives items back in time order, then by rank, then in the order they were added', () => {
    const agenda = new Agenda<string>();
    agenda.add(at('2026-11-23T02:00:03Z'), 1, 'nightly delivery');
    agenda.add(at('2026-11-23T01:00:03Z'), 1, 'stock delivery');
    agenda.add(at('2026-11-23T02:00:03Z'), 2, 'watchdog');
    agenda.add(at('2026-11-23T02:00:03Z'), 0, 'outage');
    agenda.add(at('2026-11-23T02:00:03Z'), 1, 'sync delivery');

    const order: string[] = [];
    for (let next = agenda.next(); next; next = agenda.next()) order.push(next.item);

    expect(order).toEqual(['stock delivery', 'outage', 'nightly delivery', 'sync delivery', 'watchdog']);
    expect(agenda.size).toBe(0);
  });

  it('accepts items added while it is being worked through', () => {
    const agenda = new Agenda<string>();
    agenda.add(at('2026-11-23T02:00:00Z'), 1, 'launch');
    agenda.add(at('2026-11-23T05:00:00Z'), 1, 'later');

    expect(agenda.next()).toEqual({ at: at('2026-11-23T02:00:00Z'), item: 'launch' });
    agenda.add(at('2026-11-23T02:25:00Z'), 0, 'task exits');
    expect(agenda.next()?.item).toBe('task exits');
    expect(agenda.next()?.item).toBe('later');
    expect(agenda.next()).toBeUndefined();
  });
});
