/**
 * The topic manager's view of one connected gateway: an actor whose bounded
 * mailbox holds the frames on their way to that gateway. A slow gateway gets
 * frames dropped (and counted) instead of slowing the others, and is
 * disconnected when it stays over its limit for too long.
 *
 * @module
 */
import type { ActorRef } from "../actors/actor.ts";
import type { ActorSystem } from "../actors/system.ts";
import type { FramedConn } from "./framed_conn.ts";

/** Limits of one remote gateway's outgoing queue. */
export interface RemoteGatewayLimits {
  /** Frames queued for the gateway before new ones are dropped. */
  mailboxSize: number;
  /** How long the mailbox may stay full (every frame dropped) before the gateway is disconnected. */
  slowGatewayMs: number;
  /** Socket bytes in flight above which the actor waits for the socket to drain. */
  writeHighWaterBytes: number;
}

/** One connected, authenticated gateway. */
export class RemoteGateway {
  /** The gateway's id, from its handshake. */
  readonly id: string;
  /** The peer address, `host:port`. */
  readonly address: string;
  /** When the link came up, ms since the Unix epoch. */
  readonly connectedAt: number = Date.now();
  readonly #link: FramedConn;
  readonly #ref: ActorRef<Uint8Array>;
  readonly #slowMs: number;
  readonly #onSlow: (gateway: RemoteGateway) => void;
  #overSince: number | undefined;
  #dropped = 0;
  #sent = 0;

  /** Spawns the gateway's actor in `system`; `onSlow` runs once when it must be disconnected. */
  constructor(
    system: ActorSystem,
    identity: { id: string; address: string; link: FramedConn },
    limits: RemoteGatewayLimits,
    onSlow: (gateway: RemoteGateway) => void,
  ) {
    this.id = identity.id;
    this.address = identity.address;
    this.#link = identity.link;
    this.#slowMs = limits.slowGatewayMs;
    this.#onSlow = onSlow;
    const link = this.#link;
    const highWater = limits.writeHighWaterBytes;
    this.#ref = system.spawn<Uint8Array>(() => ({
      receive: (frame): void | Promise<void> => {
        link.write(frame);
        this.#sent++;
        if (link.queuedBytes > highWater) return link.drained();
      },
    }), {
      name: `remote-gateway:${identity.id}`,
      kind: "remote-gateway",
      mailboxSize: limits.mailboxSize,
      overflow: "dropNewest",
    });
  }

  /** Frames dropped because the mailbox was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Frames handed to the socket. */
  get sent(): number {
    return this.#sent;
  }

  /** Frames waiting in the mailbox. */
  get queued(): number {
    return this.#ref.stats().depth;
  }

  /**
   * Queues a frame (the same bytes may go to many gateways). Returns whether
   * it was accepted; a refused frame is counted, and a gateway whose mailbox
   * stayed full for `slowGatewayMs` is reported through `onSlow`.
   */
  send(frame: Uint8Array): boolean {
    if (this.#ref.tell(frame)) {
      this.#overSince = undefined;
      return true;
    }
    if (this.#ref.stopped) return false;
    this.#dropped++;
    const now = performance.now();
    this.#overSince ??= now;
    if (now - this.#overSince >= this.#slowMs) {
      this.#overSince = Infinity; // report once
      this.#onSlow(this);
    }
    return false;
  }

  /** Writes a frame straight to the socket, ahead of the mailbox (heartbeats, replies to the handshake). */
  sendNow(frame: Uint8Array): void {
    this.#link.write(frame);
  }

  /** Closes the socket (the session then unregisters the gateway). */
  disconnect(): void {
    this.#link.close();
  }

  /** Stops the actor, discarding queued frames. */
  async stop(): Promise<void> {
    this.#link.close();
    await this.#ref.stop();
  }
}
