import type { Actor } from "../actors/actor.ts";
import { type ClientFrame, decodeClientFrame, ProtocolError } from "./client_protocol.ts";
import { CloseCode } from "./close_codes.ts";
import { type Fire, newFire } from "./fire.ts";
import type { Tower, TowerEnvironment } from "./tower.ts";
import { splitTopics, validateTopic } from "./topics.ts";

/** What a connection's reader actor handles. */
export type ReaderInput =
  | { readonly kind: "connect" }
  | { readonly kind: "frame"; readonly raw: string | ArrayBuffer };

/**
 * The receiving half of a connection: handles the connect hook and then each
 * client frame in order, one at a time, awaiting asynchronous hooks. A
 * `ProtocolError` becomes an error frame and the connection stays open; any
 * other failure is answered with an `internal` error frame and goes to the
 * supervisor, which restarts the reader (the tower's state is kept). If the
 * reader keeps failing past the restart budget it is stopped and the
 * connection closed with 1011.
 */
export class ClientFrameReader implements Actor<ReaderInput> {
  readonly #tower: Tower;
  readonly #env: TowerEnvironment;

  constructor(tower: Tower, env: TowerEnvironment) {
    this.#tower = tower;
    this.#env = env;
  }

  // Synchronous unless a hook is asynchronous: a publish with no hook takes
  // no promise and no extra turn of the event loop.
  receive(input: ReaderInput): void | Promise<void> {
    try {
      let pending: void | Promise<void>;
      if (input.kind === "connect") pending = this.#connect();
      else {
        const frame = decodeClientFrame(input.raw);
        if (frame === undefined) return;
        switch (frame.type) {
          case "subscribe":
            pending = this.#subscribe(frame);
            break;
          case "unSubscribe":
          case "unsubscribe":
            pending = this.#unsubscribe(frame);
            break;
          default:
            pending = this.#read(frame);
        }
      }
      if (pending) return pending.catch((error) => this.#failed(error));
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Answers a refused frame; any other failure also goes to the supervisor. */
  #failed(error: unknown): void {
    if (error instanceof ProtocolError) {
      this.#tower.sendError(error.code, error.message);
      return;
    }
    this.#tower.sendError("internal", "the server failed to handle this frame");
    throw error;
  }

  async #connect(): Promise<void> {
    const accepted = await this.#tower.handlers.onConnect?.();
    if (accepted === false) {
      await this.#tower.close(CloseCode.refused, "refused by the application");
    }
  }

  postStop(): void {
    // Stopped by the supervisor (not by closing): the client can no longer be served.
    if (!this.#tower.isClosed) {
      this.#env.logger.error("connection reader stopped; closing the connection", {
        client: this.#tower.clientId,
      });
      void this.#tower.close(CloseCode.internalError, "internal error");
    }
  }

  #topicList(list: string): string[] {
    const topics = splitTopics(list);
    if (topics.length === 0) throw new ProtocolError("invalid_topic", "topic must not be empty");
    for (const topic of topics) {
      const problem = validateTopic(topic, this.#env.limits);
      if (problem) throw new ProtocolError("invalid_topic", problem);
    }
    return topics;
  }

  async #subscribe(frame: ClientFrame): Promise<void> {
    const tower = this.#tower;
    const topics = this.#topicList(frame.topic);
    const fresh = topics.filter((topic) => !tower.hasTopic(topic));
    const context = newFire(tower).context;
    let allowed = fresh;
    const before = tower.handlers.beforeSubscribe;
    if (fresh.length > 0 && before) {
      const verdict = await before(context, fresh);
      if (verdict === false) allowed = [];
      else if (Array.isArray(verdict)) allowed = fresh.filter((topic) => verdict.includes(topic));
    }
    const refused = fresh.filter((topic) => !allowed.includes(topic));
    if (refused.length > 0) {
      const list = refused.join(",");
      tower.sendError("forbidden", `subscribing to '${list}' is not allowed`, list);
    }
    const added = tower.addTopics(allowed);
    const held = topics.filter((topic) => tower.hasTopic(topic));
    if (this.#env.acks && held.length > 0) {
      tower.sendFrame({ type: "subscribed", topic: held.join(",") });
    }
    if (added.length > 0) await tower.handlers.onSubscribe?.(context, added);
  }

  async #unsubscribe(frame: ClientFrame): Promise<void> {
    const tower = this.#tower;
    const topics = this.#topicList(frame.topic);
    const removed = tower.removeTopics(topics);
    if (this.#env.acks) tower.sendFrame({ type: "unsubscribed", topic: topics.join(",") });
    if (removed.length > 0) await tower.handlers.onUnsubscribe?.(newFire(tower).context, removed);
  }

  #read(frame: ClientFrame): void | Promise<void> {
    const fire = newFire(this.#tower);
    fire.type = frame.type;
    fire.topic = frame.topic;
    fire.data = frame.data;
    const onRead = this.#tower.handlers.onRead;
    if (onRead === undefined) {
      if (fire.type !== "publish") {
        throw new ProtocolError(
          "unknown_type",
          `unknown frame type '${fire.type}': expected subscribe, unSubscribe or publish`,
        );
      }
      return this.#publish(fire);
    }
    const verdict = onRead(fire);
    if (verdict instanceof Promise) {
      return verdict.then((value) => {
        if (value !== false && fire.type === "publish") this.#publish(fire);
      });
    }
    if (verdict !== false && fire.type === "publish") this.#publish(fire);
  }

  #publish(fire: Fire): void {
    const tower = this.#tower;
    tower.publishTo(this.#topicList(fire.topic), fire).catch((error) => {
      const message = error instanceof Error ? error.message : String(error);
      tower.sendError("publish_failed", message, fire.topic);
    });
  }
}
