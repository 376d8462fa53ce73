/**
 * A bounded set of recently seen ids: a command sent to every TM reaches a
 * gateway once per TM, and only the first copy is applied. Private to the
 * `tm` broker.
 *
 * @module
 */

/** Remembers the last `capacity` ids, forgetting the oldest first. */
export class RecentIds {
  readonly #capacity: number;
  readonly #ids = new Set<string>();

  /** Creates an empty set holding at most `capacity` ids. */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Adds `id`; returns false when it was already there (a duplicate). */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      this.#ids.delete(this.#ids.values().next().value!);
    }
    return true;
  }
}
