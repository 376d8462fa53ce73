/**
 * Extracts what the generator needs from a server frame without `JSON.parse` or even a
 * string: the publisher id, sequence number and send time of every publish in it. Those sit
 * in our own payload `{"i":..,"s":..,"t":..,"p":".."}`, whose keys cannot appear elsewhere in
 * an envelope, so one byte scan finds them whatever order or extra fields the server uses,
 * and finds all of them in a batched `[{...},{...}]` frame.
 *
 * @module
 */

const QUOTE = 34;
const COLON = 58;

/** Receives each publish found in a frame. */
export interface DeliverySink {
  /** One delivered publish: who sent it, its sequence number, its send time (epoch ms). */
  on_delivery(publisher: number, seq: number, sent_at: number): void;
}

/** Whether the frame is the bare text `heartbeat`. */
export function isHeartbeat(buf: Uint8Array, start: number, end: number): boolean {
  return end - start === 9 && buf[start] === 104 && buf[start + 8] === 116;
}

/** Whether the byte sequence `pattern` occurs in buf[start, end). */
export function contains(
  buf: Uint8Array,
  start: number,
  end: number,
  pattern: Uint8Array,
): boolean {
  const first = pattern[0];
  const last = end - pattern.length;
  outer: for (let i = start; i <= last; i++) {
    if (buf[i] !== first) continue;
    for (let j = 1; j < pattern.length; j++) {
      if (buf[i + j] !== pattern[j]) continue outer;
    }
    return true;
  }
  return false;
}

/** Calls `sink` for every `"i":`/`"s":`/`"t":` triple in the frame; returns how many. */
export function scanDeliveries(
  buf: Uint8Array,
  start: number,
  end: number,
  sink: DeliverySink,
): number {
  let found = 0;
  let pos = findKey(buf, start, end, 105);
  while (pos >= 0) {
    const publisher = parseNumber(buf, pos, end);
    const s_at = findKey(buf, pos, end, 115);
    if (s_at < 0) break;
    const seq = parseNumber(buf, s_at, end);
    const t_at = findKey(buf, s_at, end, 116);
    if (t_at < 0) break;
    sink.on_delivery(publisher, seq, parseNumber(buf, t_at, end));
    found++;
    pos = findKey(buf, t_at, end, 105);
  }
  return found;
}

/** Position just after the next one-letter key `"<letter>":`, or -1. */
function findKey(buf: Uint8Array, from: number, end: number, letter: number): number {
  for (let i = from; i < end - 3; i++) {
    if (
      buf[i] === QUOTE && buf[i + 1] === letter && buf[i + 2] === QUOTE && buf[i + 3] === COLON
    ) return i + 4;
  }
  return -1;
}

/** Parses a non-negative JSON number (integer or decimal) starting at `at`. */
function parseNumber(buf: Uint8Array, at: number, end: number): number {
  let value = 0;
  let i = at;
  for (; i < end; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i < end && buf[i] === 46) {
    let scale = 0.1;
    for (i++; i < end; i++) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      value += d * scale;
      scale *= 0.1;
    }
  }
  return value;
}
