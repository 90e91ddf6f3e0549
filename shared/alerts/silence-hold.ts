/**
 * The silences hold (hold.ts): a due message is held while an active silence matches its group. The
 * silences are read when a message is due — at most one per group per repeatInterval, so one Query
 * each time costs little and a silence made a minute ago is always seen.
 */
import type { Silence, Silences } from '../state/silences.ts';
import { isActive } from '../state/silences.ts';
import type { HoldCheck } from './hold.ts';
import { type Matcher, MatcherError, matchesAll, parseMatchers } from './silence-matchers.ts';

type SilenceStore = Pick<Silences, 'list'>;

/**
 * Of the active silences that match, the one that lasts longest, since the hold lasts until it ends.
 * A stored silence whose matchers no longer parse (written by hand, or by a later version) holds nothing:
 * a silence that cannot be read must not swallow alerts.
 */
export function silenceHold(store: SilenceStore): HoldCheck {
  return async ({ alert }, now) => {
    let holding: Silence | undefined;
    for (const silence of await store.list()) {
      if (!isActive(silence, now)) continue;
      const matchers = readable(silence);
      if (!matchers || !matchesAll(matchers, alert)) continue;
      if (!holding || silence.endsAt > holding.endsAt) holding = silence;
    }
    return holding && { kind: 'silenced', by: holding.id, until: holding.endsAt, comment: holding.comment };
  };
}

function readable(silence: Silence): Matcher[] | undefined {
  try {
    return parseMatchers(silence.matchers);
  } catch (error) {
    if (error instanceof MatcherError) return undefined;
    throw error;
  }
}
