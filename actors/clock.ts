/**
 * Time as the actor runtime sees it. Supervision backoff and restart
 * intensity read time only through a {@linkcode Clock}, so tests can inject a
 * {@linkcode ManualClock} and never sleep.
 *
 * @module
 */

/** An opaque handle returned by {@linkcode Clock.setTimeout}. */
export type TimerHandle = unknown;

/** The time source and timer facility used by an actor system. */
export interface Clock {
  /** Milliseconds since an arbitrary, monotonic origin. */
  now(): number;
  /** Runs `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer returned by {@linkcode Clock.setTimeout}. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `performance.now()` and the global timers.
 *
 * @example Reading the time
 * ```ts
 * import { systemClock } from "@firetower/firetower";
 * const started = systemClock.now();
 * console.log(systemClock.now() - started >= 0);
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};
