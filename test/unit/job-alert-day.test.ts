/**
 * Issue 13's target, measured: a job failing every hour for a day, then succeeding. The events are the
 * job runs' own (runOutcomeEvent), read as notify reads them (parseNotifyInput) and decided by notify's
 * pure decision (decideAlert) with the group kept in memory: each event counted once by its id, each
 * decision carried out and looked at again, each timer fired when it is due.
 */
import { describe, expect, it } from 'vitest';
import { type AlertTiming, type AlertTrigger, decideAlert, type GroupDecisions, type GroupInbox } from '../../shared/alerts/decide.ts';
import { parseNotifyInput } from '../../shared/alerts/trigger.ts';
import { alertGroupKey } from '../../shared/events/alert.ts';
import type { RunRecord } from '../../shared/jobs/run-record.ts';
import { runOutcomeEvent } from '../../shared/jobs/trigger.ts';
import { busEvent } from '../helpers/alert-events.ts';
import { runRecord } from './fixtures.ts';

const HOUR = 3_600;
const DAY = 24 * HOUR;
const START = Date.parse('2026-11-22T00:00:00.000Z');
/** notifications' defaults (README, "Alerts"): groupWait 30s, repeatInterval 4h, resolveAfter 30m. */
const DEFAULT_TIMING: AlertTiming = { groupWaitSeconds: 30, repeatIntervalSeconds: 4 * HOUR, resolveAfterSeconds: 1_800 };

const at = (seconds: number) => new Date(START + seconds * 1000);

/** notify for one group, in memory: the messages it sends, with when. */
function notifyInMemory(timing: AlertTiming) {
  let inbox: GroupInbox | undefined;
  const counted = new Set<string>();
  let decided: GroupDecisions = { countingSince: undefined, closedUpTo: 0, episode: undefined };
  let groupKey: string | undefined;
  const timers: { at: string; trigger: AlertTrigger }[] = [];
  const messages: { status: 'firing' | 'resolved'; at: Date; count?: number }[] = [];
  let writes = 0;

  const decide = (trigger: AlertTrigger, now: Date) => {
    for (let next = trigger; ; next = { kind: 'follow-up' }) {
      const decision = decideAlert(next, groupKey ?? '', inbox, decided, timing, now);
      if (!decision.changed) return;
      writes++;
      decided = decision.decisions;
      for (const action of decision.actions) {
        if (action.kind === 'set-timer') {
          timers.push({
            at: action.at,
            trigger: action.timer === 'alert-flush' ? { kind: 'flush', at: action.at } : { kind: 'resolve-check', at: action.at },
          });
        } else if (action.message.status === 'firing') {
          messages.push({ status: 'firing', at: now, count: action.message.count });
        } else {
          messages.push({ status: 'resolved', at: now });
        }
      }
    }
  };
  const fireTimersUntil = (until: Date) => {
    for (;;) {
      timers.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
      const next = timers[0];
      if (!next || Date.parse(next.at) > until.getTime()) return;
      timers.shift();
      decide(next.trigger, new Date(next.at));
    }
  };

  return {
    messages,
    get writes() {
      return writes;
    },
    /** A job run's outcome reaches the bus at `now`: notify takes it if it carries an alert. */
    deliver(run: RunRecord, now: Date) {
      fireTimersUntil(now);
      const event = runOutcomeEvent(run, now);
      const input = parseNotifyInput(
        busEvent(event.detailType, { ...event.detail, eventId: event.id }, { id: `eb-${event.id}`, time: now.toISOString() }),
      );
      if (input.kind === 'alert') {
        groupKey ??= alertGroupKey(input.alert);
        expect(alertGroupKey(input.alert)).toBe(groupKey);
        if (counted.has(input.eventId)) return;
        counted.add(input.eventId);
        const total = (inbox?.total ?? 0) + 1;
        inbox = { total, countingSince: inbox?.countingSince ?? now.toISOString(), latest: input.sample, lastEventAt: now.toISOString() };
        decide({ kind: 'event' }, now);
      } else if (input.kind === 'resolution') {
        if (groupKey !== undefined) expect(alertGroupKey(input.alert)).toBe(groupKey);
        decide({ kind: 'resolving-event', time: input.time }, now);
      }
    },
    fireTimersUntil,
  };
}

/** The hourly job's run of `hour`, which ended five minutes after it was scheduled. */
function hourlyRun(hour: number, outcome: 'failed' | 'succeeded'): RunRecord {
  const scheduledTime = at(hour * HOUR).toISOString();
  const ended = { launchedAt: scheduledTime, endedAt: at(hour * HOUR + 300).toISOString() };
  if (outcome === 'succeeded') return runRecord({ job: 'hourly-sync', scheduledTime, status: 'succeeded', ...ended });
  return runRecord({
    job: 'hourly-sync',
    scheduledTime,
    status: 'failed',
    category: 'app-error',
    retry: { willRetry: false, because: 'attempt 1 was the last of 1' },
    ...ended,
  });
}

describe('a job failing every hour for a day, then succeeding', () => {
  for (const repeatHours of [4, 1, 6]) {
    const timing = { ...DEFAULT_TIMING, repeatIntervalSeconds: repeatHours * HOUR };
    it(`sends at most 1 + 24h / repeatInterval messages (repeatInterval ${repeatHours}h), then one resolved after the first success`, () => {
      const notify = notifyInMemory(timing);

      for (let hour = 0; hour < 24; hour++) notify.deliver(hourlyRun(hour, 'failed'), at(hour * HOUR + 300));
      notify.fireTimersUntil(at(DAY + 299));
      const firing = notify.messages.filter((m) => m.status === 'firing');
      expect(firing.length).toBeLessThanOrEqual(1 + 24 / repeatHours);
      expect(notify.messages.filter((m) => m.status === 'resolved')).toEqual([]);
      // Every failure is reported: the counts of the firing messages add up to the 24 (the last ones may still be pending).
      expect(firing.reduce((sum, m) => sum + (m.count ?? 0), 0)).toBeLessThanOrEqual(24);

      notify.deliver(hourlyRun(24, 'succeeded'), at(DAY + 300));
      for (let hour = 25; hour < 72; hour++) notify.deliver(hourlyRun(hour, 'succeeded'), at(hour * HOUR + 300));
      notify.fireTimersUntil(at(7 * DAY));

      const resolved = notify.messages.filter((m) => m.status === 'resolved');
      expect(resolved.map((m) => m.at)).toEqual([at(DAY + 300)]);
      expect(notify.messages.filter((m) => m.status === 'firing')).toEqual(firing);
      console.info(
        `repeatInterval ${repeatHours}h: ${firing.length} firing + ${resolved.length} resolved = ${notify.messages.length} messages in the day`,
      );
    });
  }

  it('never says a failure resolved while the job has not run again', () => {
    const notify = notifyInMemory(DEFAULT_TIMING);

    notify.deliver(hourlyRun(0, 'failed'), at(300));
    notify.fireTimersUntil(at(7 * DAY));

    expect(notify.messages.map((m) => m.status)).toEqual(['firing']);
  });

  it('decides nothing, and so writes nothing, for the successes of a job whose group has no open episode', () => {
    const notify = notifyInMemory(DEFAULT_TIMING);

    for (let hour = 0; hour < 24; hour++) notify.deliver(hourlyRun(hour, 'succeeded'), at(hour * HOUR + 300));
    notify.deliver(hourlyRun(24, 'failed'), at(DAY + 300));
    notify.deliver(hourlyRun(25, 'succeeded'), at(DAY + HOUR + 300));
    const afterOneEpisode = notify.writes;
    notify.deliver(hourlyRun(26, 'succeeded'), at(DAY + 2 * HOUR + 300));

    expect(notify.writes).toBe(afterOneEpisode);
    expect(notify.messages.map((m) => m.status)).toEqual(['firing', 'resolved']);
  });
});
