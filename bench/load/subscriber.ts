/**
 * A subscriber connection: counts heartbeats, checks the subscribe ack until it came, and
 * books every publish found in a frame. It is its own frame and delivery sink, so the hot
 * path allocates nothing.
 *
 * @module
 */
import { nowMs } from "./clock.ts";
import type { DeliveryBook } from "./delivery_book.ts";
import { type DeliverySink, isHeartbeat, scanDeliveries } from "./envelope_scanner.ts";
import { AckWait, type Subscribable } from "./subscription.ts";

/** Connection-level counters shared by a worker's clients. */
export interface LinkCounters {
  /** `heartbeat` frames received. */
  heartbeats: number;
  /** Connections that ended without our close. */
  closed_unexpectedly: number;
}

/** One subscriber of topic number `topic`. */
export class Subscriber implements Subscribable, DeliverySink {
  readonly ack: AckWait = new AckWait();
  readonly topic: number;
  readonly last: Int32Array;
  #book: DeliveryBook;
  #counters: LinkCounters;

  constructor(book: DeliveryBook, counters: LinkCounters, topic: number) {
    this.#book = book;
    this.#counters = counters;
    this.topic = topic;
    this.last = book.table_for(topic);
  }

  on_message(buf: Uint8Array, start: number, end: number): void {
    if (isHeartbeat(buf, start, end)) {
      this.#counters.heartbeats++;
      return;
    }
    this.ack.check(buf, start, end);
    this.#book.now = nowMs();
    scanDeliveries(buf, start, end, this);
  }

  on_delivery(publisher: number, seq: number, sent_at: number): void {
    this.#book.record(this.last, this.topic, publisher, seq, sent_at);
  }

  on_close(): void {
    this.#counters.closed_unexpectedly++;
    this.ack.fail();
  }
}
