/**
 * Epoch time in milliseconds with sub-millisecond precision. Publishers stamp messages with
 * it and subscribers in other processes subtract it, so it must be the wall-clock-anchored
 * `performance.timeOrigin + performance.now()` rather than a per-process monotonic clock.
 *
 * @module
 */

const origin = performance.timeOrigin;

/** Current epoch time in ms, fractional. */
export function nowMs(): number {
  return origin + performance.now();
}

/** Resolves after `ms` milliseconds (immediately when `ms` <= 0). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Rejects with `message` when `promise` does not settle within `ms`. */
export function with_timeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
