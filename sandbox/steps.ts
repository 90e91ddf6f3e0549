/** What the simulation's agenda holds, and the order of the steps due at one instant. */

export interface Step {
  run: () => Promise<void>;
  /** Deliveries of firings in the window run even when they arrive after it ends; everything else stops at its end. */
  pastWindow: boolean;
}

/** At one instant: injections first (they must be in place for the delivery they target), then deliveries, timers, the watchdog. */
export const RANK = { injection: 0, delivery: 1, timer: 2, watchdog: 3 } as const;
