/**
 * Encodes client-to-server frames. RFC 6455 requires every client frame to be masked; the
 * key comes from `Math.random`, which is enough for a benchmark (the mask protects
 * intermediaries from crafted payloads, not secrecy) and far cheaper than a CSPRNG call.
 *
 * @module
 */
import { OPCODE_TEXT } from "./ws_frame_parser.ts";

const encoder = new TextEncoder();

/** Encodes a text message as one masked frame. */
export function encodeTextFrame(text: string): Uint8Array {
  return encodeFrame(OPCODE_TEXT, encoder.encode(text));
}

/** Encodes one final (FIN) masked frame with the given opcode and payload. */
export function encodeFrame(opcode: number, payload: Uint8Array): Uint8Array {
  const size = payload.length;
  const head = size < 126 ? 2 : size < 65536 ? 4 : 10;
  const out = new Uint8Array(head + 4 + size);
  out[0] = 0x80 | opcode;
  if (size < 126) {
    out[1] = 0x80 | size;
  } else if (size < 65536) {
    out[1] = 0x80 | 126;
    out[2] = size >>> 8;
    out[3] = size & 0xff;
  } else {
    out[1] = 0x80 | 127;
    const high = Math.floor(size / 2 ** 32);
    out[2] = high >>> 24;
    out[3] = (high >>> 16) & 0xff;
    out[4] = (high >>> 8) & 0xff;
    out[5] = high & 0xff;
    out[6] = (size >>> 24) & 0xff;
    out[7] = (size >>> 16) & 0xff;
    out[8] = (size >>> 8) & 0xff;
    out[9] = size & 0xff;
  }
  const key = (Math.random() * 0x100000000) >>> 0;
  const k = head;
  out[k] = key >>> 24;
  out[k + 1] = (key >>> 16) & 0xff;
  out[k + 2] = (key >>> 8) & 0xff;
  out[k + 3] = key & 0xff;
  const start = head + 4;
  for (let i = 0; i < size; i++) out[start + i] = payload[i] ^ out[k + (i & 3)];
  return out;
}
