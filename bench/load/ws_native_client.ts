/**
 * The same contract over Deno's built-in `WebSocket`, kept to measure the raw client against
 * (`--client native`). Text messages are copied into one shared scratch buffer so both
 * clients feed the same byte scanner.
 *
 * @module
 */
import {
  HANDSHAKE_TIMEOUT_MS,
  type WsConnection,
  type WsHandlers,
  type WsTarget,
} from "./ws_connection.ts";

const encoder = new TextEncoder();
let scratch = new Uint8Array(65536);

/** Opens a connection with the built-in client; resolves on `open`. */
export function connectNative(target: WsTarget, handlers: WsHandlers): Promise<WsConnection> {
  return new Promise((resolve, reject) => {
    const url = `ws://${target.hostname}:${target.port}${target.path}`;
    const ws = new WebSocket(url, target.protocols);
    ws.binaryType = "arraybuffer";
    let open = false;
    let closed_by_us = false;
    const timer = setTimeout(() => ws.close(), HANDSHAKE_TIMEOUT_MS);
    ws.onopen = () => {
      open = true;
      clearTimeout(timer);
      resolve({
        send_text: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        },
        close: () => {
          closed_by_us = true;
          ws.close();
        },
      });
    };
    ws.onmessage = (ev) => {
      const data = ev.data;
      if (typeof data === "string") {
        if (scratch.length < data.length * 3) scratch = new Uint8Array(data.length * 3);
        const { written } = encoder.encodeInto(data, scratch);
        handlers.on_message(scratch, 0, written);
      } else {
        const bytes = new Uint8Array(data as ArrayBuffer);
        handlers.on_message(bytes, 0, bytes.length);
      }
    };
    ws.onerror = () => {};
    ws.onclose = () => {
      clearTimeout(timer);
      if (!open) reject(new Error(`WebSocket connect to ${url} failed`));
      else if (!closed_by_us) handlers.on_close();
    };
  });
}
