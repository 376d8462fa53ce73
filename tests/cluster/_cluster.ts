/**
 * Helpers of the cluster tests: real topic manager and gateway processes
 * (`deno run -A topic_manager/main.ts` / `gateway/main.ts` on free ports,
 * found from their ready lines) and real WebSocket clients. Private to
 * `tests/cluster/`.
 *
 * @module
 */
import { readLines } from "../../bench/load/line_reader.ts";
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const READY_TIMEOUT_MS = 20_000;

/** The cluster secret of the test TMs and gateways. */
export const SECRET = "cluster-test-secret";

/** The hooks module that answers `{"type":"count","topic":t}` with the cluster-wide count. */
export const COUNT_HOOKS = "tests/cluster/_count_hooks.ts";

/** Retries `check` until it stops throwing or `timeoutMs` passed (then rethrows). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

interface LineWaiter {
  pattern: RegExp;
  resolve(match: RegExpExecArray): void;
}

/** A child `deno run -A <entry>` whose stdout and stderr lines are kept. */
export class Proc {
  /** Every output line, stdout and stderr interleaved in arrival order. */
  readonly lines: string[] = [];
  readonly child: Deno.ChildProcess;
  readonly #readers: Promise<void>[];
  #waiters: LineWaiter[] = [];
  #exited = false;

  constructor(entry: string, args: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", entry, ...args],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child.status.then(() => this.#exited = true);
    this.#readers = [this.#read(this.child.stdout), this.#read(this.child.stderr)];
  }

  /** Whether the process has exited (its status is no longer pending). */
  get exited(): boolean {
    return this.#exited;
  }

  /** Resolves with the first line (past or future) matching `pattern`. */
  waitLine(pattern: RegExp, timeoutMs = READY_TIMEOUT_MS): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const match = pattern.exec(line);
      if (match !== null) return Promise.resolve(match);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const found = new Promise<RegExpExecArray>((resolve) => {
      this.#waiters.push({ pattern, resolve });
    });
    const failed = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `no line matching ${pattern} within ${timeoutMs} ms; output:\n${
                this.lines.join("\n")
              }`,
            ),
          ),
        timeoutMs,
      );
    });
    const exited = this.child.status.then(async (status) => {
      await Promise.all(this.#readers);
      const match = this.lines.map((line) => pattern.exec(line)).find((m) => m !== null);
      if (match) return match;
      throw new Error(
        `process exited with code ${status.code} before printing ${pattern}; output:\n${
          this.lines.join("\n")
        }`,
      );
    });
    return Promise.race([found, failed, exited]).finally(() => clearTimeout(timer));
  }

  /** Sends `signal` unless the process has exited. */
  kill(signal: Deno.Signal = "SIGKILL"): void {
    if (this.#exited) return;
    try {
      this.child.kill(signal);
    } catch {
      // exited meanwhile
    }
  }

  /** Kills the process (SIGKILL) and waits for it and its output to end. */
  async stop(): Promise<Deno.CommandStatus> {
    this.kill("SIGKILL");
    const status = await this.child.status;
    await Promise.all(this.#readers);
    return status;
  }

  async #read(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const line of readLines(stream)) this.#line(line);
  }

  #line(line: string): void {
    this.lines.push(line);
    if (Deno.env.get("CLUSTER_TEST_VERBOSE")) console.error(`[${this.child.pid}] ${line}`);
    this.#waiters = this.#waiters.filter((waiter) => {
      const match = waiter.pattern.exec(line);
      if (match !== null) waiter.resolve(match);
      return match === null;
    });
  }
}

/** One route of a TM's `GET /topic`. */
export interface TopicRow {
  topic: string;
  subscribers: number;
}

/** One row of a TM's `GET /gateways`. */
export interface GatewayRow {
  id: string;
  address: string;
  topics: number;
}

/** Options of {@linkcode startTm}. */
export interface TmOptions {
  /** Cluster port; 0 = any free port. @default {0} */
  port?: number;
  /** HTTP port; 0 = any free port. @default {0} */
  httpPort?: number;
  /** @default {SECRET} */
  secret?: string;
  /** @default {200} */
  heartbeatMs?: number;
  /** @default {1000} */
  heartbeatTimeoutMs?: number;
}

/** A running topic manager process. */
export class TmProcess extends Proc {
  #port = 0;
  #httpPort = 0;

  /** The cluster port. */
  get port(): number {
    return this.#port;
  }

  /** The HTTP port. */
  get httpPort(): number {
    return this.#httpPort;
  }

  /** The `host:port` gateways dial. */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** `GET /topic`. */
  async topics(): Promise<TopicRow[]> {
    return await this.#get("/topic") as TopicRow[];
  }

  /** `GET /topic` as a map topic -> subscribers. */
  async topicCounts(): Promise<Record<string, number>> {
    return Object.fromEntries((await this.topics()).map((row) => [row.topic, row.subscribers]));
  }

  /** `GET /gateways`. */
  async gateways(): Promise<GatewayRow[]> {
    return await this.#get("/gateways") as GatewayRow[];
  }

  /** The ids of the gateways the TM lists, sorted. */
  async gatewayIds(): Promise<string[]> {
    return (await this.gateways()).map((row) => row.id).sort();
  }

  /** One value of `GET /metrics`. */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.#httpPort}/metrics`)).text();
    const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    assert.ok(match, `no metric ${name} in:\n${text}`);
    return Number(match[1]);
  }

  async #get(path: string): Promise<unknown> {
    const response = await fetch(`http://127.0.0.1:${this.#httpPort}${path}`);
    assert.equal(response.status, 200, `GET ${path} answered ${response.status}`);
    return await response.json();
  }

  /** Starts `deno run -A topic_manager/main.ts` on 127.0.0.1 and waits for its ready line. */
  static async start(options: TmOptions = {}): Promise<TmProcess> {
    const tm = new TmProcess("topic_manager/main.ts", [
      ...["--host", "127.0.0.1", "--port", `${options.port ?? 0}`],
      ...["--http-port", `${options.httpPort ?? 0}`, "--secret", options.secret ?? SECRET],
      ...["--heartbeat-ms", `${options.heartbeatMs ?? 200}`],
      ...["--heartbeat-timeout-ms", `${options.heartbeatTimeoutMs ?? 1000}`],
    ]);
    try {
      const match = await tm.waitLine(
        /^firetower tm ready: cluster tcp:\/\/[^ ]+:(\d+) http http:\/\/[^ ]+:(\d+)$/,
      );
      tm.#port = Number(match[1]);
      tm.#httpPort = Number(match[2]);
      return tm;
    } catch (error) {
      await tm.stop();
      throw error;
    }
  }
}

/** Starts a topic manager process (see {@linkcode TmProcess.start}). */
export function startTm(options: TmOptions = {}): Promise<TmProcess> {
  return TmProcess.start(options);
}

/** Options of {@linkcode startGateway}. */
export interface GatewayProcessOptions {
  /** @default {SECRET} */
  secret?: string;
  /** A hooks module path relative to the repository root; none by default. */
  hooks?: string;
  /** Extra flags. */
  args?: string[];
}

/** A running gateway process. */
export interface GatewayProcess extends Proc {
  /** `ws://127.0.0.1:PORT/ws`. */
  readonly url: string;
  readonly port: number;
  /** The gateway id the TMs know it by. */
  readonly id: string;
}

/** Starts `deno run -A gateway/main.ts --broker tm` on 127.0.0.1 and waits for its ready line. */
export async function startGateway(
  tms: readonly TmProcess[],
  options: GatewayProcessOptions = {},
): Promise<GatewayProcess> {
  const proc = new Proc("gateway/main.ts", [
    ...["--host", "127.0.0.1", "--port", "0", "--heartbeat-ms", "0"],
    ...["--broker", "tm", "--tm", tms.map((tm) => tm.address).join(",")],
    ...["--secret", options.secret ?? SECRET],
    ...(options.hooks ? ["--hooks", options.hooks] : []),
    ...(options.args ?? []),
  ]);
  try {
    const match = await proc.waitLine(
      /^firetower gateway ready: ws:\/\/[^ ]+:(\d+)(\/\S*) broker=tm id=(\S+)$/,
    );
    const port = Number(match[1]);
    return Object.assign(proc, { port, url: `ws://127.0.0.1:${port}${match[2]}`, id: match[3] });
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

/** A server frame as JSON. */
export interface ServerFrame {
  type: string;
  topic?: string;
  data?: unknown;
  id?: string;
  code?: string;
  [key: string]: unknown;
}

/** A WebSocket client (the built-in `WebSocket`) that keeps every JSON frame it receives. */
export class Client {
  readonly frames: ServerFrame[] = [];
  readonly #ws: WebSocket;
  readonly #closed: Promise<void>;
  #listeners = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.#closed = new Promise((resolve) => ws.addEventListener("close", () => resolve()));
    ws.addEventListener("message", (event) => {
      if (typeof event.data !== "string" || event.data === "heartbeat") return;
      this.frames.push(JSON.parse(event.data));
      for (const listener of this.#listeners) listener();
    });
  }

  /** Opens a connection to `url`. */
  static async connect(url: string): Promise<Client> {
    const ws = new WebSocket(url);
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), {
        once: true,
      });
    }).catch(async (error) => {
      await client.#closed;
      throw error;
    });
    return client;
  }

  /** Sends one JSON frame. */
  send(frame: Record<string, unknown>): void {
    this.#ws.send(JSON.stringify(frame));
  }

  /** Subscribes and waits for the `subscribed` ack. */
  async subscribe(topics: readonly string[]): Promise<void> {
    const topic = topics.join(",");
    this.send({ type: "subscribe", topic });
    await this.waitFor((f) => f.type === "subscribed" && f.topic === topic, `subscribed ${topic}`);
  }

  /** Sends a publish frame. */
  publish(topic: string, data: unknown): void {
    this.send({ type: "publish", topic, data });
  }

  /** The publications received, optionally of one topic. */
  publications(topic?: string): ServerFrame[] {
    return this.frames.filter((f) =>
      f.type === "publish" && (topic === undefined || f.topic === topic)
    );
  }

  /** Resolves with the first frame (past or future) matching `match`. */
  waitFor(
    match: (frame: ServerFrame) => boolean,
    what: string,
    timeoutMs = 5000,
  ): Promise<ServerFrame> {
    return this.waitUntil(() => this.frames.find(match), what, timeoutMs);
  }

  /** Resolves once `check` returns something other than undefined/false, re-checked per frame. */
  waitUntil<T>(check: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        const value = check();
        if (value === undefined || value === false) return;
        this.#listeners.delete(done);
        clearTimeout(timer);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(done);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; last frames: ${
              JSON.stringify(this.frames.slice(-5))
            }`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(done);
      done();
    });
  }

  /** Asks the count hook for the cluster-wide subscriber count of `topic`. */
  async count(topic: string): Promise<number> {
    const before = this.frames.length;
    this.send({ type: "count", topic });
    const reply = await this.waitUntil(
      () => this.frames.slice(before).find((f) => f.type === "count" && f.topic === topic),
      `count of ${topic}`,
    );
    return reply.data as number;
  }

  /** Closes the connection and waits for the close. */
  async close(): Promise<void> {
    if (this.#ws.readyState < WebSocket.CLOSING) this.#ws.close();
    await this.#closed;
  }
}

/**
 * Kills every process given, then closes every client (their sockets are then
 * closed by the peer, so no close handshake can hang); for `finally` blocks.
 */
export async function cleanUp(
  processes: readonly (Proc | undefined)[],
  clients: readonly (Client | undefined)[] = [],
): Promise<void> {
  await Promise.all(processes.map((proc) => proc?.stop()));
  await Promise.all(clients.map((client) => client?.close()));
}
