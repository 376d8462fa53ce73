/**
 * A publisher connection. It subscribes to its own topic and takes the echo of its own
 * message as "delivered", which bounds the messages in flight without any side channel.
 * Sending is pulled by echoes (rate 0) or by the worker's tick handing out tokens (rate > 0).
 *
 * @module
 */
import { nowMs } from "./clock.ts";
import { type DeliverySink, isHeartbeat, scanDeliveries } from "./envelope_scanner.ts";
import { publishFrame } from "./publish_frame.ts";
import type { LinkCounters } from "./subscriber.ts";
import { AckWait, type Subscribable } from "./subscription.ts";
import type { WsConnection } from "./ws_connection.ts";

/** An echo missing this long is taken as lost, so one loss cannot stall a publisher. */
const STALL_MS = 5_000;

/** Shape of one publisher's pacing. */
export interface PublisherPlan {
  /** Publishes per second, 0 = unpaced. */
  rate: number;
  /** Max messages not yet echoed. */
  inflight: number;
  /** Bytes of `data`. */
  payload: number;
  /** Publishes before stopping, 0 = unlimited. */
  messages: number;
}

/** Publisher number `id` on topic `topic_name`. */
export class Publisher implements Subscribable, DeliverySink {
  readonly ack: AckWait = new AckWait();
  readonly id: number;
  readonly topic_name: string;
  conn: WsConnection | null = null;
  /** Messages sent in total (the next sequence number). */
  seq = 0;
  /** Messages sent inside the measurement window. */
  published_in_window = 0;
  inflight = 0;
  #plan: PublisherPlan;
  #counters: LinkCounters;
  #running = false;
  #tokens = 0;
  #last_echo = 0;
  window_start = Infinity;
  window_end = Infinity;

  constructor(id: number, topic_name: string, plan: PublisherPlan, counters: LinkCounters) {
    this.id = id;
    this.topic_name = topic_name;
    this.#plan = plan;
    this.#counters = counters;
  }

  /** Starts sending. */
  start(): void {
    this.#running = true;
    this.#last_echo = nowMs();
    this.pump();
  }

  /** Whether it sent all its messages (with a limit) and got every echo. */
  finished(): boolean {
    return this.#plan.messages > 0 && this.seq >= this.#plan.messages && this.inflight === 0;
  }

  /** Stops sending; echoes still drain `inflight`. */
  stop(): void {
    this.#running = false;
  }

  /** Worker tick: add `elapsed_ms` worth of rate tokens and unstick a stalled window. */
  tick(elapsed_ms: number, now: number): void {
    if (this.#plan.rate > 0) {
      const cap = Math.max(1, this.#plan.rate * 0.05);
      this.#tokens = Math.min(cap, this.#tokens + this.#plan.rate * elapsed_ms / 1000);
    }
    if (this.inflight > 0 && now - this.#last_echo > STALL_MS) {
      this.inflight = 0;
      this.#last_echo = now;
    }
    this.pump();
  }

  /** Sends while the in-flight limit and the rate allow. */
  pump(): void {
    const plan = this.#plan;
    while (this.#running && this.inflight < plan.inflight && this.conn !== null) {
      if (plan.messages > 0 && this.seq >= plan.messages) return;
      if (plan.rate > 0) {
        if (this.#tokens < 1) return;
        this.#tokens--;
      }
      const now = nowMs();
      this.conn.send_text(publishFrame(this.topic_name, this.id, this.seq, now, plan.payload));
      this.seq++;
      this.inflight++;
      if (now >= this.window_start && now < this.window_end) this.published_in_window++;
    }
  }

  on_message(buf: Uint8Array, start: number, end: number): void {
    if (isHeartbeat(buf, start, end)) {
      this.#counters.heartbeats++;
      return;
    }
    this.ack.check(buf, start, end);
    scanDeliveries(buf, start, end, this);
  }

  on_delivery(publisher: number): void {
    if (publisher !== this.id || this.inflight === 0) return;
    this.inflight--;
    this.#last_echo = nowMs();
    if (this.#running) this.pump();
  }

  on_close(): void {
    this.#counters.closed_unexpectedly++;
    this.conn = null;
    this.ack.fail();
  }
}
