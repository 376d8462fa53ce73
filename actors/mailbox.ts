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

const EMPTY: unique symbol = Symbol("empty");

/**
 * A bounded FIFO queue. A lone message sits in a slot of its own and more
 * go to an array created on demand and released when the queue empties: an
 * idle mailbox holds no array, and the common case of a fan-out, one frame
 * to each of many idle connections, allocates nothing per connection.
 */
export class BoundedMailbox<M> {
  /** Most messages the mailbox holds. */
  readonly capacity: number;
  // Invariant: when `#first` is empty, `#rest` is empty too.
  #first: M | typeof EMPTY = EMPTY;
  #rest: M[] | undefined;
  #head = 0;
  #highWater = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Messages waiting to be processed. */
  get depth(): number {
    if (this.#first === EMPTY) return 0;
    return this.#rest === undefined ? 1 : 1 + this.#rest.length - this.#head;
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
    if (this.#first === EMPTY) {
      this.#first = message;
      if (this.#highWater === 0) this.#highWater = 1;
      return;
    }
    (this.#rest ??= []).push(message);
    const depth = 1 + this.#rest.length - this.#head;
    if (depth > this.#highWater) this.#highWater = depth;
  }

  /** Removes and returns the oldest message; `undefined` when empty. */
  shift(): M | undefined {
    const first = this.#first;
    if (first === EMPTY) return undefined;
    const rest = this.#rest;
    if (rest === undefined) {
      this.#first = EMPTY;
      return first;
    }
    this.#first = rest[this.#head];
    rest[this.#head++] = undefined as M;
    if (this.#head === rest.length) {
      this.#rest = undefined;
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= rest.length) {
      // Compact so a long-lived busy mailbox does not grow without bound.
      this.#rest = rest.slice(this.#head);
      this.#head = 0;
    }
    return first;
  }

  /** Removes every queued message and returns them, oldest first. */
  clear(): M[] {
    if (this.#first === EMPTY) return [];
    const all = [this.#first, ...(this.#rest?.slice(this.#head) ?? [])];
    this.#first = EMPTY;
    this.#rest = undefined;
    this.#head = 0;
    return all;
  }
}
