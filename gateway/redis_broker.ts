import { Buffer } from "node:buffer";
import { decode, encode } from "@msgpack/msgpack";
import { createClient } from "redis";
import { createConsoleLogger, type Logger } from "../actors/logger.ts";
import {
  type Broker,
  BrokerError,
  type BrokerHandler,
  type ClusterCommand,
  type Publication,
} from "./broker.ts";

/** Options of {@linkcode createRedisBroker}. */
export interface RedisBrokerOptions {
  /**
   * The Redis server, as a `redis://` (or `rediss://`) URL.
   *
   * @default {"redis://127.0.0.1:6379"}
   */
  url?: string;
  /**
   * This gateway's id, unique in the cluster.
   *
   * @default {"redis-" + a random suffix}
   */
  gatewayId?: string;
  /**
   * Prefix of every key and channel, so several clusters can share one Redis.
   *
   * @default {"firetower"}
   */
  keyPrefix?: string;
  /**
   * Where link events are logged.
   *
   * @default {createConsoleLogger("info")}
   */
  logger?: Logger;
}

type RedisClient = ReturnType<typeof createClient>;

/** The wire form of a cluster command on `${prefix}:cmd`. */
interface CommandEnvelope {
  readonly command: ClusterCommand;
  readonly origin: string;
}

/** Hash field marking a gateway's hash as alive even when it holds no topic. */
const ALIVE_FIELD = "";
/** How often a gateway refreshes its hash's TTL and its set membership, in ms. */
const REFRESH_MS = 5000;
/** The TTL of a gateway's hash, in ms: a dead gateway's counts vanish after it. */
const TTL_MS = 15000;
/** How long `start()` waits for the first connection before resolving anyway, in ms. */
const START_TIMEOUT_MS = 3000;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the `redis` engine: routing through Redis Pub/Sub, with no topic
 * manager. Publications go out as msgpack on the channel
 * `${keyPrefix}:topic:${topic}`, which a gateway subscribes while it holds the
 * topic; commands go on `${keyPrefix}:cmd`. Each gateway keeps its subscriber
 * counts in the hash `${keyPrefix}:gw:${gatewayId}` (topic -> count) with a
 * TTL it refreshes, so a dead gateway's counts vanish, and lists itself in the
 * set `${keyPrefix}:gateways`. A broken link reconnects with exponential
 * backoff and jitter, then rewrites the hash from the gateway's current
 * counts; the channels are resubscribed by the client library. While the link
 * is down, publishes wait in the client's offline queue.
 *
 * @example A gateway's broker on a local Redis
 * ```ts
 * import { createRedisBroker } from "@firetower/firetower";
 * const broker = createRedisBroker({ url: "redis://127.0.0.1:6379", gatewayId: "gw-1" });
 * console.log(broker.kind); // "redis"
 * ```
 */
export function createRedisBroker(options: RedisBrokerOptions = {}): Broker {
  const url = options.url ?? "redis://127.0.0.1:6379";
  const gatewayId = options.gatewayId ?? `redis-${crypto.randomUUID().slice(0, 8)}`;
  const prefix = options.keyPrefix ?? "firetower";
  const logger = options.logger ?? createConsoleLogger("info");
  const hashKey = `${prefix}:gw:${gatewayId}`;
  const gatewaysKey = `${prefix}:gateways`;
  const commandChannel = `${prefix}:cmd`;
  const topicChannel = (topic: string): string => `${prefix}:topic:${topic}`;
  const gatewayKey = (id: string): string => `${prefix}:gw:${id}`;

  /** Local counts, the latest announced by the gateway. */
  const counts = new Map<string, number>();
  /** Topics whose channel is subscribed. */
  const subscribed = new Set<string>();
  /** Topics whose count changed and is not yet written to Redis. */
  const dirty = new Set<string>();
  let draining: Promise<void> | undefined;

  let client: RedisClient | undefined;
  let subscriber: RedisClient | undefined;
  let handler: BrokerHandler | undefined;
  let state: "new" | "started" | "closed" = "new";
  let linkUp = false;
  let everReady = false;
  let refreshTimer: ReturnType<typeof setInterval> | undefined;

  const reconnectStrategy = (retries: number): number => {
    const ceiling = Math.min(5000, 100 * 2 ** Math.min(retries, 16));
    return Math.round(ceiling / 2 + Math.random() * ceiling / 2);
  };

  const closed = (): boolean => state === "closed";
  const closedError = (): BrokerError =>
    new BrokerError("closed", `Cannot use redis broker '${gatewayId}' as it is closed`);

  const setLink = (up: boolean, detail: string): void => {
    if (linkUp === up) return;
    linkUp = up;
    if (up) logger.info("redis link up", { gateway: gatewayId, url: redactUrl(url) });
    else logger.warn("redis link down", { gateway: gatewayId, detail });
    try {
      handler?.linkChanged?.(up, detail);
    } catch (error) {
      logger.error("linkChanged handler failed", { error });
    }
  };

  const onPublication = (message: Buffer): void => {
    let publication: Publication;
    try {
      publication = decode(message) as Publication;
    } catch (error) {
      logger.warn("dropped an undecodable redis publication", { error });
      return;
    }
    if (publication.origin === gatewayId) return;
    if ((counts.get(publication.topic) ?? 0) <= 0) return;
    handler?.deliver(publication);
  };

  const onCommand = (message: Buffer): void => {
    let envelope: CommandEnvelope;
    try {
      envelope = decode(message) as CommandEnvelope;
    } catch (error) {
      logger.warn("dropped an undecodable redis command", { error });
      return;
    }
    if (envelope.origin === gatewayId) return;
    const command = envelope.command;
    if (command.kind !== "disconnectUser" && (counts.get(command.topic) ?? 0) <= 0) return;
    handler?.command(command);
  };

  /** Brings Redis in line with the local count of one topic. */
  const sync = async (topic: string): Promise<void> => {
    const c = client, s = subscriber;
    if (c === undefined || s === undefined || state === "closed") return;
    const count = counts.get(topic) ?? 0;
    if (count > 0) {
      // Subscribe first, then announce: once others see the count, we listen.
      if (!subscribed.has(topic)) {
        subscribed.add(topic);
        await s.subscribe(topicChannel(topic), onPublication, true);
      }
      await c.multi()
        .hSet(hashKey, topic, String(count))
        .hSet(hashKey, ALIVE_FIELD, "1")
        .pExpire(hashKey, TTL_MS)
        .sAdd(gatewaysKey, gatewayId)
        .exec();
    } else {
      // Withdraw the count first, then stop listening.
      await c.hDel(hashKey, topic);
      if (subscribed.has(topic)) {
        subscribed.delete(topic);
        await s.unsubscribe(topicChannel(topic));
      }
    }
  };

  const drain = (): Promise<void> => {
    if (draining !== undefined) return draining;
    draining = (async () => {
      while (dirty.size > 0 && !closed()) {
        const [topic] = dirty;
        dirty.delete(topic);
        try {
          await sync(topic);
        } catch (error) {
          if (!closed()) {
            logger.warn("redis count update failed", { gateway: gatewayId, topic, error });
          }
        }
      }
    })().finally(() => {
      draining = undefined;
    });
    return draining;
  };

  /** Rewrites this gateway's hash from the gateway's current counts. */
  const announceAll = async (): Promise<void> => {
    const c = client;
    if (c === undefined || handler === undefined || state === "closed") return;
    counts.clear();
    for (const [topic, count] of handler.subscriptions()) {
      if (count > 0 && topic !== ALIVE_FIELD) counts.set(topic, count);
    }
    // Channels first (the library resubscribes the ones it had), then counts.
    const s = subscriber;
    if (s !== undefined) {
      for (const topic of counts.keys()) {
        if (!subscribed.has(topic)) {
          subscribed.add(topic);
          await s.subscribe(topicChannel(topic), onPublication, true);
        }
      }
      for (const topic of [...subscribed]) {
        if (!counts.has(topic)) {
          subscribed.delete(topic);
          await s.unsubscribe(topicChannel(topic));
        }
      }
    }
    const fields: Record<string, string> = { [ALIVE_FIELD]: "1" };
    for (const [topic, count] of counts) fields[topic] = String(count);
    await c.multi()
      .del(hashKey)
      .hSet(hashKey, fields)
      .pExpire(hashKey, TTL_MS)
      .sAdd(gatewaysKey, gatewayId)
      .exec();
  };

  const refresh = async (): Promise<void> => {
    const c = client;
    if (c === undefined || !c.isReady || state !== "started") return;
    try {
      await c.multi()
        .hSet(hashKey, ALIVE_FIELD, "1")
        .pExpire(hashKey, TTL_MS)
        .sAdd(gatewaysKey, gatewayId)
        .exec();
    } catch (error) {
      if (state === "started") logger.warn("redis refresh failed", { gateway: gatewayId, error });
    }
  };

  const total = async (topic: string): Promise<number> => {
    const c = client;
    if (c === undefined || closed()) throw closedError();
    if (topic === ALIVE_FIELD) return 0;
    const ids = await c.sMembers(gatewaysKey);
    const rows = await Promise.all(
      ids.map((id) => c.hmGet(gatewayKey(id), [ALIVE_FIELD, topic])),
    );
    let sum = 0;
    const dead: string[] = [];
    rows.forEach(([alive, count], i) => {
      if (alive === null) dead.push(ids[i]);
      else sum += Number(count ?? 0) || 0;
    });
    if (dead.length > 0) {
      // A gateway whose hash expired is gone; forget it lazily.
      for (const id of dead) {
        const exists = await c.exists(gatewayKey(id));
        if (exists === 0) await c.sRem(gatewaysKey, id);
      }
    }
    return sum;
  };

  const translate = (error: unknown): BrokerError => {
    if (error instanceof BrokerError) return error;
    if (state === "closed") return closedError();
    return new BrokerError("unavailable", `Redis broker '${gatewayId}': ${describe(error)}`);
  };

  return {
    kind: "redis",
    gatewayId,
    async start(h: BrokerHandler): Promise<void> {
      if (state !== "new") throw new Error(`Cannot start redis broker '${gatewayId}' twice`);
      state = "started";
      handler = h;
      const name = `firetower:${gatewayId}`.replace(/[^\w.:@-]/g, "_");
      const c: RedisClient = createClient({ url, name, socket: { reconnectStrategy } });
      const s: RedisClient = c.duplicate();
      client = c;
      subscriber = s;
      let unreachableLogged = false;
      const onError = (error: unknown): void => {
        if (closed()) return;
        if (linkUp) {
          setLink(false, describe(error));
        } else if (!unreachableLogged) {
          unreachableLogged = true;
          logger.warn("redis unreachable, retrying", { gateway: gatewayId, error });
        }
      };
      c.on("error", onError);
      s.on("error", onError);
      c.on("reconnecting", () => {
        if (!closed()) setLink(false, "reconnecting");
      });
      let announced!: () => void;
      const firstAnnounce = new Promise<void>((resolve) => announced = resolve);
      // On every (re)connect: rewrite the hash and the channels, then report the link up.
      c.on("ready", () => {
        if (closed()) return;
        announceAll().then(
          () => {
            if (closed()) return;
            unreachableLogged = false;
            setLink(true, everReady ? "reconnected" : "connected");
            everReady = true;
            announced();
          },
          (error) => {
            if (!closed()) logger.warn("redis announce failed", { gateway: gatewayId, error });
          },
        );
      });
      // connect() keeps retrying in the background; errors surface as events.
      c.connect().catch(() => {});
      s.connect().catch(() => {});
      const commandsSubscribed = s.subscribe(commandChannel, onCommand, true).catch((error) => {
        if (!closed()) logger.warn("redis command subscribe failed", { gateway: gatewayId, error });
      });
      refreshTimer = setInterval(() => void refresh(), REFRESH_MS);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, START_TIMEOUT_MS));
      try {
        await Promise.race([Promise.all([commandsSubscribed, firstAnnounce]), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    setSubscribers(topic: string, count: number): void {
      if (state === "closed" || topic === ALIVE_FIELD) return;
      if (count > 0) counts.set(topic, count);
      else counts.delete(topic);
      if (client === undefined) return; // announced by start()
      dirty.add(topic);
      void drain();
    },
    async publish(publication: Publication): Promise<void> {
      const c = client;
      if (c === undefined || state === "closed") throw closedError();
      try {
        await c.publish(topicChannel(publication.topic), toBuffer(encode(publication)));
      } catch (error) {
        throw translate(error);
      }
    },
    async subscriberCount(topic: string): Promise<number> {
      try {
        return await total(topic);
      } catch (error) {
        throw translate(error);
      }
    },
    async topicExists(topic: string): Promise<boolean> {
      try {
        return (await total(topic)) > 0;
      } catch (error) {
        throw translate(error);
      }
    },
    async command(command: ClusterCommand): Promise<void> {
      const c = client;
      if (c === undefined || state === "closed") throw closedError();
      const envelope: CommandEnvelope = { command, origin: gatewayId };
      try {
        await c.publish(commandChannel, toBuffer(encode(envelope)));
      } catch (error) {
        throw translate(error);
      }
    },
    async close(): Promise<void> {
      if (state === "closed") return;
      const wasLinked = linkUp;
      state = "closed";
      if (refreshTimer !== undefined) clearInterval(refreshTimer);
      refreshTimer = undefined;
      dirty.clear();
      const c = client, s = subscriber;
      client = undefined;
      subscriber = undefined;
      if (c !== undefined && c.isReady) {
        // Leave cleanly so the counts vanish now rather than at the TTL.
        try {
          await c.multi().del(hashKey).sRem(gatewaysKey, gatewayId).exec();
        } catch {
          // The TTL removes them anyway.
        }
      }
      await Promise.all([c, s].map(async (r) => {
        if (r === undefined) return;
        try {
          if (r.isReady) await r.quit();
          else if (r.isOpen) await r.disconnect();
        } catch {
          // Already gone.
        }
      }));
      try {
        await draining;
      } catch {
        // Errors were logged by drain().
      }
      if (wasLinked) {
        linkUp = false;
        try {
          handler?.linkChanged?.(false, "closed");
        } catch (error) {
          logger.error("linkChanged handler failed", { error });
        }
      }
    },
  } satisfies Broker;
}

/** The URL without its password, for logs. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href;
  } catch {
    return "(invalid url)";
  }
}
