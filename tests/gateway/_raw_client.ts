/**
 * Raw TCP clients for tests the WebSocket API cannot express: an HTTP upgrade
 * request whose status line a test reads, and a WebSocket client that can
 * stop reading so the server's socket buffer fills.
 *
 * @module
 */
import { WAIT_MS } from "./_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The answer to a raw upgrade request. */
export interface RawResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The response headers (lower-case names). */
  readonly headers: Headers;
  /** The connection, still open. */
  readonly conn: Deno.TcpConn;
  /** Bytes read after the header block. */
  readonly rest: Uint8Array;
}

/** Sends a WebSocket upgrade request over raw TCP and reads the response head. */
export async function rawUpgrade(
  port: number,
  path = "/ws",
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  await conn.write(encoder.encode(lines.join("\r\n") + "\r\n\r\n"));
  let head: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  let end = -1;
  while (end < 0) {
    const n = await conn.read(chunk);
    if (n === null) {
      conn.close();
      throw new Error(`connection closed before the response head: '${decoder.decode(head)}'`);
    }
    head = concat(head, chunk.subarray(0, n));
    end = indexOfBlankLine(head);
  }
  const text = decoder.decode(head.subarray(0, end));
  const [statusLine, ...headerLines] = text.split("\r\n");
  const parsed = new Headers();
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    parsed.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return {
    status: Number(statusLine.split(" ")[1]),
    headers: parsed,
    conn,
    rest: head.slice(end + 4),
  };
}

/** Sends a raw upgrade request and returns only the status, closing the connection. */
export async function upgradeStatus(
  port: number,
  path = "/ws",
  headers: Record<string, string> = {},
): Promise<number> {
  const response = await rawUpgrade(port, path, headers);
  response.conn.close();
  return response.status;
}

/** A server frame read by {@linkcode RawWebSocket}. */
export interface RawFrame {
  /** 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  readonly opcode: number;
  /** The unmasked payload. */
  readonly payload: Uint8Array;
}

/**
 * A minimal WebSocket client over raw TCP. It reads only when asked, so a
 * test can leave the server's writes unread and let its buffers fill.
 */
export class RawWebSocket {
  readonly #conn: Deno.TcpConn;
  #buffer: Uint8Array;
  #closed = false;

  private constructor(conn: Deno.TcpConn, rest: Uint8Array) {
    this.#conn = conn;
    this.#buffer = rest;
  }

  /** Completes the handshake on `path`; fails unless the server answers 101. */
  static async connect(port: number, path = "/ws"): Promise<RawWebSocket> {
    const response = await rawUpgrade(port, path);
    if (response.status !== 101) {
      response.conn.close();
      throw new Error(`expected 101 Switching Protocols, got ${response.status}`);
    }
    return new RawWebSocket(response.conn, response.rest);
  }

  /** Sends a masked text frame. */
  async sendText(text: string): Promise<void> {
    const payload = encoder.encode(text);
    if (payload.length > 125) throw new Error("RawWebSocket sends only short frames");
    const mask = crypto.getRandomValues(new Uint8Array(4));
    const frame = new Uint8Array(6 + payload.length);
    frame[0] = 0x81;
    frame[1] = 0x80 | payload.length;
    frame.set(mask, 2);
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i % 4];
    await this.#conn.write(frame);
  }

  /** Reads the next frame; `null` when the server closed the TCP connection. */
  async readFrame(): Promise<RawFrame | null> {
    for (;;) {
      const frame = this.#parse();
      if (frame) return frame;
      const chunk = new Uint8Array(256 * 1024);
      const n = await this.#conn.read(chunk);
      if (n === null) return null;
      this.#buffer = concat(this.#buffer, chunk.subarray(0, n));
    }
  }

  /** Reads frames until a text frame whose text passes `accept`. */
  async readText(accept: (text: string) => boolean, what: string): Promise<string> {
    const deadline = performance.now() + WAIT_MS;
    while (performance.now() < deadline) {
      const frame = await this.readFrame();
      if (frame === null) throw new Error(`connection ended while waiting for ${what}`);
      if (frame.opcode !== 1) continue;
      const text = decoder.decode(frame.payload);
      if (accept(text)) return text;
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /**
   * Reads everything still in flight until the server's close frame and
   * returns its code and how many data frames came before it.
   */
  async drainUntilClose(): Promise<{ code: number | undefined; frames: number }> {
    let frames = 0;
    for (;;) {
      const frame = await this.readFrame();
      if (frame === null) return { code: undefined, frames };
      if (frame.opcode === 8) {
        const code = frame.payload.length >= 2
          ? (frame.payload[0] << 8) | frame.payload[1]
          : undefined;
        return { code, frames };
      }
      if (frame.opcode === 1 || frame.opcode === 2) frames++;
    }
  }

  /** Closes the TCP connection. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#conn.close();
  }

  #parse(): RawFrame | null {
    const buffer = this.#buffer;
    if (buffer.length < 2) return null;
    const opcode = buffer[0] & 0x0f;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return null;
      length = (buffer[2] << 8) | buffer[3];
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return null;
      length = Number(new DataView(buffer.buffer, buffer.byteOffset + 2, 8).getBigUint64(0));
      offset = 10;
    }
    if (buffer[1] & 0x80) throw new Error("server frames must not be masked");
    if (buffer.length < offset + length) return null;
    const payload = buffer.slice(offset, offset + length);
    this.#buffer = buffer.slice(offset + length);
    return { opcode, payload };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

function indexOfBlankLine(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}
