import type { ActorRef } from "../actors/actor.ts";
import type { Logger } from "../actors/logger.ts";
import type { ActorSystem } from "../actors/system.ts";
import type { Publication } from "./broker.ts";
import { encodeServerFrame, type ErrorCode, errorFrame, ProtocolError } from "./client_protocol.ts";
import { CloseCode } from "./close_codes.ts";
import {
  type ClientSocket,
  Connection,
  type SendCounters,
  type SendLimits,
  type SlowConsumerListener,
} from "./connection.ts";
import { type Fire, type FireContext, type FireSource, newFire } from "./fire.ts";
import type { Hub } from "./hub.ts";
import { ClientFrameReader, type ReaderInput } from "./_client_frames.ts";
import type { WireFormat } from "./client_protocol.ts";
import type { TowerHandlers } from "./tower_hooks.ts";
import { splitTopics, validateTopic } from "./topics.ts";

/** Per-connection limits; see `GatewayLimits` for the defaults. */
export interface TowerLimits extends SendLimits {
  /** Largest client frame, in bytes. */
  readonly maxFrameBytes: number;
  /** Longest topic name, in UTF-8 bytes. */
  readonly maxTopicBytes: number;
  /** Most topics one connection may hold. */
  readonly maxTopicsPerConnection: number;
  /** Client frames queued for handling before the read-timeout hook fires. */
  readonly readQueueSize: number;
}

/** What a tower needs from its gateway. @internal */
export interface TowerEnvironment {
  readonly system: ActorSystem;
  readonly hub: Hub;
  readonly logger: Logger;
  readonly limits: TowerLimits;
  readonly counters: SendCounters;
  readonly gatewayId: string;
  readonly acks: boolean;
  nextMessageId(): string;
}

/** Identity of a new connection. */
export interface TowerOptions {
  /**
   * The connection's id, unique in the cluster.
   *
   * @default {a new message id}
   */
  clientId?: string;
  /**
   * The authenticated user, used by `disconnectUser` and `unsubscribeUser`.
   *
   * @default {""}
   */
  userId?: string;
  /**
   * Application data kept with the connection (firetower's `Cookie`).
   *
   * @default {{}}
   */
  metadata?: Record<string, unknown>;
  /**
   * How server frames are encoded.
   *
   * @default {"json" ("legacy" when the gateway runs in legacy mode)}
   */
  format?: WireFormat;
}

/**
 * One client connection and firetower's per-connection API: identity,
 * hooks, publish, `toSelf`, counts, server-side subscribe and close.
 * Client frames are handled one at a time by the connection's reader actor;
 * sends go through its {@linkcode Connection} actor, so a slow hook never
 * delays deliveries and a slow client never delays anyone else.
 *
 * @example The embedded gateway of firetower's example
 * ```ts ignore
 * const gateway = await createGateway();
 * Deno.serve((request) => {
 *   const { socket, response } = Deno.upgradeWebSocket(request);
 *   const tower = gateway.buildTower(socket, { userId: "u1" });
 *   tower.setReadHandler((fire) => {
 *     console.log("client published", fire.topic, fire.data);
 *     return true; // publish it
 *   });
 *   tower.run();
 *   return response;
 * });
 * ```
 */
export class Tower implements FireSource, SlowConsumerListener {
  /** The connection's id. */
  readonly clientId: string;
  /** The sending half of the socket. */
  readonly connection: Connection;
  readonly #env: TowerEnvironment;
  readonly #socket: ClientSocket;
  readonly #topics = new Set<string>();
  readonly #reader: ActorRef<ReaderInput>;
  // What most connections never use is created on first use: an idle
  // connection is what a push server holds most of.
  #handlers: TowerHandlers | undefined;
  #metadata: Record<string, unknown> | undefined;
  #finished: Latch | undefined;
  #socketGone: Latch | undefined;
  #userId: string;
  #state: "new" | "running" | "closed" = "new";
  #socketClosed = false;
  #refusing = false;

  // One listener function for every socket, finding its tower by a tag on the
  // socket, instead of a closure per connection.
  static readonly #messageListener = (event: Event): void => {
    const tower = (event.target as Tagged)[TOWER];
    if (tower) tower.#onMessage(event as MessageEvent);
  };
  static readonly #closeListener = (event: Event): void => {
    const tower = (event.target as Tagged)[TOWER];
    if (tower) tower.#onSocketClose();
  };

  /** Use `Gateway.buildTower`. @internal */
  constructor(env: TowerEnvironment, socket: ClientSocket, options: TowerOptions) {
    this.#env = env;
    this.#socket = socket;
    this.clientId = options.clientId ?? env.nextMessageId();
    this.#userId = options.userId ?? "";
    this.#metadata = options.metadata;
    const format = options.format ?? "json";
    this.connection = new Connection(env.system, socket, format, env.limits, env.counters, this);
    this.#reader = env.system.spawn<ReaderInput>(() => new ClientFrameReader(this, env), {
      kind: "reader",
      mailboxSize: env.limits.readQueueSize,
      overflow: "reject",
      // A frame is handled in the socket's message event when the reader is idle.
      dispatch: "inline",
    });
  }

  /** Application data kept with the connection (firetower's `Cookie`). */
  get metadata(): Record<string, unknown> {
    return this.#metadata ??= {};
  }

  /** The user id (set by the upgrade hook or `setUserId`). */
  get userId(): string {
    return this.#userId;
  }

  /** Changes the user id, for `disconnectUser` and `unsubscribeUser`. */
  setUserId(userId: string): void {
    if (this.#state === "running") this.#env.hub.renameUser(this, this.#userId, userId);
    this.#userId = userId;
  }

  /** Whether the connection has closed. */
  get isClosed(): boolean {
    return this.#state === "closed";
  }

  /** The hooks set on this connection. @internal */
  get handlers(): Readonly<TowerHandlers> {
    return this.#handlers ?? NO_HANDLERS;
  }

  /** Sets every hook given in `handlers` at once. */
  setHandlers(handlers: TowerHandlers): this {
    Object.assign(this.#handlers ??= {}, handlers);
    return this;
  }

  /** See {@linkcode TowerHandlers.onConnect}. */
  setOnConnectHandler(handler: TowerHandlers["onConnect"]): this {
    return this.setHandlers({ onConnect: handler });
  }

  /** See {@linkcode TowerHandlers.onOffline}. */
  setOnOfflineHandler(handler: TowerHandlers["onOffline"]): this {
    return this.setHandlers({ onOffline: handler });
  }

  /** See {@linkcode TowerHandlers.beforeSubscribe}. */
  setBeforeSubscribeHandler(handler: TowerHandlers["beforeSubscribe"]): this {
    return this.setHandlers({ beforeSubscribe: handler });
  }

  /** See {@linkcode TowerHandlers.onSubscribe}. */
  setSubscribeHandler(handler: TowerHandlers["onSubscribe"]): this {
    return this.setHandlers({ onSubscribe: handler });
  }

  /** See {@linkcode TowerHandlers.onUnsubscribe}. */
  setUnSubscribeHandler(handler: TowerHandlers["onUnsubscribe"]): this {
    return this.setHandlers({ onUnsubscribe: handler });
  }

  /** See {@linkcode TowerHandlers.onRead}. */
  setReadHandler(handler: TowerHandlers["onRead"]): this {
    return this.setHandlers({ onRead: handler });
  }

  /** See {@linkcode TowerHandlers.onReadTimeout}. */
  setReadTimeoutHandler(handler: TowerHandlers["onReadTimeout"]): this {
    return this.setHandlers({ onReadTimeout: handler });
  }

  /** A fresh message id, unique in the cluster. */
  nextMessageId(): string {
    return this.#env.nextMessageId();
  }

  /**
   * Starts handling the client: runs the connect hook, then client frames.
   * Call it before returning the upgrade response. Resolves once the
   * connection has closed and the offline hook has run.
   */
  run(): Promise<void> {
    if (this.#state !== "new") {
      return Promise.reject(new Error(`Cannot run tower '${this.clientId}' twice`));
    }
    this.start();
    return (this.#finished ??= new Latch()).promise;
  }

  /** Starts like {@linkcode Tower.run} without waiting for the end. @internal */
  start(): void {
    if (this.#state !== "new") throw new Error(`Cannot run tower '${this.clientId}' twice`);
    this.#state = "running";
    this.#env.hub.join(this);
    const socket = this.#socket;
    (socket as Tagged)[TOWER] = this;
    // An error event is always followed by a close event: listening for close suffices.
    socket.addEventListener("message", Tower.#messageListener);
    socket.addEventListener("close", Tower.#closeListener);
    this.#reader.tell({ kind: "connect" });
    if (socket.readyState >= 2) this.#onSocketClose();
  }

  /** The topics this connection holds. */
  topics(): string[] {
    return [...this.#topics];
  }

  /** Whether this connection holds `topic`. */
  hasTopic(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /**
   * Publishes to every subscriber of the message's topic(s) in the cluster.
   * Rejects with a `RangeError` for an invalid topic and with a
   * `BrokerError` when the cluster dropped the message.
   */
  publish(fire: Pick<Fire, "topic" | "data"> & { context?: FireContext }): Promise<void> {
    const topics = splitTopics(fire.topic);
    if (topics.length === 0) {
      return Promise.reject(new RangeError("Cannot publish as the topic is empty"));
    }
    for (const topic of topics) {
      const problem = validateTopic(topic, this.#env.limits);
      if (problem) return Promise.reject(new RangeError(`Cannot publish as ${problem}`));
    }
    return this.publishTo(topics, fire);
  }

  /** Publishes to topics already split and checked. @internal */
  publishTo(
    topics: readonly string[],
    fire: Pick<Fire, "data"> & { context?: FireContext },
  ): Promise<void> {
    const context = fire.context ?? newFire(this).context;
    const publish = (topic: string): Promise<void> =>
      this.#env.hub.publish(
        {
          topic,
          data: fire.data,
          id: context.id,
          time: context.startTime,
          clientId: context.clientId,
          userId: context.userId,
          origin: this.#env.gatewayId,
        } satisfies Publication,
      );
    return topics.length === 1
      ? publish(topics[0])
      : Promise.all(topics.map(publish)).then(() => {});
  }

  /** Sends a raw frame to this client only (text for strings, binary for bytes). */
  toSelf(frame: string | Uint8Array): boolean {
    return this.connection.send(frame);
  }

  /** Sends a server frame object (`{"type":...}`) to this client in its format. */
  sendFrame(frame: object): boolean {
    const format = this.connection.format === "msgpack" ? "msgpack" : "json";
    return this.connection.send(encodeServerFrame(format, frame));
  }

  /** Sends an error frame to this client. */
  sendError(code: ErrorCode, message: string, topic?: string): boolean {
    return this.sendFrame(errorFrame(code, message, topic));
  }

  /** The cluster-wide number of subscribers of `topic`. */
  getConnectNum(topic: string): Promise<number> {
    return this.#env.hub.subscriberCount(topic);
  }

  /** Whether `topic` has subscribers anywhere in the cluster. */
  checkTopicExist(topic: string): Promise<boolean> {
    return this.#env.hub.topicExists(topic);
  }

  /**
   * Subscribes this connection on the server's behalf (no before-subscribe
   * veto); runs the subscribe hook with the topics that were added.
   *
   * @throws {ProtocolError} for an invalid topic or too many topics.
   */
  async subscribe(topics: string | string[], context?: FireContext): Promise<string[]> {
    const added = this.addTopics(typeof topics === "string" ? splitTopics(topics) : topics);
    if (added.length > 0) {
      await this.handlers.onSubscribe?.(context ?? newFire(this).context, added);
    }
    return added;
  }

  /** Unsubscribes on the server's behalf; runs the unsubscribe hook with the topics removed. */
  async unsubscribe(topics: string | string[], context?: FireContext): Promise<string[]> {
    const removed = this.removeTopics(typeof topics === "string" ? splitTopics(topics) : topics);
    if (removed.length > 0) {
      await this.handlers.onUnsubscribe?.(context ?? newFire(this).context, removed);
    }
    return removed;
  }

  /**
   * Checks and adds topics, returning those that were new. @internal
   *
   * @throws {ProtocolError} for an invalid topic or too many topics.
   */
  addTopics(topics: readonly string[]): string[] {
    for (const topic of topics) {
      const problem = validateTopic(topic, this.#env.limits);
      if (problem) throw new ProtocolError("invalid_topic", problem);
    }
    const fresh = topics.filter((topic) => !this.#topics.has(topic));
    const limit = this.#env.limits.maxTopicsPerConnection;
    if (this.#topics.size + fresh.length > limit) {
      throw new ProtocolError(
        "too_many_topics",
        `a connection may hold at most ${limit} topics: it holds ${this.#topics.size} and asked for ${fresh.length} more`,
      );
    }
    if (this.#state !== "running") return [];
    for (const topic of fresh) this.#topics.add(topic);
    this.#env.hub.subscribe(this, fresh);
    return fresh;
  }

  /** Removes topics this connection holds, returning those removed. @internal */
  removeTopics(topics: readonly string[]): string[] {
    const held = topics.filter((topic) => this.#topics.has(topic));
    for (const topic of held) this.#topics.delete(topic);
    this.#env.hub.unsubscribe(this, held);
    return held;
  }

  /** Removes the client from a topic on the server's behalf. @internal */
  kickFromTopic(topic: string): void {
    if (this.removeTopics([topic]).length === 0) return;
    if (this.#env.acks) this.sendFrame({ type: "unsubscribed", topic, reason: "server" });
    this.#runHook(
      "onUnsubscribe",
      () => this.handlers.onUnsubscribe?.(newFire(this).context, [topic]),
    );
  }

  /** Closes the client on the server's behalf. @internal */
  disconnect(): void {
    void this.close(CloseCode.disconnected, "disconnected by server");
  }

  /**
   * Closes the connection after sending what was already queued for the
   * client: leaves every topic (running the unsubscribe hook), then runs the
   * offline hook. Resolves when both have run.
   */
  close(code: number = CloseCode.normal, reason = ""): Promise<void> {
    const socket = this.#socket;
    const closeSocket = (): void => {
      if (socket.readyState !== 1) return;
      try {
        socket.close(code, reason);
      } catch (error) {
        this.#env.logger.debug("socket close failed", { client: this.clientId, error });
      }
    };
    // Frames already queued for the client (a last error, a final message)
    // go out before the close frame. Deno ignores close() on a server socket
    // whose handshake has not completed yet (it opens anyway): close it as
    // soon as it is open.
    return this.connection.stop(true).then(() => {
      if (socket.readyState === 0) socket.addEventListener("open", closeSocket);
      else closeSocket();
      return this.#teardown();
    });
  }

  /**
   * Resolves once the socket has closed (closing handshake done or the
   * connection dropped), or after `timeoutMs`. @internal
   */
  async socketClosed(timeoutMs: number): Promise<void> {
    if (this.#socketClosed || this.#socket.readyState === 3) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      (this.#socketGone ??= new Latch()).promise,
      new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
  }

  /** Closes a client that stayed over its send limits. @internal */
  onSlowConsumer(): void {
    this.#env.logger.warn("slow consumer closed", { client: this.clientId, user: this.#userId });
    void this.close(CloseCode.slowConsumer, "slow consumer");
  }

  #onSocketClose(): void {
    this.#socketClosed = true;
    this.#socketGone?.open();
    void this.#teardown();
  }

  #onMessage(event: MessageEvent): void {
    if (this.#refusing) return;
    const raw = event.data as string | ArrayBuffer;
    const size = typeof raw === "string" ? raw.length : raw.byteLength;
    const limit = this.#env.limits.maxFrameBytes;
    if (size > limit || (typeof raw === "string" && size * 3 > limit && byteLength(raw) > limit)) {
      this.sendError("frame_too_large", `frames may be at most ${limit} bytes`);
      // Handle nothing more from this client while the error goes out.
      this.#refusing = true;
      void this.close(CloseCode.messageTooBig, "frame too large");
      return;
    }
    if (!this.#reader.tell({ kind: "frame", raw })) {
      this.#env.logger.debug("client frame refused: inbound queue full", { client: this.clientId });
      const timeout = this.handlers.onReadTimeout;
      if (timeout === undefined) {
        this.sendError("overloaded", "too many frames in flight; this one was not handled");
        return;
      }
      const fire = newFire(this);
      fire.type = "unknown";
      fire.data = raw;
      try {
        const frame = JSON.parse(typeof raw === "string" ? raw : "null");
        if (frame && typeof frame === "object") {
          Object.assign(fire, frame, { context: fire.context });
        }
      } catch {
        // The hook still gets the raw frame as `data`.
      }
      this.#runHook("onReadTimeout", () => timeout(fire));
    }
  }

  #runHook(name: string, hook: () => unknown): void {
    try {
      const result = hook();
      if (result instanceof Promise) {
        result.catch((error) => this.#env.logger.error(`${name} hook failed`, { error }));
      }
    } catch (error) {
      this.#env.logger.error(`${name} hook failed`, { client: this.clientId, error });
    }
  }

  async #teardown(): Promise<void> {
    if (this.#state === "closed") return (this.#finished ??= new Latch()).promise;
    const wasRunning = this.#state === "running";
    this.#state = "closed";
    const topics = [...this.#topics];
    this.removeTopics(topics);
    this.#reader.stop();
    this.connection.stop(false);
    if (wasRunning) {
      this.#env.hub.leave(this);
      try {
        if (topics.length > 0) await this.handlers.onUnsubscribe?.(newFire(this).context, topics);
        await this.handlers.onOffline?.();
      } catch (error) {
        this.#env.logger.error("close hook failed", { client: this.clientId, error });
      }
    }
    (this.#finished ??= new Latch()).open();
  }
}

const TOWER: unique symbol = Symbol("firetower.tower");
type Tagged = { [TOWER]?: Tower };
const NO_HANDLERS: Readonly<TowerHandlers> = Object.freeze({});

/** A promise opened once, from outside. */
class Latch {
  readonly promise: Promise<void>;
  readonly open: () => void;
  constructor() {
    let open!: () => void;
    this.promise = new Promise((resolve) => open = resolve);
    this.open = open;
  }
}

const encoder = new TextEncoder();
function byteLength(text: string): number {
  return encoder.encode(text).length;
}
