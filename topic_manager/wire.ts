/**
 * The cluster wire codec: a frame is a 4-byte big-endian body length followed
 * by a msgpack map (`{ v: 1, t: "<type>", ... }`). {@linkcode FrameDecoder}
 * turns a TCP byte stream (split or coalesced reads) back into frames.
 *
 * @module
 */
import { Decoder, Encoder } from "@msgpack/msgpack";
import { type Frame, parseFrame, PROTOCOL_VERSION, ProtocolError } from "./frames.ts";

export { type Frame, PROTOCOL_VERSION, ProtocolError } from "./frames.ts";

/** The largest frame body accepted by default: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** Bytes of the length prefix. */
export const HEADER_BYTES = 4;

const encoder = new Encoder({ ignoreUndefined: true });
const decoder = new Decoder();

/**
 * Encodes a frame, prefixed with its length, ready for the socket. Encode a
 * frame once and write the same bytes to every peer.
 *
 * @throws {RangeError} when the body is larger than `maxFrameBytes`.
 */
export function encodeFrame(frame: Frame, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const body = encoder.encodeSharedRef({ v: PROTOCOL_VERSION, ...frame });
  if (body.length > maxFrameBytes) {
    throw new RangeError(
      `Cannot encode frame '${frame.t}' as its body must be at most ${maxFrameBytes} bytes: current size is ${body.length}`,
    );
  }
  const out = new Uint8Array(HEADER_BYTES + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, HEADER_BYTES);
  return out;
}

/**
 * Decodes and validates one whole frame as returned by
 * {@linkcode FrameDecoder.push} (length prefix included).
 *
 * @throws {ProtocolError} when the body is not valid msgpack or not a valid frame.
 */
export function decodeFrame(frame: Uint8Array): Frame {
  let value: unknown;
  try {
    value = decoder.decode(frame.subarray(HEADER_BYTES));
  } catch (error) {
    throw new ProtocolError(
      "malformed",
      `frame body is not valid msgpack (${error instanceof Error ? error.message : error})`,
    );
  }
  return parseFrame(value);
}

/**
 * Splits a byte stream into frames. Feed it every chunk read from the socket;
 * it keeps a partial frame until the rest arrives.
 *
 * @example Two frames arriving in three reads
 * ```ts
 * import { decodeFrame, encodeFrame, FrameDecoder } from "./wire.ts";
 * const bytes = new Uint8Array([...encodeFrame({ t: "hb" }), ...encodeFrame({ t: "hb" })]);
 * const decoder = new FrameDecoder();
 * const frames = [
 *   ...decoder.push(bytes.subarray(0, 3)),
 *   ...decoder.push(bytes.subarray(3, 9)),
 *   ...decoder.push(bytes.subarray(9)),
 * ];
 * console.log(frames.map((f) => decodeFrame(f).t)); // ["hb", "hb"]
 * ```
 */
export class FrameDecoder {
  readonly #max: number;
  #buf = new Uint8Array(0);
  #start = 0;
  #end = 0;

  /** Creates a decoder refusing bodies larger than `maxFrameBytes` (default 1 MiB). */
  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError(
        `Cannot create frame decoder as 'maxFrameBytes' must be a positive integer: current value is ${maxFrameBytes}`,
      );
    }
    this.#max = maxFrameBytes;
  }

  /** Bytes held for a frame that has not fully arrived yet. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /**
   * Adds a chunk and returns every frame it completes, each a fresh copy
   * holding its length prefix (so it can be forwarded as is).
   *
   * @throws {ProtocolError} `oversized` when a frame announces a body larger than the maximum.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    this.#append(chunk);
    const frames: Uint8Array[] = [];
    const buf = this.#buf;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (this.#end - this.#start >= HEADER_BYTES) {
      const length = view.getUint32(this.#start);
      if (length > this.#max) {
        throw new ProtocolError(
          "oversized",
          `frame of ${length} bytes is larger than the maximum of ${this.#max} bytes`,
        );
      }
      const total = HEADER_BYTES + length;
      if (this.#end - this.#start < total) break;
      frames.push(buf.slice(this.#start, this.#start + total));
      this.#start += total;
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
    return frames;
  }

  #append(chunk: Uint8Array): void {
    const needed = this.#end - this.#start + chunk.length;
    if (this.#end + chunk.length > this.#buf.length) {
      if (needed <= this.#buf.length) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Uint8Array(Math.max(needed, this.#buf.length * 2, 64 * 1024));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#end -= this.#start;
      this.#start = 0;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}
