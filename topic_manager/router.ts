/**
 * The topic manager's core: the connected gateways, the routing table and
 * what each frame from a gateway does to them. Runs synchronously on the
 * frame reader of each link; every write to a gateway goes through that
 * gateway's actor.
 *
 * @module
 */
import type { Logger } from "../actors/logger.ts";
import type { Frame, PubFrame, WireCommand } from "./frames.ts";
import type { RemoteGateway } from "./remote_gateway.ts";
import { RoutingTable } from "./routing_table.ts";
import { encodeFrame, ProtocolError } from "./wire.ts";

/** Counters of a topic manager, for `/metrics`. */
export interface TopicManagerCounters {
  /** Frames read from gateways. */
  framesIn: number;
  /** Frames queued to gateways (one per target gateway). */
  framesOut: number;
  /** Publish frames received and routed (to zero or more gateways). */
  publishesRouted: number;
  /** Frames dropped because a gateway's queue was full. */
  dropped: number;
  /** Links closed for a malformed, unknown or oversized frame. */
  badFrames: number;
  /** Handshakes refused (bad secret, bad version, bad first frame, timeout). */
  refusedHandshakes: number;
  /** Gateways disconnected for staying over their queue limit. */
  slowDisconnects: number;
  /** Links closed for a heartbeat timeout. */
  heartbeatTimeouts: number;
}

/** Gateways, routes and the handling of gateway frames. */
export class Router {
  /** Topic -> gateway -> count. */
  readonly table: RoutingTable = new RoutingTable();
  /** Counters since start. */
  readonly counters: TopicManagerCounters = {
    framesIn: 0,
    framesOut: 0,
    publishesRouted: 0,
    dropped: 0,
    badFrames: 0,
    refusedHandshakes: 0,
    slowDisconnects: 0,
    heartbeatTimeouts: 0,
  };
  readonly #gateways = new Map<string, RemoteGateway>();
  readonly #logger: Logger;
  readonly #maxFrameBytes: number;

  /** Creates an empty router. */
  constructor(logger: Logger, maxFrameBytes: number) {
    this.#logger = logger;
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** The connected gateways. */
  gateways(): IterableIterator<RemoteGateway> {
    return this.#gateways.values();
  }

  /** Registers a gateway; an older link with the same id is dropped and closed. */
  register(gateway: RemoteGateway): void {
    const older = this.#gateways.get(gateway.id);
    if (older !== undefined) {
      this.#logger.warn("gateway reconnected; replacing its older link", {
        gateway: gateway.id,
        older: older.address,
        newer: gateway.address,
      });
      this.table.removeGateway(older.id);
      older.disconnect();
    }
    this.#gateways.set(gateway.id, gateway);
  }

  /** Forgets a gateway and all its routes (unless a newer link took its id). */
  unregister(gateway: RemoteGateway): void {
    if (this.#gateways.get(gateway.id) !== gateway) return;
    this.#gateways.delete(gateway.id);
    this.table.removeGateway(gateway.id);
  }

  /** Applies one frame received from `from`; `raw` is the frame as received. */
  handle(from: RemoteGateway, frame: Frame, raw: Uint8Array): void {
    this.counters.framesIn++;
    switch (frame.t) {
      case "hb":
        return;
      case "subs":
        for (const [topic, count] of frame.counts) this.table.set(from.id, topic, count);
        return;
      case "pub":
        return this.#publish(from, frame, raw);
      case "count":
        return this.#reply(from, {
          t: "countReply",
          id: frame.id,
          count: this.table.count(frame.topic),
        });
      case "exists":
        return this.#reply(from, {
          t: "existsReply",
          id: frame.id,
          exists: this.table.has(frame.topic),
        });
      case "cmd":
        return this.#command(from, frame.id, frame.cmd, raw);
      default:
        throw new ProtocolError("malformed", `unexpected frame type '${frame.t}' from a gateway`);
    }
  }

  #publish(from: RemoteGateway, frame: PubFrame, raw: Uint8Array): void {
    this.counters.publishesRouted++;
    // Forward the bytes as received (encoded once, by the origin), unless the
    // origin field lies about who sent it.
    let bytes: Uint8Array | undefined = frame.o === from.id ? raw : undefined;
    for (const id of this.table.targets(frame.topic, from.id)) {
      bytes ??= encodeFrame({ ...frame, o: from.id }, this.#maxFrameBytes);
      this.#sendTo(id, bytes);
    }
  }

  #command(from: RemoteGateway, commandId: string, command: WireCommand, raw: Uint8Array): void {
    if (command.kind === "disconnectUser") {
      for (const id of this.#gateways.keys()) if (id !== from.id) this.#sendTo(id, raw);
    } else {
      for (const id of this.table.targets(command.topic, from.id)) this.#sendTo(id, raw);
    }
    this.#reply(from, { t: "cmdAck", id: commandId });
  }

  #reply(to: RemoteGateway, frame: Frame): void {
    if (to.send(encodeFrame(frame))) this.counters.framesOut++;
    else this.counters.dropped++;
  }

  #sendTo(id: string, bytes: Uint8Array): void {
    const gateway = this.#gateways.get(id);
    if (gateway === undefined) return;
    if (gateway.send(bytes)) this.counters.framesOut++;
    else this.counters.dropped++;
  }
}
