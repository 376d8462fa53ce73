/**
 * One gateway's link to one topic manager: an actor that owns the outgoing
 * side (subscription counts, publishes, commands, queries), plus a connect
 * loop that (re)connects with backoff and feeds it. Private to the `tm` broker.
 *
 * @module
 */
import type { ActorRef } from "../actors/actor.ts";
import type { Logger } from "../actors/logger.ts";
import type { ActorSystem } from "../actors/system.ts";
import type { TmSession } from "../topic_manager/client.ts";
import { encodeFrame, type Frame } from "../topic_manager/wire.ts";
import { BrokerError } from "./broker.ts";
import { LinkLoop, type LinkLoopConfig } from "./_tm_link_loop.ts";

/** Settles the promise of one outgoing operation. */
interface Settle<T> {
  resolve(value: T): void;
  reject(error: BrokerError): void;
}

type LinkMessage =
  | { k: "send"; frame: Uint8Array; what: string; ack?: string; settle: Settle<void> }
  | { k: "subs"; topic: string; count: number }
  | { k: "flush" }
  | { k: "query"; t: "count" | "exists"; topic: string; settle: Settle<number | boolean> }
  | { k: "reply"; id: number | string; value: number | boolean }
  | { k: "up"; session: TmSession }
  | { k: "down" };

interface Pending {
  settle: Settle<never>;
  timer: ReturnType<typeof setTimeout>;
}

/** What a link needs from its broker. */
export interface TmLinkConfig extends LinkLoopConfig {
  /** Publishes/commands kept while the link is down. */
  bufferSize: number;
  /** Mailbox of the link actor. */
  mailboxSize: number;
  /** How long a count or exists query waits for its answer, in ms. */
  queryTimeoutMs: number;
  /** Whether this TM owns `topic` (for re-announcing). */
  owns(topic: string): boolean;
  /** This gateway's current local counts. */
  subscriptions(): Iterable<readonly [string, number]>;
}

const WRITE_HIGH_WATER_BYTES = 4 * 1024 * 1024;
const MAX_SUBS_PER_FRAME = 2000;

/** The link to one TM. */
export class TmLink {
  readonly address: string;
  readonly #config: TmLinkConfig;
  readonly #logger: Logger;
  readonly #ref: ActorRef<LinkMessage>;
  readonly #loop: LinkLoop;
  #session: TmSession | undefined;
  #buffer: { frame: Uint8Array }[] = [];
  #pendingSubs = new Map<string, number>();
  #flushQueued = false;
  #pending = new Map<number | string, Pending>();
  #nextId = 0;
  #closed = false;
  #dropped = 0;

  /** Spawns the link actor and starts connecting. */
  constructor(system: ActorSystem, config: TmLinkConfig) {
    this.address = config.address;
    this.#config = config;
    this.#logger = config.logger;
    this.#ref = system.spawn<LinkMessage>(() => ({ receive: (m) => this.#receive(m) }), {
      name: `tm-link:${config.address}`,
      kind: "tm-link",
      mailboxSize: config.mailboxSize,
      overflow: "dropNewest",
    });
    this.#loop = new LinkLoop(config, {
      up: (session) => this.#ref.tell({ k: "up", session }),
      down: () => this.#ref.tell({ k: "down" }),
      frame: (frame) => {
        if (frame.t === "countReply") {
          this.#ref.tell({ k: "reply", id: frame.id, value: frame.count });
        } else if (frame.t === "existsReply") {
          this.#ref.tell({ k: "reply", id: frame.id, value: frame.exists });
        } else if (frame.t === "cmdAck") {
          this.#ref.tell({ k: "reply", id: frame.id, value: true });
        } else return false;
        return true;
      },
    });
  }

  /** Publishes and commands dropped: buffer or queue full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the link is connected and authenticated now. */
  get up(): boolean {
    return this.#live() !== undefined;
  }

  /** Resolves when the link first came up (or never, if it does not). */
  get firstUp(): Promise<void> {
    return this.#loop.firstUp;
  }

  /**
   * Queues a publish or command frame; rejects with `dropped` when it cannot
   * be kept. With `ack` (a command id), resolves once the TM has routed it
   * (or at once when it is buffered while the link is down).
   */
  send(frame: Uint8Array, what: string, ack?: string): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => {
      if (!this.#ref.tell({ k: "send", frame, what, ack, settle: { resolve, reject } })) {
        this.#dropped++;
        reject(
          new BrokerError(
            "dropped",
            `Cannot send ${what} to TM ${this.address} as the link's queue of ${this.#config.mailboxSize} messages is full`,
          ),
        );
      }
    });
  }

  /** Announces a count (batched; dropped while down, since reconnect re-announces all). */
  subs(topic: string, count: number): void {
    if (!this.#closed) this.#ref.tell({ k: "subs", topic, count });
  }

  /** Asks the TM a question about `topic`. */
  query(t: "count" | "exists", topic: string): Promise<number | boolean> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => {
      if (!this.#ref.tell({ k: "query", t, topic, settle: { resolve, reject } })) {
        reject(
          new BrokerError(
            "unavailable",
            `Cannot query TM ${this.address} as the link's queue is full`,
          ),
        );
      }
    });
  }

  /** Stops connecting, closes the socket and rejects pending queries with `closed`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#loop.close();
    await this.#ref.stop({ drain: true });
    this.#failQueries(this.#closedError());
    this.#buffer = [];
  }

  #closedError(): BrokerError {
    return new BrokerError("closed", `Cannot use TM link ${this.address} as the broker is closed`);
  }

  #live(): TmSession | undefined {
    const session = this.#session;
    return session !== undefined && !session.link.closed ? session : undefined;
  }

  #receive(message: LinkMessage): void | Promise<void> {
    if (this.#closed && (message.k === "send" || message.k === "query")) {
      message.settle.reject(this.#closedError());
      return;
    }
    switch (message.k) {
      case "send": {
        const session = this.#live();
        if (session !== undefined) {
          session.link.write(message.frame);
          if (message.ack === undefined) message.settle.resolve();
          else this.#await(message.ack, message.settle as Settle<never>, message.what);
          if (session.link.queuedBytes > WRITE_HIGH_WATER_BYTES) return session.link.drained();
        } else if (this.#buffer.length < this.#config.bufferSize) {
          this.#buffer.push({ frame: message.frame });
          message.settle.resolve();
        } else {
          this.#dropped++;
          message.settle.reject(
            new BrokerError(
              "dropped",
              `Cannot send ${message.what} as the link to TM ${this.address} is down and its buffer of ${this.#config.bufferSize} messages is full`,
            ),
          );
        }
        return;
      }
      case "subs":
        if (this.#live() === undefined) return;
        this.#pendingSubs.set(message.topic, message.count);
        if (!this.#flushQueued) this.#flushQueued = this.#ref.tell({ k: "flush" });
        return;
      case "flush":
        this.#flushQueued = false;
        this.#writeSubs(this.#pendingSubs);
        this.#pendingSubs = new Map();
        return;
      case "query":
        return this.#query(message.t, message.topic, message.settle);
      case "reply": {
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        clearTimeout(pending.timer);
        (pending.settle as Settle<number | boolean>).resolve(message.value);
        return;
      }
      case "up":
        return this.#up(message.session);
      case "down":
        this.#session = undefined;
        this.#failQueries(
          new BrokerError("unavailable", `Cannot query TM ${this.address} as the link went down`),
        );
    }
  }

  #up(session: TmSession): void {
    this.#session = session;
    this.#pendingSubs = new Map();
    const all = new Map<string, number>();
    for (const [topic, count] of this.#config.subscriptions()) {
      if (count > 0 && this.#config.owns(topic)) all.set(topic, count);
    }
    this.#writeSubs(all);
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const { frame } of buffered) session.link.write(frame);
    this.#logger.info("TM link up", {
      tm: this.address,
      announcedTopics: all.size,
      flushed: buffered.length,
    });
  }

  #writeSubs(counts: Map<string, number>): void {
    const session = this.#live();
    if (session === undefined || counts.size === 0) return;
    let batch: [string, number][] = [];
    for (const entry of counts) {
      batch.push(entry);
      if (batch.length === MAX_SUBS_PER_FRAME) {
        session.link.write(encodeFrame({ t: "subs", counts: batch }));
        batch = [];
      }
    }
    if (batch.length > 0) session.link.write(encodeFrame({ t: "subs", counts: batch }));
  }

  #query(t: "count" | "exists", topic: string, settle: Settle<number | boolean>): void {
    const session = this.#live();
    if (session === undefined) {
      settle.reject(
        new BrokerError("unavailable", `Cannot query TM ${this.address} as the link is down`),
      );
      return;
    }
    const id = ++this.#nextId;
    this.#await(id, settle as Settle<never>, `a '${t}' query for topic '${topic}'`);
    const frame: Frame = { t, id, topic };
    session.link.write(encodeFrame(frame));
  }

  /** Waits for the TM's answer to `id`, rejecting with `unavailable` after the query timeout. */
  #await(id: number | string, settle: Settle<never>, what: string): void {
    const timer = setTimeout(() => {
      this.#pending.delete(id);
      settle.reject(
        new BrokerError(
          "unavailable",
          `Cannot confirm ${what} as TM ${this.address} did not answer within ${this.#config.queryTimeoutMs} ms`,
        ),
      );
    }, this.#config.queryTimeoutMs);
    this.#pending.set(id, { settle, timer });
  }

  #failQueries(error: BrokerError): void {
    for (const { settle, timer } of this.#pending.values()) {
      clearTimeout(timer);
      settle.reject(error);
    }
    this.#pending.clear();
  }
}
