/**
 * The topic manager (TM): accepts gateway links on a TCP port, routes each
 * publish to exactly the gateways holding its topic, and serves `/topic`,
 * `/gateways`, `/metrics` and `/healthz` on an HTTP port.
 *
 * @module
 */
import { createConsoleLogger, type Logger } from "../actors/logger.ts";
import { ActorSystem } from "../actors/system.ts";
import { createHttpHandler } from "./http.ts";
import { serveGateway } from "./_session.ts";
import { Router, type TopicManagerCounters } from "./router.ts";
import type { RoutingTable } from "./routing_table.ts";
import { validateTopicManagerOptions } from "./_options.ts";

/** Options of {@linkcode startTopicManager}. */
export interface TopicManagerOptions {
  /** Interface of both ports. @default {"0.0.0.0"} */
  host?: string;
  /** Cluster (gateway link) TCP port; `0` picks a free one. @default {6666} */
  port?: number;
  /** HTTP port; `0` picks a free one, `-1` disables HTTP. @default {6667} */
  httpPort?: number;
  /**
   * The cluster secret gateways must prove at connect. The empty string
   * disables authentication (a warning is logged at start).
   *
   * @default {""}
   */
  secret?: string;
  /** Interval of heartbeats sent to each gateway, in ms. @default {5000} */
  heartbeatMs?: number;
  /** A gateway silent for this long is disconnected and forgotten, in ms. @default {15000} */
  heartbeatTimeoutMs?: number;
  /** Time a new connection has to authenticate, in ms. @default {5000} */
  handshakeTimeoutMs?: number;
  /** Largest frame body accepted or sent, in bytes. @default {1048576} */
  maxFrameBytes?: number;
  /** Frames queued per gateway before new ones are dropped. @default {10000} */
  gatewayQueueSize?: number;
  /** A gateway whose queue stays full this long is disconnected, in ms. @default {5000} */
  slowGatewayMs?: number;
  /** Where events are logged. @default {createConsoleLogger("info")} */
  logger?: Logger;
  /** The actor system of the remote-gateway actors. @default {a new system, shut down by close()} */
  system?: ActorSystem;
}

/** A running topic manager. */
export interface TopicManager {
  /** The cluster TCP address gateways connect to. */
  readonly address: Deno.NetAddr;
  /** The HTTP address, or `undefined` when HTTP is disabled. */
  readonly httpAddress: Deno.NetAddr | undefined;
  /** The routing table (read-only use). */
  readonly table: RoutingTable;
  /** Counters since start. */
  readonly counters: Readonly<TopicManagerCounters>;
  /** Ids of the connected gateways. */
  gatewayIds(): string[];
  /** Stops accepting, closes every gateway link and the HTTP port. */
  close(): Promise<void>;
}

/**
 * Starts a topic manager.
 *
 * @throws {Error} "Cannot start topic manager as port N on HOST is already in use"
 * for a busy port, or a `RangeError` naming an invalid option.
 *
 * @example A TM on free ports
 * ```ts
 * import { silentLogger, startTopicManager } from "@firetower/firetower";
 * const tm = await startTopicManager({ port: 0, httpPort: 0, secret: "s3cret", logger: silentLogger });
 * console.log(tm.address.port > 0);
 * await tm.close();
 * ```
 */
export async function startTopicManager(options: TopicManagerOptions = {}): Promise<TopicManager> {
  const o = validateTopicManagerOptions(options);
  const logger = options.logger ?? createConsoleLogger("info");
  const ownSystem = options.system === undefined;
  const system = options.system ?? new ActorSystem({ logger });
  const router = new Router(logger, o.maxFrameBytes);
  const listener = listen(() => Deno.listen({ hostname: o.host, port: o.port }), o.host, o.port);
  let http: Deno.HttpServer<Deno.NetAddr> | undefined;
  let rate = 0;
  let lastRouted = 0;
  const sampler = setInterval(() => {
    rate = router.counters.publishesRouted - lastRouted;
    lastRouted = router.counters.publishesRouted;
  }, 1000);
  try {
    if (o.httpPort >= 0) {
      const handler = createHttpHandler({ router, system, publishRate: () => rate });
      http = listen(
        () => Deno.serve({ hostname: o.host, port: o.httpPort, onListen: () => {} }, handler),
        o.host,
        o.httpPort,
      );
    }
  } catch (error) {
    clearInterval(sampler);
    listener.close();
    if (ownSystem) await system.shutdown();
    throw error;
  }
  if (o.secret === "") {
    logger.warn("topic manager has NO cluster secret: any host that reaches the port can join", {
      hint: "set --secret (or FIRETOWER_SECRET) on the TM and every gateway",
    });
  }
  const sessions = new Set<Promise<void>>();
  const conns = new Set<Deno.Conn>();
  const context = { router, system, logger, secret: o.secret, limits: o.limits, ...o.timing };
  const accepting = (async (): Promise<void> => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        const session = serveGateway(conn, context).finally(() => {
          sessions.delete(session);
          conns.delete(conn);
        });
        sessions.add(session);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.BadResource)) {
        logger.error("topic manager stopped accepting", { error });
      }
    }
  })();
  const address = listener.addr as Deno.NetAddr;
  logger.info("topic manager started", {
    cluster: `${address.hostname}:${address.port}`,
    http: http ? `${http.addr.hostname}:${http.addr.port}` : "disabled",
  });
  let closing: Promise<void> | undefined;
  return {
    address,
    httpAddress: http?.addr,
    table: router.table,
    counters: router.counters,
    gatewayIds: () => [...router.gateways()].map((gateway) => gateway.id),
    close(): Promise<void> {
      return closing ??= (async () => {
        clearInterval(sampler);
        try {
          listener.close();
        } catch {
          // already closed
        }
        await accepting;
        for (const gateway of router.gateways()) gateway.disconnect();
        for (const conn of conns) closeQuietly(conn);
        await Promise.all(sessions);
        await http?.shutdown();
        if (ownSystem) await system.shutdown();
        logger.info("topic manager stopped");
      })();
    },
  };
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed by its session
  }
}

function listen<T>(open: () => T, host: string, port: number): T {
  try {
    return open();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new Error(`Cannot start topic manager as port ${port} on ${host} is already in use`);
    }
    throw error;
  }
}
