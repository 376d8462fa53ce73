import type { Actor, ActorRef } from "../actors/actor.ts";
import type { ActorSystem } from "../actors/system.ts";
import type { WireFormat } from "./client_protocol.ts";

/** The part of a WebSocket the gateway uses; `WebSocket` satisfies it. */
export interface ClientSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  /** Sends one frame: text for strings, binary for bytes. */
  send(data: string | Uint8Array): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Listens for `open`, `message`, `close` and `error`. */
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** Told when a client has stayed over its send limits for too long. */
export interface SlowConsumerListener {
  /** Closes the client (code 4000). */
  onSlowConsumer(): void;
}

/** How sends to one client are bounded. */
export interface SendLimits {
  /** Frames queued for a client before newer ones are dropped. */
  readonly sendQueueSize: number;
  /** Bytes the socket may have buffered before sends are dropped. */
  readonly maxBufferedBytes: number;
  /** How long a client may stay over a limit before it is closed, in ms. */
  readonly slowConsumerTimeoutMs: number;
}

/** Counters shared by every connection of a gateway. */
export interface SendCounters {
  /** Frames handed to sockets. */
  sent: number;
  /** Frames not sent because a client was over its limits. */
  dropped: number;
  /** Connections closed as slow consumers. */
  slowClosed: number;
}

/** A frame as sent on the socket: text for strings, binary for bytes. */
export type OutgoingFrame = string | Uint8Array;

/**
 * The sending half of a client connection: an actor whose mailbox holds the
 * frames for one socket. A client whose queue is full or whose socket has
 * buffered more than `maxBufferedBytes` has sends dropped and counted; one
 * that stays over the limit for `slowConsumerTimeoutMs` is closed with
 * `CloseCode.slowConsumer` (4000). Other clients never wait for it.
 */
export class Connection {
  /** The format of this client's server frames. */
  readonly format: WireFormat;
  readonly #socket: ClientSocket;
  readonly #limits: SendLimits;
  readonly #counters: SendCounters;
  readonly #outbox: ActorRef<OutgoingFrame>;
  readonly #owner: SlowConsumerListener;
  readonly #checkEvery: number;
  #overSince = 0;
  #sinceCheck = 0;

  /** Spawns the sending actor for `socket`; `owner` closes a client that stays over its limits. */
  constructor(
    system: ActorSystem,
    socket: ClientSocket,
    format: WireFormat,
    limits: SendLimits,
    counters: SendCounters,
    owner: SlowConsumerListener,
  ) {
    this.format = format;
    this.#socket = socket;
    this.#limits = limits;
    this.#counters = counters;
    this.#owner = owner;
    this.#checkEvery = Math.max(1, Math.floor(limits.maxBufferedBytes / 8));
    this.#outbox = system.spawn<OutgoingFrame>(() => new SocketWriter(this, socket), {
      kind: "connection",
      mailboxSize: limits.sendQueueSize,
      overflow: "dropNewest",
      // A fan-out tells every subscriber's sender; an idle one writes at once.
      dispatch: "inline",
    });
  }

  /** Queues a frame for this client; never blocks. Returns whether it was queued. */
  send(frame: OutgoingFrame): boolean {
    if (this.#outbox.tell(frame)) return true;
    this.#counters.dropped++;
    this.#over();
    return false;
  }

  /** Frames waiting to be written. */
  get queued(): number {
    return this.#outbox.depth;
  }

  /** Stops the sending actor; queued frames are flushed first when `drain` is set. */
  stop(drain: boolean): Promise<void> {
    return this.#outbox.stop({ drain });
  }

  /** Writes one frame to the open socket, or drops it for a client over its limits. @internal */
  write(frame: OutgoingFrame): void {
    // Reading bufferedAmount is a call into the runtime that costs two thirds
    // of a send. The buffer cannot grow faster than we send, so it is read
    // again only after an eighth of the limit has been sent since the last
    // look (string length approximates bytes), and on every send while over.
    if (this.#sinceCheck >= this.#checkEvery) {
      if (this.#socket.bufferedAmount > this.#limits.maxBufferedBytes) {
        this.#counters.dropped++;
        this.#over();
        return;
      }
      this.#sinceCheck = 0;
      this.#overSince = 0;
    }
    this.#sinceCheck += typeof frame === "string" ? frame.length : frame.byteLength;
    this.#socket.send(frame);
    this.#counters.sent++;
  }

  /** Counts a frame that could not be written because the socket closed. @internal */
  lost(): void {
    this.#counters.dropped++;
  }

  #over(): void {
    const now = performance.now();
    if (this.#overSince === 0) {
      this.#overSince = now;
    } else if (now - this.#overSince >= this.#limits.slowConsumerTimeoutMs) {
      this.#overSince = now;
      this.#counters.slowClosed++;
      this.#owner.onSlowConsumer();
    }
  }

  /** Called periodically: closes a client that has stayed over its limits. */
  checkSlow(): void {
    if (this.#socket.readyState !== 1) return;
    const over = this.queued >= this.#limits.sendQueueSize ||
      this.#socket.bufferedAmount > this.#limits.maxBufferedBytes;
    if (over) this.#over();
    else this.#overSince = 0;
  }
}

/**
 * The connection actor's behaviour: writes each frame to the socket. Until
 * the socket is open, frames wait for it in order; once it is, the socket's
 * state is not read again per frame (a send on a closed socket throws, which
 * is the rare case), keeping the per-subscriber cost of a fan-out down.
 */
class SocketWriter implements Actor<OutgoingFrame> {
  readonly #connection: Connection;
  readonly #socket: ClientSocket;
  #open = false;
  #opened: Promise<void> | undefined;

  constructor(connection: Connection, socket: ClientSocket) {
    this.#connection = connection;
    this.#socket = socket;
  }

  receive(frame: OutgoingFrame): void | Promise<void> {
    if (this.#open || this.#socket.readyState === 1) {
      this.#open = true;
      try {
        this.#connection.write(frame);
      } catch {
        this.#open = false; // closed under us; later frames check the state again
        this.#connection.lost();
      }
      return;
    }
    if (this.#socket.readyState !== 0) return this.#connection.lost();
    // Frames queued before the handshake completed wait for it, in order.
    // A socket that closes before opening releases them too (they are then lost).
    this.#opened ??= new Promise((resolve) => {
      this.#socket.addEventListener("open", () => resolve());
      this.#socket.addEventListener("close", () => resolve());
    });
    return this.#opened.then(() => this.receive(frame));
  }
}
