/**
 * The yardstick: the simplest Deno WebSocket broadcast server that speaks the Firetower
 * client protocol. No framework, no batching, no actors: a `Map` of topic to sockets, one
 * `JSON.stringify` per publish and one `ws.send` per subscriber. Firetower's numbers are
 * read as ratios against this server, so it must stay naive on purpose.
 *
 * Run: `deno run -A bench/reference_server.ts --port 9990 [--host 0.0.0.0] [--reuse-port]`
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Flags of the reference server. */
export interface ReferenceServerOptions {
  /** Interface to bind. @default {"0.0.0.0"} */
  host: string;
  /** TCP port; 0 asks the kernel for a free one. @default {9990} */
  port: number;
  /** Share the port with sibling processes (SO_REUSEPORT). @default {false} */
  reuse_port: boolean;
}

/** Parses and validates the command line, failing with a message that names the flag. */
export function parseReferenceOptions(args: string[]): ReferenceServerOptions {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string", default: "0.0.0.0" },
      port: { type: "string", default: "9990" },
      "reuse-port": { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(
      `Cannot start as 'port' must be an integer in 0..65535: current value is ${values.port}`,
    );
  }
  return { host: values.host, port, reuse_port: values["reuse-port"] };
}

/** Handles one client frame: the whole protocol, naively, as a baseline should. */
function handleFrame(
  ws: WebSocket,
  text: string,
  topics: Map<string, Set<WebSocket>>,
  own: Set<string>,
): void {
  let msg: { type?: unknown; topic?: unknown; data?: unknown };
  try {
    msg = JSON.parse(text);
  } catch {
    return;
  }
  if (typeof msg.topic !== "string") return;
  const names = msg.topic.split(",").filter((name) => name.length > 0);
  if (msg.type === "subscribe") {
    for (const name of names) {
      let set = topics.get(name);
      if (set === undefined) topics.set(name, set = new Set());
      set.add(ws);
      own.add(name);
    }
    ws.send(JSON.stringify({ type: "subscribed", topic: names.join(",") }));
  } else if (msg.type === "unSubscribe") {
    for (const name of names) remove(topics, name, ws, own);
    ws.send(JSON.stringify({ type: "unsubscribed", topic: names.join(",") }));
  } else if (msg.type === "publish") {
    for (const name of names) {
      const set = topics.get(name);
      if (set === undefined) continue;
      const frame = JSON.stringify({ type: "publish", topic: name, data: msg.data });
      for (const peer of set) {
        if (peer.readyState === WebSocket.OPEN) peer.send(frame);
      }
    }
  }
}

function remove(
  topics: Map<string, Set<WebSocket>>,
  name: string,
  ws: WebSocket,
  own: Set<string>,
): void {
  own.delete(name);
  const set = topics.get(name);
  if (set === undefined) return;
  set.delete(ws);
  if (set.size === 0) topics.delete(name);
}

/** Starts the server and resolves once it is listening; the returned server can be shut down. */
export function startReferenceServer(options: ReferenceServerOptions): Deno.HttpServer {
  const topics = new Map<string, Set<WebSocket>>();
  return Deno.serve({
    hostname: options.host,
    port: options.port,
    reusePort: options.reuse_port,
    onListen: ({ hostname, port }) => {
      console.log(`reference server listening on ws://${hostname}:${port}/ws`);
    },
  }, (req) => {
    if (new URL(req.url).pathname !== "/ws" || req.headers.get("upgrade") !== "websocket") {
      return new Response("not found", { status: 404 });
    }
    const { socket, response } = Deno.upgradeWebSocket(req);
    const own = new Set<string>();
    socket.onmessage = (ev) => {
      if (typeof ev.data === "string") handleFrame(socket, ev.data, topics, own);
    };
    socket.onclose = () => {
      for (const name of [...own]) remove(topics, name, socket, own);
    };
    socket.onerror = () => {};
    return response;
  });
}

if (import.meta.main) {
  let options: ReferenceServerOptions;
  try {
    options = parseReferenceOptions(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  try {
    const server = startReferenceServer(options);
    Deno.addSignalListener("SIGTERM", () => {
      server.shutdown().finally(() => Deno.exit(0));
      // Open WebSockets keep shutdown() pending; do not wait for them forever.
      setTimeout(() => Deno.exit(0), 500);
    });
  } catch (err) {
    console.error(`reference server failed to start: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
