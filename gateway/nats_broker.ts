import { decode, encode } from "@msgpack/msgpack";
import { connect, type Msg, type NatsConnection, type Status, type Subscription } from "nats";
import { createConsoleLogger, type Logger } from "../actors/logger.ts";
import {
  type Broker,
  BrokerError,
  type BrokerHandler,
  type ClusterCommand,
  type Publication,
} from "./broker.ts";

/** Options of {@linkcode createNatsBroker}. */
export interface NatsBrokerOptions {
  /**
   * The NATS server URL(s), `nats://host:port`; several for a NATS cluster.
   *
   * @default {"nats://127.0.0.1:4222"}
   */
  servers?: string | string[];
  /**
   * This gateway's id, unique in the cluster.
   *
   * @default {"gw-" + a random suffix}
   */
  gatewayId?: string;
  /**
   * The first token of every subject the engine uses; gateways with the same
   * prefix on the same NATS form one cluster.
   *
   * @default {"firetower"}
   */
  subjectPrefix?: string;
  /**
   * How long `subscriberCount`/`topicExists` wait for the other gateways'
   * answers, in ms; they return early once every known gateway answered.
   *
   * @default {500}
   */
  queryTimeoutMs?: number;
  /**
   * Where link events are logged.
   *
   * @default {createConsoleLogger("info")}
   */
  logger?: Logger;
}

/** How often a gateway announces itself on `<prefix>.presence`, in ms. */
const PRESENCE_INTERVAL_MS = 2000;
/** A gateway not heard of for this long is forgotten, in ms. */
const PRESENCE_EXPIRY_MS = 3 * PRESENCE_INTERVAL_MS + 500;

interface PresenceMessage {
  readonly gatewayId: string;
  readonly leaving?: boolean;
}
interface CountRequest {
  readonly topic: string;
  readonly origin: string;
}
interface CountAnswer {
  readonly gatewayId: string;
  readonly count: number;
}
interface CommandMessage {
  readonly command: ClusterCommand;
  readonly origin: string;
}
interface PendingQuery {
  readonly answers: Map<string, number>;
  readonly local: number;
  readonly resolve: (count: number) => void;
  readonly reject: (error: unknown) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Encodes a topic as one subject token: base64url of its UTF-8 bytes, unpadded. */
function topicToken(topic: string): string {
  const bytes = new TextEncoder().encode(topic);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates the `nats` engine: gateways meet on NATS core subjects, no topic
 * manager needed. Publications travel on `<prefix>.topic.<topic>` (each
 * gateway subscribes the topics it holds), counts are gathered from every
 * gateway on `<prefix>.count`, commands go out on `<prefix>.cmd`, and
 * gateways announce themselves on `<prefix>.presence` so a count stops
 * waiting once every live gateway answered. `start()` rejects with code
 * `"unavailable"` when NATS cannot be reached; after that the client
 * reconnects on its own, forever.
 *
 * @example A gateway broker on a local NATS
 * ```ts ignore
 * import { createNatsBroker, serveGateway } from "@firetower/firetower";
 * const broker = createNatsBroker({ servers: "nats://127.0.0.1:4222" });
 * await serveGateway({ port: 9999, broker });
 * ```
 */
export function createNatsBroker(options: NatsBrokerOptions = {}): Broker {
  const servers = options.servers ?? "nats://127.0.0.1:4222";
  const gatewayId = options.gatewayId ?? `gw-${crypto.randomUUID().slice(0, 8)}`;
  const prefix = options.subjectPrefix ?? "firetower";
  const queryTimeoutMs = options.queryTimeoutMs ?? 500;
  const logger = options.logger ?? createConsoleLogger("info");
  const subjects = {
    topic: (topic: string) => `${prefix}.topic.${topicToken(topic)}`,
    count: `${prefix}.count`,
    cmd: `${prefix}.cmd`,
    presence: `${prefix}.presence`,
  };

  let nc: NatsConnection | undefined;
  let handler: BrokerHandler | undefined;
  let closed = false;
  let started = false;
  let presenceTimer: ReturnType<typeof setInterval> | undefined;
  let statusLoop: Promise<void> = RESOLVED;
  let statuses: AsyncIterable<Status> | undefined;
  /** When queries may trust the known-gateways view (a round of presence after start). */
  let viewReadyAt = Infinity;
  const counts = new Map<string, number>();
  const topicSubs = new Map<string, Subscription>();
  /** Other gateways heard of, with when they were last heard of. */
  const known = new Map<string, number>();
  const pending = new Map<number, PendingQuery>();
  let querySeq = 0;
  let inbox = "";

  const closedError = (): BrokerError =>
    new BrokerError("closed", `Cannot use NATS broker '${gatewayId}' as it is closed`);
  const notStarted = (): BrokerError =>
    new BrokerError("closed", `Cannot use NATS broker '${gatewayId}' as it is not started`);
  const connection = (): NatsConnection => {
    if (closed) throw closedError();
    if (nc === undefined) throw notStarted();
    return nc;
  };

  const onPublication = (error: Error | null, msg: Msg): void => {
    if (error !== null || handler === undefined) return;
    let publication: Publication;
    try {
      publication = decode(msg.data) as Publication;
    } catch (decodeError) {
      logger.warn("NATS broker dropped an undecodable publication", {
        subject: msg.subject,
        error: decodeError,
      });
      return;
    }
    if (publication.origin === gatewayId || !counts.has(publication.topic)) return;
    handler.deliver(publication);
  };

  const syncSubscription = (topic: string): void => {
    if (nc === undefined || closed) return;
    const held = counts.has(topic);
    const sub = topicSubs.get(topic);
    if (held && sub === undefined) {
      topicSubs.set(topic, nc.subscribe(subjects.topic(topic), { callback: onPublication }));
    } else if (!held && sub !== undefined) {
      topicSubs.delete(topic);
      sub.unsubscribe();
    }
  };

  const announce = (leaving = false): void => {
    if (nc === undefined || nc.isClosed()) return;
    try {
      nc.publish(subjects.presence, encode({ gatewayId, leaving } satisfies PresenceMessage));
    } catch (error) {
      logger.debug("NATS broker could not announce its presence", { error });
    }
  };

  const expireKnown = (): void => {
    const oldest = Date.now() - PRESENCE_EXPIRY_MS;
    for (const [id, seen] of known) if (seen < oldest) known.delete(id);
  };

  const settleIfComplete = (seq: number): void => {
    const query = pending.get(seq);
    if (query === undefined || Date.now() < viewReadyAt) return;
    expireKnown();
    for (const id of known.keys()) if (!query.answers.has(id)) return;
    finishQuery(seq);
  };

  const finishQuery = (seq: number): void => {
    const query = pending.get(seq);
    if (query === undefined) return;
    pending.delete(seq);
    clearTimeout(query.timer);
    let sum = query.local;
    for (const count of query.answers.values()) sum += count;
    query.resolve(sum);
  };

  const onPresence = (error: Error | null, msg: Msg): void => {
    if (error !== null) return;
    let presence: PresenceMessage;
    try {
      presence = decode(msg.data) as PresenceMessage;
    } catch {
      return;
    }
    if (presence.gatewayId === gatewayId) return;
    if (presence.leaving) {
      known.delete(presence.gatewayId);
      for (const seq of [...pending.keys()]) settleIfComplete(seq);
      return;
    }
    const isNew = !known.has(presence.gatewayId);
    known.set(presence.gatewayId, Date.now());
    // Answer a newcomer at once so its view of the cluster fills quickly.
    if (isNew) announce();
  };

  const onCountRequest = (error: Error | null, msg: Msg): void => {
    if (error !== null || msg.reply === undefined) return;
    let request: CountRequest;
    try {
      request = decode(msg.data) as CountRequest;
    } catch {
      return;
    }
    if (request.origin === gatewayId) return;
    known.set(request.origin, Date.now());
    try {
      msg.respond(
        encode({ gatewayId, count: counts.get(request.topic) ?? 0 } satisfies CountAnswer),
      );
    } catch (respondError) {
      logger.debug("NATS broker could not answer a count", { error: respondError });
    }
  };

  const onCountAnswer = (error: Error | null, msg: Msg): void => {
    if (error !== null) return;
    const seq = Number(msg.subject.slice(inbox.length + 1));
    const query = pending.get(seq);
    if (query === undefined) return;
    let answer: CountAnswer;
    try {
      answer = decode(msg.data) as CountAnswer;
    } catch {
      return;
    }
    query.answers.set(answer.gatewayId, answer.count);
    known.set(answer.gatewayId, Date.now());
    settleIfComplete(seq);
  };

  const onCommand = (error: Error | null, msg: Msg): void => {
    if (error !== null || handler === undefined) return;
    let message: CommandMessage;
    try {
      message = decode(msg.data) as CommandMessage;
    } catch {
      return;
    }
    if (message.origin === gatewayId) return;
    const command = message.command;
    if (command.kind === "disconnectUser" || counts.has(command.topic)) handler.command(command);
  };

  /** Makes the local counts and topic subscriptions match the gateway's own view. */
  const resync = (): void => {
    if (handler === undefined) return;
    const fresh = new Map<string, number>();
    for (const [topic, count] of handler.subscriptions()) if (count > 0) fresh.set(topic, count);
    const topics = new Set([...counts.keys(), ...fresh.keys()]);
    counts.clear();
    for (const [topic, count] of fresh) counts.set(topic, count);
    for (const topic of topics) syncSubscription(topic);
  };

  const watchStatus = async (statuses: AsyncIterable<Status>): Promise<void> => {
    for await (const status of statuses) {
      if (status.type === "disconnect") {
        const detail = `NATS link to ${status.data} lost`;
        logger.warn(detail, { gatewayId });
        handler?.linkChanged?.(false, detail);
      } else if (status.type === "reconnect") {
        const detail = `NATS link to ${status.data} restored`;
        logger.info(detail, { gatewayId });
        resync();
        announce();
        handler?.linkChanged?.(true, detail);
      }
    }
  };

  return {
    kind: "nats",
    gatewayId,
    async start(brokerHandler: BrokerHandler): Promise<void> {
      if (closed) throw closedError();
      if (started) throw new Error(`Cannot start NATS broker '${gatewayId}' twice`);
      started = true;
      let conn: NatsConnection;
      try {
        conn = await connect({
          servers,
          name: `firetower-${gatewayId}`,
          maxReconnectAttempts: -1,
          noEcho: true,
        });
      } catch (error) {
        throw new BrokerError(
          "unavailable",
          `Cannot start NATS broker '${gatewayId}' as NATS at ${servers} is unreachable: ${
            errorText(error)
          }`,
        );
      }
      if (closed) {
        await conn.close();
        throw closedError();
      }
      nc = conn;
      handler = brokerHandler;
      inbox = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}`;
      conn.subscribe(`${inbox}.*`, { callback: onCountAnswer });
      conn.subscribe(subjects.presence, { callback: onPresence });
      conn.subscribe(subjects.count, { callback: onCountRequest });
      conn.subscribe(subjects.cmd, { callback: onCommand });
      resync();
      const stream = statuses = conn.status();
      statusLoop = watchStatus(stream).catch((error) =>
        logger.warn("NATS broker status watch ended", { error })
      );
      announce();
      presenceTimer = setInterval(() => {
        expireKnown();
        announce();
      }, PRESENCE_INTERVAL_MS);
      await conn.flush();
      // Gateways answer a newcomer's presence at once; after one query
      // timeout the view of the cluster is trusted for early answers.
      viewReadyAt = Date.now() + queryTimeoutMs;
      logger.info("NATS broker connected", { gatewayId, servers: conn.getServer() });
      handler.linkChanged?.(true, `NATS link to ${conn.getServer()} up`);
    },
    setSubscribers(topic: string, count: number): void {
      if (closed) return;
      if (count > 0) counts.set(topic, count);
      else counts.delete(topic);
      syncSubscription(topic);
    },
    publish(publication: Publication): Promise<void> {
      let conn: NatsConnection;
      try {
        conn = connection();
      } catch (error) {
        return Promise.reject(error);
      }
      try {
        conn.publish(subjects.topic(publication.topic), encode(publication));
      } catch (error) {
        return Promise.reject(
          new BrokerError(
            "dropped",
            `Cannot publish to topic '${publication.topic}' on NATS: ${errorText(error)}`,
          ),
        );
      }
      return RESOLVED;
    },
    subscriberCount(topic: string): Promise<number> {
      let conn: NatsConnection;
      try {
        conn = connection();
      } catch (error) {
        return Promise.reject(error);
      }
      const seq = ++querySeq;
      const result = new Promise<number>((resolve, reject) => {
        pending.set(seq, {
          answers: new Map(),
          local: counts.get(topic) ?? 0,
          resolve,
          reject,
          timer: setTimeout(() => finishQuery(seq), queryTimeoutMs),
        });
      });
      try {
        conn.publish(subjects.count, encode({ topic, origin: gatewayId } satisfies CountRequest), {
          reply: `${inbox}.${seq}`,
        });
      } catch (error) {
        const query = pending.get(seq)!;
        pending.delete(seq);
        clearTimeout(query.timer);
        query.reject(
          new BrokerError("unavailable", `Cannot count topic '${topic}': ${errorText(error)}`),
        );
        return result;
      }
      settleIfComplete(seq);
      return result;
    },
    async topicExists(topic: string): Promise<boolean> {
      return await this.subscriberCount(topic) > 0;
    },
    async command(command: ClusterCommand): Promise<void> {
      const conn = connection();
      try {
        conn.publish(subjects.cmd, encode({ command, origin: gatewayId } satisfies CommandMessage));
      } catch (error) {
        throw new BrokerError(
          "dropped",
          `Cannot send ${command.kind} on NATS: ${errorText(error)}`,
        );
      }
      // Resolve only once the server has it, so sequential commands keep their order.
      await conn.flush();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(presenceTimer);
      for (const [seq, query] of pending) {
        pending.delete(seq);
        clearTimeout(query.timer);
        query.reject(closedError());
      }
      const conn = nc;
      if (conn === undefined) return;
      announce(true);
      topicSubs.clear();
      try {
        await conn.drain();
      } catch {
        await conn.close();
      }
      // The client does not end its status stream on close: stop it here.
      // (Its runtime object is a queued iterator with stop(), typed only as AsyncIterable.)
      (statuses as { stop?: () => void } | undefined)?.stop?.();
      await statusLoop;
      handler = undefined;
    },
  } satisfies Broker;
}
