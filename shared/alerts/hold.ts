/**
 * Why a message that is due is held back instead of sent, like Alertmanager's silences, mute time
 * intervals and inhibition. A held message is counted in its group (the events it would have reported
 * are reported by it, so the end of a silence does not bring a flood of old news) and shown by
 * `ecs-autopilot alerts`, never sent.
 *
 * A hold is asked for only when a message is about to go out (handle.ts), by the checks the runtime
 * carries: each reads what it needs (the silences in the state table, automation.yml's mute windows,
 * the alert groups firing now) and says whether it holds the message. The first check that holds wins.
 */
import type { AlertBlock } from '../events/alert.ts';

export type Hold =
  /** An operator's silence (`ecs-autopilot silence`) matches the group: `by` its id, until it expires. */
  | { kind: 'silenced'; by: string; until: string; comment?: string | undefined }
  /** A mute window of automation.yml is open: `by` its name, until it closes. */
  | { kind: 'muted'; by: string; until: string }
  /** A firing group explains this one (a lost host, a capacity outage): `by` that group's key. */
  | { kind: 'inhibited'; by: string; rule?: string | undefined };

/** What a hold is decided on: the group's labels, as its newest alert carries them. */
export interface HoldSubject {
  groupKey: string;
  alert: AlertBlock;
  /** Whether the message held would be the firing or the resolved one. */
  status: 'firing' | 'resolved';
}

/** One kind of hold; `undefined`: it does not hold this message. */
export type HoldCheck = (subject: HoldSubject, now: Date) => Promise<Hold | undefined>;

/** The first hold among `checks`, asked in order (the cheaper first: a mute window reads nothing). */
export async function firstHold(checks: readonly HoldCheck[], subject: HoldSubject, now: Date): Promise<Hold | undefined> {
  for (const check of checks) {
    const hold = await check(subject, now);
    if (hold) return hold;
  }
  return undefined;
}

/** A hold in words, for the log and the `alerts` command. */
export function describeHold(hold: Hold): string {
  switch (hold.kind) {
    case 'silenced':
      return `silenced by ${hold.by} until ${hold.until}${hold.comment ? ` (${hold.comment})` : ''}`;
    case 'muted':
      return `muted by the window ${hold.by} until ${hold.until}`;
    case 'inhibited':
      return `inhibited by the firing group ${hold.by}${hold.rule ? ` (rule ${hold.rule})` : ''}`;
  }
}
