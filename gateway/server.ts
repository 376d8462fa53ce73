import type { Fire, FireContext } from "./fire.ts";
import { createGateway, type Gateway, type GatewayOptions } from "./gateway.ts";
import { renderMetrics } from "./metrics.ts";
import { negotiate } from "./negotiate.ts";
import type { Tower } from "./tower.ts";

/** Who is connecting, as decided by {@linkcode ServeGatewayOptions.authenticate}. */
export interface Identity {
  /** The user id. */
  userId?: string;
  /** The connection id (default: a fresh id). */
  clientId?: string;
  /** Application data kept with the connection. */
  metadata?: Record<string, unknown>;
}

/**
 * Decides whether a WebSocket upgrade may proceed: an {@linkcode Identity}
 * to accept, a `Response` (401, 403...) to refuse with, or `false` for 401.
 */
export type Authenticate = (
  request: Request,
) => Identity | Response | false | Promise<Identity | Response | false>;

/** The connection hooks as a module: each takes the connection first. */
export interface GatewayHooks {
  /** See `ConnectHandler`. */
  onConnect?(tower: Tower): boolean | void | Promise<boolean | void>;
  /** See `OfflineHandler`. */
  onOffline?(tower: Tower): void | Promise<void>;
  /** See `BeforeSubscribeHandler`. */
  beforeSubscribe?(
    tower: Tower,
    context: FireContext,
    topics: string[],
  ): boolean | string[] | void | Promise<boolean | string[] | void>;
  /** See `TopicsHandler`. */
  onSubscribe?(tower: Tower, context: FireContext, topics: string[]): void | Promise<void>;
  /** See `TopicsHandler`. */
  onUnsubscribe?(tower: Tower, context: FireContext, topics: string[]): void | Promise<void>;
  /** See `ReadHandler`. */
  onRead?(tower: Tower, fire: Fire): boolean | void | Promise<boolean | void>;
  /** See `ReadTimeoutHandler`. */
  onReadTimeout?(tower: Tower, fire: Fire): void;
}

/** Options of {@linkcode serveGateway}. */
export interface ServeGatewayOptions extends GatewayOptions {
  /**
   * Address to listen on.
   *
   * @default {"0.0.0.0"}
   */
  hostname?: string;
  /**
   * Port to listen on; 0 picks a free one.
   *
   * @default {9999}
   */
  port?: number;
  /**
   * The WebSocket path.
   *
   * @default {"/ws"}
   */
  path?: string;
  /**
   * Share the port with other processes (`--workers`).
   *
   * @default {false}
   */
  reusePort?: boolean;
  /**
   * Seconds a client may stay silent before the server pings it; a client
   * that does not answer within the same time again is closed (1001). This
   * is how a client that vanished without closing is found. 0 turns it off.
   *
   * @default {120}
   */
  idleTimeoutSeconds?: number;
  /** Authenticates each upgrade; without it every client is anonymous. */
  authenticate?: Authenticate;
  /**
   * Origins allowed to connect (exact `Origin` header values); requests from
   * other origins get 403. Requests without an Origin (non-browsers) pass.
   *
   * @default {every origin}
   */
  allowedOrigins?: string[];
  /** Hooks applied to every connection. */
  hooks?: GatewayHooks;
  /** Serves requests to other paths (pages, APIs); default 404. */
  fallback?: (request: Request) => Response | Promise<Response>;
}

/** A running gateway server. */
export interface GatewayServer {
  /** The gateway behind the server. */
  readonly gateway: Gateway;
  /** The address the server listens on. */
  readonly addr: Deno.NetAddr;
  /** Stops accepting, tells clients to reconnect, flushes and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts the turnkey gateway: an HTTP server that upgrades WebSocket
 * requests on `path`, and serves `/metrics` (Prometheus) and `/healthz`.
 *
 * @example A gateway on an ephemeral port
 * ```ts
 * import { serveGateway } from "@firetower/firetower";
 * const server = await serveGateway({ port: 0, heartbeatIntervalMs: 0 });
 * console.log(`listening on ${server.addr.port}`);
 * await server.shutdown();
 * ```
 */
export async function serveGateway(options: ServeGatewayOptions = {}): Promise<GatewayServer> {
  // Deno's default of 30 s (ping after 15 s of silence, close 15 s later)
  // drops healthy clients whenever a loaded machine answers pings late.
  const idleTimeout = options.idleTimeoutSeconds ?? 120;
  if (!Number.isInteger(idleTimeout) || idleTimeout < 0) {
    throw new RangeError(
      `Cannot serve gateway as 'idleTimeoutSeconds' must be a non-negative integer: current value is ${idleTimeout}`,
    );
  }
  const gateway = await createGateway(options);
  const path = options.path ?? "/ws";
  const origins = options.allowedOrigins ? new Set(options.allowedOrigins) : undefined;
  const fallbackFormat = options.legacy ? "legacy" : "json";
  const upgrade = async (request: Request): Promise<Response> => {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const origin = request.headers.get("origin");
    if (origins && origin !== null && !origins.has(origin)) {
      return new Response(`origin '${origin}' is not allowed`, { status: 403 });
    }
    let identity: Identity = {};
    if (options.authenticate) {
      let verdict;
      try {
        verdict = await options.authenticate(request);
      } catch (error) {
        gateway.logger.error("authenticate hook failed", { error });
        return new Response("authentication failed", { status: 500 });
      }
      if (verdict instanceof Response) return verdict;
      if (verdict === false) return new Response("unauthorized", { status: 401 });
      identity = verdict;
    }
    const { protocol, format } = negotiate(request, fallbackFormat);
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol, idleTimeout });
    const tower = gateway.buildTower(socket, { ...identity, format });
    if (options.hooks) applyHooks(tower, options.hooks);
    tower.start();
    return response;
  };
  let serving = true;
  const server = Deno.serve({
    hostname: options.hostname ?? "0.0.0.0",
    port: options.port ?? 9999,
    reusePort: options.reusePort ?? false,
    onListen: () => {},
  }, (request) => {
    const url = new URL(request.url);
    if (url.pathname === path) {
      if (!serving) return new Response("shutting down", { status: 503 });
      return upgrade(request);
    }
    if (url.pathname === "/metrics") {
      return new Response(renderMetrics(gateway.stats()), {
        headers: { "content-type": "text/plain; version=0.0.4" },
      });
    }
    if (url.pathname === "/healthz") return new Response(serving ? "ok" : "draining");
    return options.fallback?.(request) ?? new Response("not found", { status: 404 });
  });
  return {
    gateway,
    addr: server.addr,
    async shutdown(): Promise<void> {
      serving = false;
      await gateway.shutdown();
      await server.shutdown();
    },
  };
}

/** Binds hooks written as a module (tower first) to one connection. */
export function applyHooks(tower: Tower, hooks: GatewayHooks): void {
  tower.setHandlers({
    onConnect: hooks.onConnect && (() => hooks.onConnect!(tower)),
    onOffline: hooks.onOffline && (() => hooks.onOffline!(tower)),
    beforeSubscribe: hooks.beforeSubscribe &&
      ((context, topics) => hooks.beforeSubscribe!(tower, context, topics)),
    onSubscribe: hooks.onSubscribe &&
      ((context, topics) => hooks.onSubscribe!(tower, context, topics)),
    onUnsubscribe: hooks.onUnsubscribe &&
      ((context, topics) => hooks.onUnsubscribe!(tower, context, topics)),
    onRead: hooks.onRead && ((fire) => hooks.onRead!(tower, fire)),
    onReadTimeout: hooks.onReadTimeout && ((fire) => hooks.onReadTimeout!(tower, fire)),
  });
}
