import type { Actor } from "../actors/actor.ts";
import type { Publication } from "./broker.ts";
import { encodePublication } from "./client_protocol.ts";
import type { Connection } from "./connection.ts";

/** What a topic actor handles. */
export type TopicMessage =
  | { readonly op: "publish"; readonly publication: Publication }
  | { readonly op: "add" | "remove"; readonly connection: Connection }
  | { readonly op: "flush" };

const FLUSH: TopicMessage = { op: "flush" };

/** Counters shared by every topic of a gateway. */
export interface FanOutCounters {
  /** Publications fanned out by topic actors. */
  published: number;
  /** Frames handed to connections (batched frames count once). */
  frames: number;
}

/** The subscribers of one topic by wire format; outlives restarts of its actor. */
export interface TopicSubscribers {
  readonly json: Set<Connection>;
  readonly msgpack: Set<Connection>;
  readonly batch: Set<Connection>;
  readonly legacy: Set<Connection>;
}

/** An empty {@linkcode TopicSubscribers}. */
export function topicSubscribers(): TopicSubscribers {
  return { json: new Set(), msgpack: new Set(), batch: new Set(), legacy: new Set() };
}

/**
 * The local subscribers of one topic on this gateway, and the fan-out to
 * them. Each publication is encoded once per wire format in use and the same
 * frame goes to every subscriber of that format. Subscribers of the batched
 * format get the publications that arrived since the last flush joined into
 * one frame, flushed on `setImmediate`: a burst coalesces, a lone message
 * waits for no timer.
 */
export function topicActor(
  byFormat: TopicSubscribers,
  counters: FanOutCounters,
  flushSoon: (flush: () => void) => void,
  tellSelf: (message: TopicMessage) => void,
): Actor<TopicMessage> {
  let pending: string[] = [];

  const sendAll = (subscribers: Set<Connection>, frame: string | Uint8Array): void => {
    for (const connection of subscribers) connection.send(frame);
    counters.frames += subscribers.size;
  };

  const publish = (publication: Publication): void => {
    counters.published++;
    let json: string | undefined;
    if (byFormat.json.size > 0 || byFormat.batch.size > 0) {
      json = encodePublication("json", publication) as string;
      if (byFormat.json.size > 0) sendAll(byFormat.json, json);
      if (byFormat.batch.size > 0) {
        if (pending.length === 0) flushSoon(() => tellSelf(FLUSH));
        pending.push(json);
      }
    }
    if (byFormat.msgpack.size > 0) {
      sendAll(byFormat.msgpack, encodePublication("msgpack", publication));
    }
    if (byFormat.legacy.size > 0) {
      sendAll(byFormat.legacy, encodePublication("legacy", publication));
    }
  };

  const flush = (): void => {
    if (pending.length === 0) return;
    const frame = pending.length === 1 ? pending[0] : `[${pending.join(",")}]`;
    pending = [];
    sendAll(byFormat.batch, frame);
  };

  return {
    receive(message: TopicMessage): void {
      switch (message.op) {
        case "publish":
          return publish(message.publication);
        case "add":
          byFormat[message.connection.format].add(message.connection);
          return;
        case "remove":
          byFormat[message.connection.format].delete(message.connection);
          return;
        case "flush":
          return flush();
      }
    },
  };
}
