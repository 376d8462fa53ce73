/**
 * Connection churn while publishing: each cycle opens a connection, subscribes it to a random
 * topic and, about a second later, closes it. Churned clients are not in the loss books (they
 * join mid-stream); what matters is that the server keeps up and steady subscribers lose
 * nothing meanwhile.
 *
 * @module
 */
import { isHeartbeat } from "./envelope_scanner.ts";
import { AckWait, openSubscribed, type Subscribable } from "./subscription.ts";
import type { WsConnect, WsConnection, WsTarget } from "./ws_connection.ts";

class ChurnClient implements Subscribable {
  readonly ack: AckWait = new AckWait();
  on_message(buf: Uint8Array, start: number, end: number): void {
    if (!isHeartbeat(buf, start, end)) this.ack.check(buf, start, end);
  }
  on_close(): void {
    this.ack.fail();
  }
}

/** Runs churn cycles at a rate, driven by the worker's tick. */
export class Churner {
  cycles = 0;
  failures = 0;
  #rate: number;
  #topics: number;
  #connect: WsConnect;
  #target: WsTarget;
  #credit = 0;
  #pending = 0;
  #open: WsConnection[] = [];

  constructor(
    rate: number,
    topics: number,
    connect: WsConnect,
    target: WsTarget,
  ) {
    this.#rate = rate;
    this.#topics = topics;
    this.#connect = connect;
    this.#target = target;
  }

  /** Starts `elapsed_ms` worth of cycles and closes connections older than ~1 s. */
  tick(elapsed_ms: number): void {
    if (this.#rate <= 0) return;
    this.#credit += this.#rate * elapsed_ms / 1000;
    while (this.#credit >= 1) {
      this.#credit--;
      // Bound pending handshakes so a stalled server cannot make the generator hoard sockets.
      if (this.#pending > this.#rate * 5 + 10) {
        this.failures++;
        continue;
      }
      this.#cycle();
    }
    while (this.#open.length > this.#rate) this.#open.shift()!.close();
  }

  /** Closes every churn connection. */
  close_all(): void {
    for (const conn of this.#open) conn.close();
    this.#open = [];
  }

  async #cycle(): Promise<void> {
    this.#pending++;
    const topic = `t${Math.floor(Math.random() * this.#topics)}`;
    try {
      const client = new ChurnClient();
      this.#open.push(await openSubscribed(this.#connect, this.#target, client, topic));
      this.cycles++;
    } catch {
      this.failures++;
    }
    this.#pending--;
  }
}
