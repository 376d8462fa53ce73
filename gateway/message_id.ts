/**
 * Makes message ids unique across the cluster: `<node>-<ms since epoch,
 * base 36>-<sequence within that ms, base 36>`, where `node` is the
 * gateway's cluster id (and worker index). Ids stay unique as long as every
 * gateway process has its own node name, the role firetower's snowflake
 * worker id (`ClusterId`) played.
 */
export class MessageIdGenerator {
  readonly #node: string;
  #lastMs = 0;
  #sequence = 0;
  #prefix = "";

  /** Creates a generator for one gateway process. */
  constructor(node: string) {
    this.#node = node;
  }

  /** The next id. */
  next(): string {
    let now = Date.now();
    if (now <= this.#lastMs) {
      // Same millisecond, or the wall clock stepped back: keep counting on
      // the last millisecond rather than reuse a sequence number.
      now = this.#lastMs;
      this.#sequence++;
    } else {
      this.#lastMs = now;
      this.#sequence = 0;
      this.#prefix = `${this.#node}-${now.toString(36)}-`;
    }
    return this.#prefix + this.#sequence.toString(36);
  }
}
