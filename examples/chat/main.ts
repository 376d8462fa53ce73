/**
 * Firetower's chat room, on the embedded API: this program owns `Deno.serve`,
 * serves the page, authenticates and upgrades each WebSocket itself, then
 * hands the socket to the gateway and sets the connection's hooks, as
 * firetower's `example/websocket_service/main.go` does.
 *
 * ```sh
 * deno run -A examples/chat/main.ts            # http://localhost:9999/
 * deno run -A examples/chat/main.ts --port 0   # any free port
 * ```
 *
 * Wire format (JSON text frames):
 * - the page subscribes to `/chat/<room>` and publishes `{"text": "hi"}`;
 * - everyone in the room receives `{"type":"publish","topic","data","id"}`
 *   whose `data` is `{"type":"publish","from":<user>,"data":"hi"}`, or
 *   `{"type":"onSubscribe"|"onUnsubscribe","data":<online count>}`;
 * - a message the server could not take in time comes back to its sender
 *   only as `{"type":"timeout","topic","data":{"type":"timeout","from","data"}}`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createGateway, type FireContext, negotiate, newFire, type Tower } from "../../mod.ts";

/** Longest chat message, in characters. */
const MAX_TEXT = 500;
/** User names: 1 to 32 letters, digits, `_` or `-`. */
const NAME = /^[\p{L}\p{N}_-]{1,32}$/u;
/** Rooms: `/chat/` and 1 to 32 letters, digits, `_` or `-`. */
const ROOM = /^\/chat\/[\p{L}\p{N}_-]{1,32}$/u;

function fail(message: string): never {
  console.error(`chat example: ${message}`);
  Deno.exit(2);
}

let flags;
try {
  flags = parseArgs({
    args: Deno.args,
    options: {
      host: { type: "string", default: "0.0.0.0" },
      port: { type: "string", default: "9999" },
      "read-queue": { type: "string", default: "256" },
      "moderation-delay-ms": { type: "string", default: "0" },
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const port = Number(flags.values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port must be an integer in 0..65535: current value is ${flags.values.port}`);
}
const readQueueSize = Number(flags.values["read-queue"]);
if (!Number.isInteger(readQueueSize) || readQueueSize < 1) {
  fail(`--read-queue must be a positive integer: current value is ${flags.values["read-queue"]}`);
}

// Stands in for an asynchronous moderation service. A synchronous read hook
// keeps up with any client, so only a slow step like this one lets a burst
// fill the inbound queue and shows the read-timeout path.
const moderationDelayMs = Number(flags.values["moderation-delay-ms"]);
if (!Number.isInteger(moderationDelayMs) || moderationDelayMs < 0) {
  fail(
    `--moderation-delay-ms must be a non-negative integer: current value is ${
      flags.values["moderation-delay-ms"]
    }`,
  );
}
const moderate = (): Promise<void> | undefined =>
  moderationDelayMs > 0
    ? new Promise((resolve) => setTimeout(resolve, moderationDelayMs))
    : undefined;

const gateway = await createGateway({ limits: { readQueueSize } });
const log = gateway.logger;
let stopping = false;
/** Open client sockets, so shutdown can wait for their closing handshakes. */
const sockets = new Set<WebSocket>();

/** Publishes the online count of each room to everyone in it (firetower's SubscribeHandler). */
async function announceCount(
  tower: Tower,
  context: FireContext,
  topics: string[],
  type: "onSubscribe" | "onUnsubscribe",
): Promise<void> {
  for (const topic of topics) {
    const count = await tower.getConnectNum(topic);
    const fire = newFire(tower, context); // inherits the id, time and user of the trigger
    fire.topic = topic;
    fire.data = { type, data: count };
    await tower.publish(fire).catch((error) =>
      log.warn("online count not published", { topic, error })
    );
  }
}

/** Sets the chat room's hooks on a new connection. */
function setChatHooks(tower: Tower): void {
  // Only chat rooms; a refused topic gets a `forbidden` error frame.
  tower.setBeforeSubscribeHandler((_context, topics) => topics.filter((t) => ROOM.test(t)));

  tower.setSubscribeHandler((context, topics) =>
    announceCount(tower, context, topics, "onSubscribe")
  );
  // Also fires when the connection closes, so leaving by closing the tab counts too.
  tower.setUnSubscribeHandler((context, topics) =>
    announceCount(tower, context, topics, "onUnsubscribe")
  );

  // Firetower's ReadHandler called `tower.Publish(fire)` and returned true.
  // Here returning anything but `false` lets the gateway publish `fire`
  // itself, so the handler only checks and rewrites it: calling
  // `tower.publish(fire)` as well would deliver every message twice.
  tower.setReadHandler((fire) => {
    if (fire.type !== "publish") {
      tower.sendError("unknown_type", `unknown frame type '${fire.type}'`);
      return false;
    }
    if (!tower.hasTopic(fire.topic)) {
      tower.sendError("forbidden", `join '${fire.topic}' before writing to it`, fire.topic);
      return false;
    }
    const text = (fire.data as { text?: unknown } | null)?.text;
    if (typeof text !== "string" || text.trim() === "" || text.length > MAX_TEXT) {
      tower.sendError(
        "bad_message",
        `'text' must be a non-empty string of at most ${MAX_TEXT} characters`,
        fire.topic,
      );
      return false;
    }
    // The sender is the authenticated user, never what the page claims.
    fire.data = { type: "publish", from: tower.userId, data: text };
    return moderate()?.then(() => true) ?? true;
  });

  // The connection's inbound queue was full: the message was dropped. Tell
  // the sender alone, so the page can offer to send it again.
  tower.setReadTimeoutHandler((fire) => {
    const text = (fire.data as { text?: unknown } | null)?.text;
    tower.toSelf(JSON.stringify({
      type: "timeout",
      topic: fire.topic,
      data: { type: "timeout", from: tower.userId, data: typeof text === "string" ? text : "" },
    }));
  });

  tower.setOnOfflineHandler(() => log.debug("user left", { user: tower.userId }));
}

const page = await Deno.readFile(new URL("./index.html", import.meta.url));
const script = await Deno.readFile(new URL("./chat.js", import.meta.url));

function upgrade(request: Request): Response {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("expected a WebSocket upgrade", { status: 426 });
  }
  // Authentication is the application's: here a name is enough.
  const name = new URL(request.url).searchParams.get("name") ?? "";
  if (!NAME.test(name)) {
    return new Response("a 'name' of 1 to 32 letters, digits, '_' or '-' is required", {
      status: 401,
    });
  }
  if (stopping) return new Response("shutting down", { status: 503 });
  // The page speaks JSON; a client offering `firetower.msgpack` gets msgpack
  // deliveries (the timeout notice below stays a JSON text frame).
  const { protocol, format } = negotiate(request, "json");
  const { socket, response } = Deno.upgradeWebSocket(request, { protocol });
  sockets.add(socket);
  socket.addEventListener("close", () => sockets.delete(socket));
  const tower = gateway.buildTower(socket, { userId: name, format });
  setChatHooks(tower);
  void tower.run();
  return response;
}

let server: Deno.HttpServer<Deno.NetAddr>;
try {
  server = Deno.serve({
    hostname: flags.values.host,
    port,
    onListen: ({ hostname, port }) => {
      console.log(`chat example listening on http://${hostname}:${port}/`);
    },
  }, route);
} catch (error) {
  await gateway.shutdown();
  if (error instanceof Deno.errors.AddrInUse) {
    fail(`cannot listen on ${flags.values.host}:${port}: the address is already in use`);
  }
  fail(`cannot start: ${error instanceof Error ? error.message : error}`);
}

function route(request: Request): Response {
  const { pathname } = new URL(request.url);
  if (pathname === "/ws") return upgrade(request);
  if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
  if (pathname === "/") {
    return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
  }
  if (pathname === "/chat.js") {
    return new Response(script, {
      headers: { "content-type": "text/javascript; charset=utf-8" },
    });
  }
  return new Response("not found", { status: 404 });
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await gateway.shutdown(); // clients are told to reconnect (1012)
  // gateway.shutdown() resolves once the close frames are queued, not sent;
  // shutting the HTTP server down at once would replace them with 1001.
  const closing = [...sockets].map((socket) =>
    new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()))
  );
  await Promise.race([Promise.all(closing), new Promise((resolve) => setTimeout(resolve, 1000))]);
  await server.shutdown();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
