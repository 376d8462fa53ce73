import type { Clock, TimerHandle } from "./clock.ts";

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * A {@linkcode Clock} that moves only when told to, for deterministic tests of
 * backoff, restart intensity and anything else that waits.
 *
 * @example Advancing time fires due timers in order
 * ```ts
 * import { ManualClock } from "@firetower/firetower";
 * const clock = new ManualClock();
 * const fired: number[] = [];
 * clock.setTimeout(() => fired.push(2), 20);
 * clock.setTimeout(() => fired.push(1), 10);
 * clock.advance(25);
 * console.log(fired); // [1, 2]
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  /** Creates a clock that starts at `start` milliseconds. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** The current manual time. */
  now(): number {
    return this.#now;
  }

  /** Schedules `callback` to run when the clock reaches now + `ms`. */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    this.#timers.push(timer);
    return timer.id;
  }

  /** Cancels a pending timer; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.id !== handle);
  }

  /** Delays of the timers still pending, relative to now, in firing order. */
  pendingDelays(): number[] {
    return this.#ordered().map((timer) => timer.at - this.#now);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const next = this.#ordered()[0];
      if (next === undefined || next.at > target) break;
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#now = next.at;
      next.callback();
    }
    this.#now = target;
  }

  #ordered(): PendingTimer[] {
    return [...this.#timers].sort((a, b) => a.at - b.at || a.id - b.id);
  }
}
