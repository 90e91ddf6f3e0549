/**
 * The sandbox's time: a clock that only moves when told to, and an agenda of what happens when. The
 * sandbox jumps from one agenda item to the next, so a quiet night costs nothing.
 */

export class VirtualClock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now = (): Date => new Date(this.current);

  /** Moves to `instant`, never backwards: a handler that slept (capacity back-off) may already be past it. */
  advanceTo(instant: Date): void {
    this.current = Math.max(this.current, instant.getTime());
  }

  advance(seconds: number): void {
    this.current += seconds * 1000;
  }

  /** What the job runtime calls to wait between launch retries: time passes, instantly. */
  sleep = async (seconds: number): Promise<void> => {
    this.advance(seconds);
  };
}

interface Entry<T> {
  at: number;
  rank: number;
  sequence: number;
  item: T;
}

/**
 * Items in time order. At the same instant a lower rank goes first (an injected outage before the
 * delivery it should affect), then the order in which they were added.
 */
export class Agenda<T> {
  private readonly entries: Entry<T>[] = [];
  private added = 0;

  add(at: Date, rank: number, item: T): void {
    const entry = { at: at.getTime(), rank, sequence: this.added++, item };
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (comesBefore(this.entries[middle] as Entry<T>, entry)) low = middle + 1;
      else high = middle;
    }
    this.entries.splice(low, 0, entry);
  }

  /** Takes the earliest item. */
  next(): { at: Date; item: T } | undefined {
    const entry = this.entries.shift();
    return entry && { at: new Date(entry.at), item: entry.item };
  }

  get size(): number {
    return this.entries.length;
  }
}

function comesBefore<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at !== b.at ? a.at < b.at : a.rank !== b.rank ? a.rank < b.rank : a.sequence < b.sequence;
}
