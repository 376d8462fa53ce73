/**
 * Opening a connection and subscribing it, with the server's `subscribed` ack as the barrier:
 * the generator publishes nothing until every subscriber is acked, so a loss count is never
 * a subscription race.
 *
 * @module
 */
import { with_timeout } from "./clock.ts";
import { contains } from "./envelope_scanner.ts";
import type { WsConnect, WsConnection, WsHandlers, WsTarget } from "./ws_connection.ts";

const ACK = new TextEncoder().encode('"subscribed"');
const ACK_TIMEOUT_MS = 15_000;
const ATTEMPTS = 3;

/** State shared by every client that waits for a subscribe ack. */
export class AckWait {
  #resolve: (() => void) | null = null;
  #reject: ((err: Error) => void) | null = null;

  /** A promise settled by `check()` seeing the ack or `fail()`. */
  arm(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  /** Called on every frame until the ack came; cheap once it has. */
  check(buf: Uint8Array, start: number, end: number): void {
    if (this.#resolve !== null && contains(buf, start, end, ACK)) {
      const resolve = this.#resolve;
      this.#resolve = this.#reject = null;
      resolve();
    }
  }

  /** The connection ended before the ack. */
  fail(): void {
    if (this.#reject !== null) {
      const reject = this.#reject;
      this.#resolve = this.#reject = null;
      reject(new Error("connection closed before the subscribe ack"));
    }
  }
}

/** A client that can be subscribed: its handlers plus its ack wait. */
export interface Subscribable extends WsHandlers {
  /** Settled by the client's `on_message` / `on_close`. */
  readonly ack: AckWait;
}

/** Connects (retrying refused or reset attempts) and subscribes `client` to `topic`. */
export async function openSubscribed(
  connect: WsConnect,
  target: WsTarget,
  client: Subscribable,
  topic: string,
): Promise<WsConnection> {
  for (let attempt = 1;; attempt++) {
    let conn: WsConnection | null = null;
    try {
      conn = await connect(target, client);
      const acked = client.ack.arm();
      conn.send_text(`{"type":"subscribe","topic":"${topic}"}`);
      await with_timeout(acked, ACK_TIMEOUT_MS, `no subscribe ack for ${topic} within 15 s`);
      return conn;
    } catch (err) {
      conn?.close();
      if (attempt >= ATTEMPTS) {
        throw new Error(
          `cannot subscribe to ${topic} on ${target.hostname}:${target.port}: ${
            (err as Error).message
          }`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
