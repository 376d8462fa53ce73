/**
 * Helpers shared by the actor tests. Private to `tests/actors/`.
 *
 * @module
 */

import type { DeadLetter } from "../../actors/actor.ts";

export { type LogEvent, recordingLogger } from "../_recording_logger.ts";

/** A dead-letter hook that keeps every letter. */
export function deadLetterSink(): {
  onDeadLetter: (letter: DeadLetter) => void;
  letters: DeadLetter[];
} {
  const letters: DeadLetter[] = [];
  return { onDeadLetter: (letter) => void letters.push(letter), letters };
}

/**
 * Lets the dispatcher and any settled handler promises run: waits one
 * macrotask turn `turns` times (a zero-delay timer that always completes, so
 * the sanitizers stay happy).
 */
export async function flush(turns = 1): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

/** A promise with its resolve function exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => resolve = r);
  return { promise, resolve };
}
