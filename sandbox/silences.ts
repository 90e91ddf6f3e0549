/**
 * A scenario's silence, carried out as `ecs-autopilot silence` does it: the same code writes the same item
 * to the emulator's state table, and notify holds what it matches until it ends. The messages it holds
 * are timeline lines of their own ("alert held"), so the report shows what was counted and not sent.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createSilence } from '../cli/silences.ts';
import type { NotifyResult } from '../shared/alerts/handle.ts';
import { describeHold } from '../shared/alerts/hold.ts';
import { formatDuration } from '../shared/config/duration.ts';
import { Silences } from '../shared/state/silences.ts';
import { emulatorClientConfig } from './emulator.ts';
import type { InjectionOfKind } from './scenario.ts';
import type { Simulation } from './simulation.ts';
import { timelineEntry } from './timeline.ts';

/** Who made the scenario's silences, as `silences` shows it. */
export const SCENARIO_OPERATOR = 'sandbox scenario';

export async function silenceOnCue(sim: Simulation, injection: InjectionOfKind<'silence'>): Promise<void> {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(sim.world.endpoint)));
  const store = new Silences(dynamo, sim.world.tableName);
  const made = await createSilence(
    { matchers: injection.matchers, forSeconds: injection.for, comment: injection.comment, createdBy: SCENARIO_OPERATOR },
    store,
    sim.clock.now(),
  );
  sim.add({
    timeZone: sim.plan.scenarioZone,
    subject: made.matchers.join(' '),
    what: 'silence',
    label: 'silenced',
    detail: `an operator silences ${made.matchers.join(', ')} for ${formatDuration(injection.for)} (silence ${made.id})${made.comment ? `: ${made.comment}` : ''}`,
    source: 'scenario',
  });
}

/** A line, and an entry of the report's held alerts, for each message notify held back in one invocation. */
export function showHeldMessages(sim: Simulation, result: NotifyResult | undefined): void {
  const groupKey = result?.groupKey ?? '';
  const [, subject = groupKey] = /^[^|]*\|[^:|]*:([^|]*)\|/.exec(groupKey) ?? [];
  for (const held of result?.held ?? []) {
    const why = describeHold(held.hold);
    const entry = timelineEntry({
      time: sim.clock.now(),
      timeZone: sim.plan.scenarioZone,
      subject,
      what: 'alert-held',
      label: held.status === 'resolved' ? 'alert held (resolved)' : 'alert held',
      detail: `${held.status === 'resolved' ? 'the resolved message' : `a message of ${held.count} event${held.count === 1 ? '' : 's'}`} of ${groupKey} is not sent: ${why}`,
      source: 'alert-topic',
    });
    sim.timeline.push(entry);
    sim.heldAlerts.push({ time: entry.time, local: entry.local, status: held.status, groupKey, count: held.count, hold: held.hold, why });
  }
}
