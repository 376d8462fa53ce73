/**
 * Test helpers for the gateway integration tests: a WebSocket client that
 * queues what it receives and waits for a matching frame (or fails with a
 * clear message after a timeout), a raw TCP WebSocket client for tests that
 * need to stop reading, raw HTTP upgrade requests, and a test gateway server.
 *
 * @module
 */
import { decode as decodeMsgpack } from "@msgpack/msgpack";
import { silentLogger } from "../../actors/logger.ts";
import {
  type GatewayServer,
  serveGateway,
  type ServeGatewayOptions,
} from "../../gateway/server.ts";

/** How long a helper waits for something expected before failing the test. */
export const WAIT_MS = 3000;

/** A frame as received: text, or the bytes of a binary frame. */
export type Raw = string | ArrayBuffer;

/** A decoded server frame object (`{"type",...}`). */
export type Frame = Record<string, unknown>;

/** Starts a gateway on an ephemeral port with a silent logger. */
export function startGateway(options: ServeGatewayOptions = {}): Promise<GatewayServer> {
  return serveGateway({
    hostname: "127.0.0.1",
    heartbeatIntervalMs: 0,
    logger: silentLogger,
    ...options,
    port: 0,
  });
}

/** The WebSocket URL of a test server. */
export function wsUrl(server: GatewayServer, path = "/ws"): string {
  return `ws://127.0.0.1:${server.addr.port}${path}`;
}

/** The HTTP URL of a test server. */
export function httpUrl(server: GatewayServer, path: string): string {
  return `http://127.0.0.1:${server.addr.port}${path}`;
}

/** Decodes a frame: JSON text (or the text itself if not JSON), msgpack bytes. */
export function decode(raw: Raw): unknown {
  if (typeof raw !== "string") return decodeMsgpack(new Uint8Array(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Whether `value` is a frame object (not an array). */
export function isFrame(value: unknown): value is Frame {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether `frame` has every field of `subset` (deep equality per field). */
export function matches(frame: unknown, subset: Frame): boolean {
  if (!isFrame(frame)) return false;
  return Object.entries(subset).every(([key, value]) => deepEqual(frame[key], value));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) =>
    deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
  );
}

function describe(raw: Raw): string {
  if (typeof raw === "string") return raw.length > 120 ? `${raw.slice(0, 120)}...` : raw;
  try {
    return `msgpack ${JSON.stringify(decode(raw)).slice(0, 120)}`;
  } catch {
    return `<${raw.byteLength} bytes>`;
  }
}

interface Waiter {
  readonly what: string;
  readonly accept: (raw: Raw) => boolean;
  readonly resolve: (raw: Raw) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The outcome of a closed connection. */
export interface Closed {
  /** The close code the client saw. */
  code: number;
  /** The close reason. */
  reason: string;
}

/** Options of {@linkcode connect}. */
export interface ConnectOptions {
  /** Subprotocol(s) to offer. */
  protocol?: string | string[];
  /** Extra request headers (Deno's WebSocket extension). */
  headers?: Record<string, string>;
}

/**
 * A WebSocket client whose received frames wait in a queue until a test
 * takes them with {@linkcode TestClient.next}; every frame also stays in
 * {@linkcode TestClient.received}.
 */
export class TestClient {
  /** The underlying socket. */
  readonly socket: WebSocket;
  /** Every frame received, in order. */
  readonly received: Raw[] = [];
  /** Resolves when the socket has closed. */
  readonly closed: Promise<Closed>;
  readonly #queue: Raw[] = [];
  readonly #waiters: Waiter[] = [];
  #closedWith: Closed | undefined;

  constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (event) => this.#receive(event.data as Raw));
    this.closed = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.#closedWith = { code: event.code, reason: event.reason };
        for (const waiter of this.#waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(
            new Error(
              `connection closed (code ${event.code} '${event.reason}') while waiting for ${waiter.what}; unclaimed frames: ${this.#pending()}`,
            ),
          );
        }
        resolve(this.#closedWith);
      });
    });
  }

  /** The negotiated subprotocol. */
  get protocol(): string {
    return this.socket.protocol;
  }

  /** Sends an object as JSON text, or a string/bytes as they are. */
  send(frame: object | string | Uint8Array): void {
    if (typeof frame === "string" || frame instanceof Uint8Array) this.socket.send(frame);
    else this.socket.send(JSON.stringify(frame));
  }

  /**
   * Takes the first queued (or next arriving) frame `accept` approves;
   * frames it skips stay queued. Fails after `timeoutMs` naming `what`.
   */
  nextRaw(accept: (raw: Raw) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Raw> {
    const index = this.#queue.findIndex(accept);
    if (index >= 0) return Promise.resolve(this.#queue.splice(index, 1)[0]);
    if (this.#closedWith) {
      return Promise.reject(
        new Error(
          `connection already closed (code ${this.#closedWith.code}) while waiting for ${what}; unclaimed frames: ${this.#pending()}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        what,
        accept,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${what}; unclaimed frames: ${this.#pending()}`,
            ),
          );
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** Takes the next decoded frame object `accept` approves. */
  async next(
    accept: (frame: Frame) => boolean,
    what = "a matching frame",
    timeoutMs = WAIT_MS,
  ): Promise<Frame> {
    const raw = await this.nextRaw(
      (raw) => {
        const value = safeDecode(raw);
        return isFrame(value) && accept(value);
      },
      what,
      timeoutMs,
    );
    return decode(raw) as Frame;
  }

  /** Takes the next frame object that has every field of `subset`. */
  expect(subset: Frame, timeoutMs = WAIT_MS): Promise<Frame> {
    return this.next((frame) => matches(frame, subset), JSON.stringify(subset), timeoutMs);
  }

  /** Takes `count` frame objects `accept` approves, in arrival order. */
  async collect(
    count: number,
    accept: (frame: Frame) => boolean,
    what = "matching frames",
    timeoutMs = WAIT_MS,
  ): Promise<Frame[]> {
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) {
      frames.push(await this.next(accept, `${what} (${i + 1} of ${count})`, timeoutMs));
    }
    return frames;
  }

  /** Frame objects received so far (claimed or not) that have every field of `subset`. */
  count(subset: Frame): number {
    return this.received.filter((raw) => matches(safeDecode(raw), subset)).length;
  }

  /** Waits for the connection to close and returns its close code. */
  async waitClosed(timeoutMs = WAIT_MS): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for the server to close the connection; unclaimed frames: ${this.#pending()}`,
            ),
          ),
        timeoutMs,
      );
    });
    try {
      return (await Promise.race([this.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection (if open) and waits until it has closed. */
  async close(code = 1000): Promise<void> {
    if (this.socket.readyState < 2) this.socket.close(code);
    await this.closed;
  }

  #receive(raw: Raw): void {
    this.received.push(raw);
    const index = this.#waiters.findIndex((waiter) => waiter.accept(raw));
    if (index < 0) {
      this.#queue.push(raw);
      return;
    }
    const [waiter] = this.#waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    waiter.resolve(raw);
  }

  #pending(): string {
    const shown = this.#queue.slice(-8).map(describe);
    return shown.length === 0 ? "(none)" : shown.join(" | ");
  }
}

function safeDecode(raw: Raw): unknown {
  try {
    return decode(raw);
  } catch {
    return undefined;
  }
}

/** Opens a WebSocket and waits until it is open; rejects if the upgrade fails. */
export function connect(url: string, options: ConnectOptions = {}): Promise<TestClient> {
  const init: Record<string, unknown> = {};
  if (options.protocol !== undefined) {
    init.protocols = typeof options.protocol === "string" ? [options.protocol] : options.protocol;
  }
  if (options.headers !== undefined) init.headers = options.headers;
  const socket = new WebSocket(url, init as unknown as string[]);
  const client = new TestClient(socket);
  return new Promise((resolve, reject) => {
    socket.addEventListener("open", () => resolve(client), { once: true });
    socket.addEventListener("error", () => {
      // Wait for the close so no resource outlives the test.
      if (socket.readyState !== 1) {
        void client.closed.then(() => reject(new Error(`WebSocket upgrade to ${url} failed`)));
      }
    }, { once: true });
  });
}

/** Resolves once `condition()` holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise with its resolver, for hooks a test wants to hold or observe. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
} {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => resolve = done);
  return { promise, resolve };
}

export { silentLogger };
