/**
 * Incremental RFC 6455 frame parser for the client side of the load generator. It hands
 * out text payloads as (buffer, start, end) views into its own read buffer, so a delivered
 * frame costs no copy and no string: the generator's CPU must stay far below the server's.
 *
 * @module
 */

/** Opcodes the client cares about. */
export const OPCODE_TEXT = 0x1;
/** Binary frame opcode. */
export const OPCODE_BINARY = 0x2;
/** Close frame opcode. */
export const OPCODE_CLOSE = 0x8;
/** Ping frame opcode. */
export const OPCODE_PING = 0x9;
/** Pong frame opcode. */
export const OPCODE_PONG = 0xa;

/** Receives parsed frames. Views are only valid during the call. */
export interface FrameSink {
  /** A complete text or binary message (fragments already joined). */
  on_message(buf: Uint8Array, start: number, end: number): void;
  /** A control frame (close, ping, pong) with a copied payload. */
  on_control(opcode: number, payload: Uint8Array): void;
}

const INITIAL_BUFFER = 4096;

/** Owns the read buffer of one connection and turns bytes into frames. */
export class FrameParser {
  #buf: Uint8Array;
  #len = 0;
  #fragments: Uint8Array[] | null = null;

  /** Starts with a small buffer that grows only when one frame does not fit. */
  constructor(initial_size: number = INITIAL_BUFFER) {
    this.#buf = new Uint8Array(initial_size);
  }

  /** The free tail of the buffer to read into; grows the buffer when it is full. */
  writable(): Uint8Array {
    if (this.#len === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    return this.#buf.subarray(this.#len);
  }

  /** Appends bytes that did not come through `writable()` (leftover after the handshake). */
  push(bytes: Uint8Array): void {
    while (this.#buf.length - this.#len < bytes.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf.subarray(0, this.#len));
      this.#buf = bigger;
    }
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /** Records `n` bytes read into `writable()` and emits every complete frame. */
  commit(n: number, sink: FrameSink): void {
    this.#len += n;
    this.drain(sink);
  }

  /** Emits every complete frame in the buffer and keeps the partial tail. */
  drain(sink: FrameSink): void {
    const buf = this.#buf;
    const len = this.#len;
    let pos = 0;
    while (len - pos >= 2) {
      const b0 = buf[pos];
      const b1 = buf[pos + 1];
      let size = b1 & 0x7f;
      let head = 2;
      if (size === 126) {
        if (len - pos < 4) break;
        size = (buf[pos + 2] << 8) | buf[pos + 3];
        head = 4;
      } else if (size === 127) {
        if (len - pos < 10) break;
        size = readU32(buf, pos + 2) * 2 ** 32 + readU32(buf, pos + 6);
        head = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) head += 4;
      if (len - pos < head + size) break;
      const start = pos + head;
      const end = start + size;
      if (masked) unmask(buf, start - 4, start, end);
      this.#emit(b0, buf, start, end, sink);
      pos = end;
    }
    if (pos > 0) {
      buf.copyWithin(0, pos, len);
      this.#len = len - pos;
    }
  }

  #emit(b0: number, buf: Uint8Array, start: number, end: number, sink: FrameSink): void {
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (opcode >= 0x8) {
      sink.on_control(opcode, buf.slice(start, end));
    } else if (fin && opcode !== 0 && this.#fragments === null) {
      sink.on_message(buf, start, end);
    } else {
      // Fragmented message: rare, so joining by copy is fine.
      (this.#fragments ??= []).push(buf.slice(start, end));
      if (fin) {
        const parts = this.#fragments;
        this.#fragments = null;
        const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          joined.set(p, at);
          at += p.length;
        }
        sink.on_message(joined, 0, joined.length);
      }
    }
  }
}

function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

function unmask(buf: Uint8Array, key_at: number, start: number, end: number): void {
  for (let i = start; i < end; i++) buf[i] ^= buf[key_at + ((i - start) & 3)];
}
