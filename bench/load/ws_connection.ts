/**
 * The narrow contract between the load generator and a WebSocket client implementation,
 * so the hand-rolled TCP client and Deno's built-in `WebSocket` can be swapped by a flag
 * and compared on the same workload (`--client raw|native`).
 *
 * @module
 */

/** Where to connect and which subprotocols to ask for. */
export interface WsTarget {
  /** Destination address, e.g. "127.0.0.2": spread to get more ephemeral ports. */
  hostname: string;
  /** Server port. */
  port: number;
  /** Request path, e.g. "/ws". */
  path: string;
  /** Requested subprotocols (Sec-WebSocket-Protocol); empty for none. */
  protocols: string[];
}

/** Callbacks of one connection; called synchronously from the read path. */
export interface WsHandlers {
  /** One whole message as bytes; the view is only valid during the call. */
  on_message(buf: Uint8Array, start: number, end: number): void;
  /** The connection ended without our `close()`: peer close, reset or error. */
  on_close(): void;
}

/** An open client connection. */
export interface WsConnection {
  /** Queues one text message; never throws, a failed write ends the connection. */
  send_text(text: string): void;
  /** Closes the connection; `on_close` is not called for it. */
  close(): void;
}

/** Opens a connection; rejects when TCP or the handshake fails or times out. */
export type WsConnect = (target: WsTarget, handlers: WsHandlers) => Promise<WsConnection>;

/** How long a TCP connect plus HTTP upgrade may take before it counts as failed. */
export const HANDSHAKE_TIMEOUT_MS = 15_000;
