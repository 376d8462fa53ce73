/**
 * A minimal WebSocket client over `Deno.connect`. It exists because the generator shares two
 * cores with the server under test: parsing frames in place from a 4 KiB read buffer and
 * scanning bytes costs less per delivered frame than the built-in `WebSocket`, which builds a
 * string and a `MessageEvent` for each one (see bench/README.md for the measurement).
 *
 * The Sec-WebSocket-Accept header is not verified: the peer is a server we started.
 *
 * @module
 */
import { encodeFrame, encodeTextFrame } from "./ws_frame_encoder.ts";
import { FrameParser, OPCODE_CLOSE, OPCODE_PING, OPCODE_PONG } from "./ws_frame_parser.ts";
import {
  HANDSHAKE_TIMEOUT_MS,
  type WsConnection,
  type WsHandlers,
  type WsTarget,
} from "./ws_connection.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Opens a raw-TCP WebSocket connection and starts its read loop. */
export async function connectRaw(target: WsTarget, handlers: WsHandlers): Promise<WsConnection> {
  const conn = await Deno.connect({ hostname: target.hostname, port: target.port });
  const timer = setTimeout(() => conn.close(), HANDSHAKE_TIMEOUT_MS);
  try {
    conn.setNoDelay(true);
    await writeAll(conn, encoder.encode(handshakeRequest(target)));
    const parser = new FrameParser();
    await readHandshake(conn, parser);
    clearTimeout(timer);
    const client = new RawWsConnection(conn, parser, handlers);
    client.start();
    return client;
  } catch (err) {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* already closed by the timer */ }
    throw err;
  }
}

function handshakeRequest(target: WsTarget): string {
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const protocol = target.protocols.length > 0
    ? `Sec-WebSocket-Protocol: ${target.protocols.join(", ")}\r\n`
    : "";
  return `GET ${target.path} HTTP/1.1\r\nHost: ${target.hostname}:${target.port}\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Version: 13\r\n${protocol}\r\n`;
}

/** Reads the HTTP response; bytes after the header block go to the parser. */
async function readHandshake(conn: Deno.TcpConn, parser: FrameParser): Promise<void> {
  const buf = new Uint8Array(4096);
  let len = 0;
  while (true) {
    const n = await conn.read(buf.subarray(len));
    if (n === null) throw new Error("connection closed during the WebSocket handshake");
    len += n;
    const end = headerEnd(buf, len);
    if (end < 0) {
      if (len === buf.length) throw new Error("WebSocket handshake response too large");
      continue;
    }
    const head = decoder.decode(buf.subarray(0, end));
    if (!head.startsWith("HTTP/1.1 101")) {
      throw new Error(`WebSocket upgrade refused: ${head.split("\r\n")[0]}`);
    }
    if (len > end) parser.push(buf.slice(end, len));
    return;
  }
}

function headerEnd(buf: Uint8Array, len: number): number {
  for (let i = 3; i < len; i++) {
    if (buf[i] === 10 && buf[i - 1] === 13 && buf[i - 2] === 10 && buf[i - 3] === 13) {
      return i + 1;
    }
  }
  return -1;
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) at += await conn.write(at === 0 ? bytes : bytes.subarray(at));
}

class RawWsConnection implements WsConnection {
  #conn: Deno.TcpConn;
  #parser: FrameParser;
  #handlers: WsHandlers;
  #queue: Uint8Array[] = [];
  #writing = false;
  #closed = false;

  constructor(conn: Deno.TcpConn, parser: FrameParser, handlers: WsHandlers) {
    this.#conn = conn;
    this.#parser = parser;
    this.#handlers = handlers;
  }

  /** Starts the read loop; frames left over from the handshake are emitted first. */
  start(): void {
    queueMicrotask(() => {
      this.#parser.drain(this);
      this.#read_loop();
    });
  }

  send_text(text: string): void {
    this.#enqueue(encodeTextFrame(text));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
  }

  /** FrameSink: a whole data message. */
  on_message(buf: Uint8Array, start: number, end: number): void {
    this.#handlers.on_message(buf, start, end);
  }

  /** FrameSink: answer pings, echo a close and end. */
  on_control(opcode: number, payload: Uint8Array): void {
    if (opcode === OPCODE_PING) this.#enqueue(encodeFrame(OPCODE_PONG, payload));
    else if (opcode === OPCODE_CLOSE) this.#lost();
  }

  async #read_loop(): Promise<void> {
    try {
      while (!this.#closed) {
        const n = await this.#conn.read(this.#parser.writable());
        if (n === null) break;
        this.#parser.commit(n, this);
      }
    } catch { /* reset or closed locally: handled below */ }
    this.#lost();
  }

  #lost(): void {
    if (this.#closed) return;
    this.close();
    this.#handlers.on_close();
  }

  #enqueue(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#queue.push(frame);
    if (!this.#writing) this.#flush();
  }

  /** One writer per connection; frames queued meanwhile are coalesced into one write. */
  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const frames = this.#queue;
        this.#queue = [];
        await writeAll(this.#conn, frames.length === 1 ? frames[0] : concat(frames));
      }
    } catch {
      this.#lost();
    }
    this.#writing = false;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
