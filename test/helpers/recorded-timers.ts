/**
 * Timers as Scheduler keeps them, for tests that drive notify (or any function with timers) on a virtual
 * clock: one per name until it fires (setting it again finds it set); the test takes those its clock has
 * passed, earliest first. `failures` makes the next calls of set() throw, in turn, as a throttled,
 * unreachable or refusing Scheduler would (undefined: that call succeeds).
 */
import type { Timer, TimerSetter } from '../../shared/timers/timers.ts';

export class RecordedTimers implements TimerSetter {
  readonly pending = new Map<string, Timer>();
  readonly fired: Timer[] = [];
  readonly failures: (Error | undefined)[] = [];

  async set(timer: Timer): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    if (!this.pending.has(timer.name)) this.pending.set(timer.name, timer);
  }

  /** The earliest pending timer due by `until`, taken (it fires); undefined when none is due. */
  takeDue(until: Date): Timer | undefined {
    const next = [...this.pending.values()].sort((a, b) => a.at.getTime() - b.at.getTime())[0];
    if (!next || next.at > until) return undefined;
    this.pending.delete(next.name);
    this.fired.push(next);
    return next;
  }
}
