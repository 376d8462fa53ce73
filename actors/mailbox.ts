/**
 * What a full mailbox does with one more message.
 *
 * - `dropNewest`: the incoming message is discarded (the default; right for
 *   sends to clients, where the newest frame is the cheapest to lose).
 * - `dropOldest`: the oldest queued message is discarded to make room (right
 *   for topic fan-out, where fresher data supersedes older).
 * - `reject`: the incoming message is refused; the sender is expected to act
 *   on `tell()` returning `false` (for example by calling a read-timeout hook).
 *
 * Whatever the policy, every message that does not get processed is counted
 * as dropped and reported to the system's dead-letter hook.
 */
export type OverflowPolicy = "dropNewest" | "dropOldest" | "reject";

/** The overflow policies, for validating user input. */
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["dropNewest", "dropOldest", "reject"];

/**
 * A bounded FIFO queue. The backing array is created on the first message and
 * released when the queue empties, so an idle mailbox holds no array at all.
 */
export class BoundedMailbox<M> {
  /** Most messages the mailbox holds. */
  readonly capacity: number;
  #items: M[] | undefined;
  #head = 0;
  #highWater = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Messages waiting to be processed. */
  get depth(): number {
    return this.#items === undefined ? 0 : this.#items.length - this.#head;
  }

  /** The largest depth this mailbox has reached. */
  get highWater(): number {
    return this.#highWater;
  }

  /** Whether one more message would overflow. */
  get full(): boolean {
    return this.depth >= this.capacity;
  }

  /** Appends a message; the caller has checked {@linkcode BoundedMailbox.full}. */
  push(message: M): void {
    let items = this.#items;
    if (items === undefined) items = this.#items = [];
    items.push(message);
    const depth = items.length - this.#head;
    if (depth > this.#highWater) this.#highWater = depth;
  }

  /** Removes and returns the oldest message; `undefined` when empty. */
  shift(): M | undefined {
    const items = this.#items;
    if (items === undefined) return undefined;
    const message = items[this.#head];
    items[this.#head++] = undefined as M;
    if (this.#head === items.length) {
      this.#items = undefined;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      // Compact so a long-lived busy mailbox does not grow without bound.
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  /** Removes every queued message and returns them, oldest first. */
  clear(): M[] {
    const items = this.#items;
    if (items === undefined) return [];
    const rest = items.slice(this.#head);
    this.#items = undefined;
    this.#head = 0;
    return rest;
  }
}
