/**
 * The client wire format (see docs/protocol.md): decoding client frames and
 * encoding server frames, in each of the negotiated formats.
 *
 * @module
 */
import { decode as decodeMsgpack, encode as encodeMsgpack } from "@msgpack/msgpack";
import type { Publication } from "./broker.ts";

/** How a connection's server frames are encoded, chosen at upgrade. */
export type WireFormat = "json" | "msgpack" | "batch" | "legacy";

/** WebSocket subprotocols the gateway offers, mapped to their format. */
export const SUBPROTOCOLS: Readonly<Record<string, WireFormat>> = {
  "firetower.json": "json",
  "firetower.msgpack": "msgpack",
  "firetower.batch": "batch",
};

/** The frame types the protocol defines; others go to the read hook. */
export type ClientFrameType = "subscribe" | "unSubscribe" | "publish";

/** A decoded client frame. */
export interface ClientFrame {
  /** `subscribe`, `unSubscribe`, `publish` or an application-defined type. */
  readonly type: string;
  /** One topic or several separated by commas. */
  readonly topic: string;
  /** The payload, if any. */
  readonly data: unknown;
}

/**
 * Error codes of `{"type":"error","code","message"}` frames:
 * - `bad_frame`: not JSON (or msgpack), or not an object;
 * - `bad_message`: a field is missing or has the wrong type;
 * - `unknown_type`: no hook handles this frame type;
 * - `invalid_topic`: empty, too long, or with commas/whitespace/control chars;
 * - `too_many_topics`: over the per-connection topic limit;
 * - `frame_too_large`: over the frame size limit (the connection is closed, 1009);
 * - `forbidden`: the application refused (before-subscribe veto, read hook);
 * - `publish_failed`: the cluster could not take the publish;
 * - `overloaded`: the connection's inbound queue was full; the frame was not handled;
 * - `internal`: a hook failed; the connection stays open.
 */
export type ErrorCode =
  | "bad_frame"
  | "bad_message"
  | "unknown_type"
  | "invalid_topic"
  | "too_many_topics"
  | "frame_too_large"
  | "forbidden"
  | "publish_failed"
  | "overloaded"
  | "internal";

/** A client frame the gateway cannot accept; becomes an error frame. */
export class ProtocolError extends Error {
  /** The error frame's code. */
  readonly code: ErrorCode;
  /** Creates an error with a code and a message for the client. */
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "ProtocolError";
    this.code = code;
  }
}

/** The text frame both sides may send to keep a connection alive. */
export const HEARTBEAT = "heartbeat";

/**
 * Decodes a client frame: text frames are JSON, binary frames msgpack.
 * Returns `undefined` for a heartbeat.
 *
 * @throws {ProtocolError} with code `bad_frame` or `bad_message`.
 */
export function decodeClientFrame(raw: string | ArrayBuffer | Uint8Array): ClientFrame | undefined {
  let value: unknown;
  if (typeof raw === "string") {
    if (raw === HEARTBEAT) return undefined;
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ProtocolError("bad_frame", "frame is not valid JSON");
    }
  } else {
    try {
      value = decodeMsgpack(raw);
    } catch {
      throw new ProtocolError("bad_frame", "binary frame is not valid msgpack");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("bad_frame", 'frame must be an object like {"type","topic","data"}');
  }
  const { type, topic, data } = value as Record<string, unknown>;
  if (typeof type !== "string" || type.length === 0) {
    throw new ProtocolError("bad_message", "field 'type' must be a non-empty string");
  }
  if (topic !== undefined && typeof topic !== "string") {
    throw new ProtocolError("bad_message", "field 'topic' must be a string");
  }
  return { type, topic: topic ?? "", data };
}

/** Encodes a server frame object in the connection's format. */
export function encodeServerFrame(format: WireFormat, frame: object): string | Uint8Array {
  return format === "msgpack" ? encodeMsgpack(frame) : JSON.stringify(frame);
}

/** The server frame of a publication, in `format`. Called once per gateway per format. */
export function encodePublication(
  format: WireFormat,
  publication: Publication,
): string | Uint8Array {
  if (format === "legacy") return JSON.stringify(publication.data) ?? "null";
  return encodeServerFrame(format, {
    type: "publish",
    topic: publication.topic,
    data: publication.data,
    id: publication.id,
  });
}

/** An error frame. */
export function errorFrame(code: ErrorCode, message: string, topic?: string): object {
  return topic === undefined
    ? { type: "error", code, message }
    : { type: "error", code, message, topic };
}
