/**
 * Builds a publish frame whose `data` is exactly `payload` bytes (when `payload` is larger
 * than the fixed fields): `{"i":<publisher>,"s":<seq>,"t":<epoch ms>,"p":"xxx..."}`.
 *
 * @module
 */

let padding = "";

/** The client publish frame text for one message. */
export function publishFrame(
  topic: string,
  publisher: number,
  seq: number,
  sent_at: number,
  payload: number,
): string {
  const head = `{"i":${publisher},"s":${seq},"t":${sent_at},"p":"`;
  const pad = Math.max(0, payload - head.length - 2);
  if (padding.length < pad) padding = "x".repeat(Math.max(pad, padding.length * 2));
  return `{"type":"publish","topic":"${topic}","data":${head}${padding.slice(0, pad)}"}}`;
}
