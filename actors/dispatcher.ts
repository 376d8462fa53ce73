import type { Runnable } from "./_runtime.ts";

/**
 * Runs actors that have messages. An actor is queued here once, when its
 * mailbox goes from empty to non-empty, and the dispatcher is woken by one
 * microtask when its queue goes from empty to non-empty: idle actors cost no
 * timer, promise or microtask.
 *
 * Each actor processes at most `throughput` messages per turn before going
 * to the back of the queue, so one busy actor cannot starve the others; after
 * `turnBudget` messages in one wake-up the dispatcher yields to I/O with
 * `setImmediate` instead of running on in microtasks.
 */
export class Dispatcher {
  // A queue that keeps its capacity between wake-ups: scheduling allocates nothing.
  #ready: (Runnable | undefined)[] = [];
  #head = 0;
  #tail = 0;
  #awake = false;
  readonly #throughput: number;
  readonly #turnBudget: number;
  readonly #drain = (): void => this.#run();

  constructor(throughput: number, turnBudget: number) {
    this.#throughput = throughput;
    this.#turnBudget = turnBudget;
  }

  /** Queues an actor to run; wakes the dispatcher if it was idle. */
  schedule(cell: Runnable): void {
    this.#ready[this.#tail++] = cell;
    if (!this.#awake) {
      this.#awake = true;
      queueMicrotask(this.#drain);
    }
  }

  #run(): void {
    let budget = this.#turnBudget;
    const ready = this.#ready;
    while (this.#head < this.#tail) {
      const cell = ready[this.#head];
      ready[this.#head++] = undefined;
      budget -= cell!.run(this.#throughput);
      if (budget <= 0 && this.#head < this.#tail) {
        // Move the rest to the front so the queue does not creep forward.
        const rest = this.#tail - this.#head;
        ready.copyWithin(0, this.#head, this.#tail);
        ready.fill(undefined, rest, this.#tail);
        this.#head = 0;
        this.#tail = rest;
        setImmediate(this.#drain);
        return;
      }
    }
    this.#head = 0;
    this.#tail = 0;
    this.#awake = false;
  }
}
