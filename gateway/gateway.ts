import type { Logger } from "../actors/logger.ts";
import { createConsoleLogger } from "../actors/logger.ts";
import type { SupervisorStrategy } from "../actors/supervision.ts";
import { ActorSystem, type SystemSnapshot } from "../actors/system.ts";
import type { Broker, ClusterCommand } from "./broker.ts";
import { HEARTBEAT } from "./client_protocol.ts";
import { CloseCode } from "./close_codes.ts";
import type { ClientSocket, SendCounters } from "./connection.ts";
import { Hub } from "./hub.ts";
import { type GatewayLimits, resolveLimits } from "./limits.ts";
import { createLocalBroker } from "./local_broker.ts";
import { MessageIdGenerator } from "./message_id.ts";
import { Tower, type TowerEnvironment, type TowerOptions } from "./tower.ts";

/** How long shutdown waits for each client to answer its close frame. */
const SHUTDOWN_CLOSE_WAIT_MS = 2000;

/** Options of {@linkcode createGateway}. */
export interface GatewayOptions {
  /**
   * How this gateway reaches the rest of the cluster.
   *
   * @default {createLocalBroker()}
   */
  broker?: Broker;
  /**
   * Where events an operator cares about are logged.
   *
   * @default {createConsoleLogger("info")}
   */
  logger?: Logger;
  /**
   * How the connection, reader and topic actors are supervised: a failing
   * hook restarts its connection's reader; past the restart budget the
   * connection is closed with 1011.
   *
   * @default {{ maxRestarts: 10, withinMs: 10000, backoff: { minMs: 10, maxMs: 5000, jitter: 0.2 } }}
   */
  supervisor?: SupervisorStrategy;
  /** Limits on clients; see {@linkcode GatewayLimits} for each default. */
  limits?: Partial<GatewayLimits>;
  /**
   * Interval of the `heartbeat` text frame sent to every client, in ms; 0 turns it off.
   *
   * @default {30000}
   */
  heartbeatIntervalMs?: number;
  /**
   * Send a publication to clients as its bare `data`, as firetower 0.4 did,
   * and send no acknowledgement frames, for old clients.
   *
   * @default {false}
   */
  legacy?: boolean;
}

/** Counters of a gateway, for `/metrics`. */
export interface GatewayStats {
  /** Connected clients. */
  connections: number;
  /** Topics with local subscribers. */
  topics: number;
  /** Publications fanned out locally. */
  published: number;
  /** Frames handed to sockets. */
  sent: number;
  /** Frames dropped for clients over their limits. */
  dropped: number;
  /** Connections closed as slow consumers. */
  slowClosed: number;
  /** The actors' counters. */
  actors: SystemSnapshot;
}

/**
 * A gateway: the clients connected to this process, their topics, and the
 * broker that links it to the cluster. Both the turnkey server
 * (`serveGateway`, `deno task gateway`) and embedding applications use it.
 *
 * @example Embedding: the application owns `Deno.serve` and the upgrade
 * ```ts ignore
 * import { createGateway } from "@firetower/firetower";
 * const gateway = await createGateway();
 * Deno.serve((request) => {
 *   const { socket, response } = Deno.upgradeWebSocket(request);
 *   gateway.buildTower(socket, { userId: "u1" }).run();
 *   return response;
 * });
 * ```
 */
export class Gateway {
  /** This gateway's id in the cluster. */
  readonly id: string;
  /** The logger. */
  readonly logger: Logger;
  /** The broker engine. */
  readonly broker: Broker;
  readonly #system: ActorSystem;
  readonly #hub: Hub;
  readonly #env: TowerEnvironment;
  readonly #counters: SendCounters = { sent: 0, dropped: 0, slowClosed: 0 };
  readonly #legacy: boolean;
  readonly #sweep: ReturnType<typeof setInterval>;
  #closing = false;

  /** Use {@linkcode createGateway}. @internal */
  constructor(options: GatewayOptions, broker: Broker) {
    const limits = resolveLimits(options.limits);
    const heartbeatMs = options.heartbeatIntervalMs ?? 30_000;
    if (!Number.isInteger(heartbeatMs) || heartbeatMs < 0) {
      throw new RangeError(
        `Cannot create gateway as 'heartbeatIntervalMs' must be a non-negative integer: current value is ${heartbeatMs}`,
      );
    }
    this.logger = options.logger ?? createConsoleLogger("info");
    this.broker = broker;
    this.id = broker.gatewayId;
    this.#legacy = options.legacy ?? false;
    this.#system = new ActorSystem({ logger: this.logger, supervisor: options.supervisor });
    this.#hub = new Hub(this.#system, broker, this.logger, limits);
    const ids = new MessageIdGenerator(this.id);
    this.#env = {
      system: this.#system,
      hub: this.#hub,
      logger: this.logger,
      limits,
      counters: this.#counters,
      gatewayId: this.id,
      acks: !this.#legacy,
      nextMessageId: () => ids.next(),
    };
    // One timer for all clients: slow-consumer checks every second, heartbeats
    // on their interval. Idle connections cost no timer of their own.
    let sinceHeartbeat = 0;
    const tickMs = heartbeatMs > 0 ? Math.min(1000, heartbeatMs) : 1000;
    this.#sweep = setInterval(() => {
      sinceHeartbeat += tickMs;
      const beat = heartbeatMs > 0 && sinceHeartbeat >= heartbeatMs;
      if (beat) sinceHeartbeat = 0;
      for (const member of this.#hub.members()) {
        member.connection.checkSlow();
        if (beat) member.connection.send(HEARTBEAT);
      }
    }, tickMs);
  }

  /** Creates a gateway and starts its broker; see {@linkcode createGateway}. */
  static async create(options: GatewayOptions = {}): Promise<Gateway> {
    const gateway = new Gateway(options, options.broker ?? createLocalBroker());
    try {
      await gateway.broker.start(gateway.#hub);
    } catch (error) {
      await gateway.shutdown().catch(() => {});
      throw error;
    }
    return gateway;
  }

  /**
   * Wraps an upgraded WebSocket as a {@linkcode Tower}. Set its hooks, then
   * call `run()` before returning the upgrade response.
   */
  buildTower(socket: ClientSocket, options: TowerOptions = {}): Tower {
    if (this.#closing) {
      throw new Error("Cannot accept a connection as the gateway is shutting down");
    }
    if ("binaryType" in socket) (socket as WebSocket).binaryType = "arraybuffer";
    const format = options.format ?? (this.#legacy ? "legacy" : "json");
    return new Tower(this.#env, socket, { ...options, format });
  }

  /** Publishes server-side (no client) to every subscriber of `topic` in the cluster. */
  publish(topic: string, data: unknown): Promise<void> {
    const id = this.#env.nextMessageId();
    return this.#hub.publish({
      topic,
      data,
      id,
      time: Date.now(),
      clientId: "",
      userId: "",
      origin: this.id,
    });
  }

  /** Removes every connection of `userId` from `topic`, cluster-wide. */
  unsubscribeUser(userId: string, topic: string): Promise<void> {
    return this.#issue({ kind: "unsubscribeUser", userId, topic });
  }

  /** Removes every subscriber of `topic`, cluster-wide. */
  removeTopic(topic: string): Promise<void> {
    return this.#issue({ kind: "removeTopic", topic });
  }

  /** Closes every connection of `userId` (code 4002), cluster-wide. */
  disconnectUser(userId: string): Promise<void> {
    return this.#issue({ kind: "disconnectUser", userId });
  }

  /** The cluster-wide number of subscribers of `topic`. */
  getConnectNum(topic: string): Promise<number> {
    return this.#hub.subscriberCount(topic);
  }

  /** Whether `topic` has subscribers anywhere in the cluster. */
  checkTopicExist(topic: string): Promise<boolean> {
    return this.#hub.topicExists(topic);
  }

  /** The gateway's counters. */
  stats(): GatewayStats {
    return {
      connections: this.#hub.memberCount,
      topics: this.#hub.topicCount,
      published: this.#hub.counters.published,
      sent: this.#counters.sent,
      dropped: this.#counters.dropped,
      slowClosed: this.#counters.slowClosed,
      actors: this.#system.snapshot(),
    };
  }

  /**
   * Shuts down: refuses new connections, tells every client to reconnect
   * (close code 1012) after flushing what was queued for it, closes the
   * broker and stops every actor.
   */
  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#sweep);
    const towers = [...this.#hub.members()] as Tower[];
    await Promise.all(towers.map(async (tower) => {
      await tower.close(CloseCode.serviceRestart, "gateway restarting; reconnect");
      // Let the closing handshake finish, or the HTTP server's own shutdown
      // would cut the connection with 1001 before the client saw 1012.
      await tower.socketClosed(SHUTDOWN_CLOSE_WAIT_MS);
    }));
    await this.broker.close();
    await this.#system.shutdown();
  }

  #issue(command: ClusterCommand): Promise<void> {
    return this.#hub.issue(command);
  }
}

/**
 * Creates a gateway and starts its broker.
 *
 * @example A gateway with the embedded broker
 * ```ts
 * import { createGateway } from "@firetower/firetower";
 * const gateway = await createGateway({ heartbeatIntervalMs: 0 });
 * console.log(gateway.stats().connections); // 0
 * await gateway.shutdown();
 * ```
 */
export function createGateway(options: GatewayOptions = {}): Promise<Gateway> {
  return Gateway.create(options);
}
