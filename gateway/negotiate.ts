import { SUBPROTOCOLS, type WireFormat } from "./client_protocol.ts";

/** The outcome of subprotocol negotiation. */
export interface Negotiated {
  /** The subprotocol to answer with, if the client offered one we speak. */
  readonly protocol?: string;
  /** The format of the connection's server frames. */
  readonly format: WireFormat;
}

/**
 * Picks the first subprotocol in the client's `Sec-WebSocket-Protocol`
 * offer that Firetower speaks (`firetower.json`, `firetower.msgpack`,
 * `firetower.batch`); without one the connection uses `fallback`.
 *
 * @example In an embedding application
 * ```ts ignore
 * const { protocol, format } = negotiate(request, "json");
 * const { socket, response } = Deno.upgradeWebSocket(request, { protocol });
 * gateway.buildTower(socket, { format }).run();
 * ```
 */
export function negotiate(request: Request, fallback: WireFormat): Negotiated {
  const offer = request.headers.get("sec-websocket-protocol");
  if (offer) {
    for (const name of offer.split(",")) {
      const protocol = name.trim();
      const format = SUBPROTOCOLS[protocol];
      if (format) return { protocol, format };
    }
  }
  return { format: fallback };
}
