/**
 * The frames of the cluster protocol (gateway <-> topic manager), version 1,
 * and their validation. Every frame is a msgpack map with `v` (the protocol
 * version) and `t` (the frame type); see `docs/cluster_protocol.md`.
 *
 * @module
 */

/** The cluster protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;

/** A server-side operation, as carried by a `cmd` frame. */
export type WireCommand =
  | { kind: "unsubscribeUser"; userId: string; topic: string }
  | { kind: "removeTopic"; topic: string }
  | { kind: "disconnectUser"; userId: string };

/** A publication on the wire (short field names: it is the hot path). */
export interface PubFrame {
  t: "pub";
  /** Topic. */
  topic: string;
  /** Application payload. */
  data: unknown;
  /** Cluster-unique message id. */
  id: string;
  /** Time it entered the cluster, ms since the Unix epoch. */
  time: number;
  /** Publishing client id. */
  cid: string;
  /** Publishing user id. */
  uid: string;
  /** Origin gateway id. */
  o: string;
}

/** Every frame of protocol version 1 (without the `v` field). */
export type Frame =
  | { t: "hello"; nonce: Uint8Array }
  | { t: "auth"; gw: string; mac: Uint8Array }
  | { t: "welcome"; hb: number; hbTimeout: number }
  | { t: "refuse"; reason: string }
  | { t: "hb" }
  | { t: "subs"; counts: [topic: string, count: number][] }
  | PubFrame
  | { t: "count"; id: number; topic: string }
  | { t: "countReply"; id: number; count: number }
  | { t: "exists"; id: number; topic: string }
  | { t: "existsReply"; id: number; exists: boolean }
  | { t: "cmd"; id: string; cmd: WireCommand }
  | { t: "cmdAck"; id: string }
  | { t: "error"; code: string; message: string };

/** The frame types, for docs and validation. */
export type FrameType = Frame["t"];

/** Why a peer's bytes are not a valid frame; the link that sent them is closed. */
export class ProtocolError extends Error {
  /** `version` when the peer speaks another protocol version, else `malformed`/`oversized`. */
  readonly kind: "malformed" | "oversized" | "version";

  /** Creates an error with the reason shown in logs and sent to the peer. */
  constructor(kind: ProtocolError["kind"], message: string) {
    super(message);
    this.name = "ProtocolError";
    this.kind = kind;
  }
}

type Check = (value: unknown) => boolean;
const str: Check = (v) => typeof v === "string";
const bin: Check = (v) => v instanceof Uint8Array;
const int: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const num: Check = (v) => typeof v === "number" && Number.isFinite(v);
const bool: Check = (v) => typeof v === "boolean";
const any: Check = () => true;
const counts: Check = (v) =>
  Array.isArray(v) &&
  v.every((pair) =>
    Array.isArray(pair) && pair.length === 2 && typeof pair[0] === "string" && int(pair[1])
  );
const command: Check = (v) => {
  if (typeof v !== "object" || v === null) return false;
  const c = v as Record<string, unknown>;
  switch (c.kind) {
    case "unsubscribeUser":
      return str(c.userId) && str(c.topic);
    case "removeTopic":
      return str(c.topic);
    case "disconnectUser":
      return str(c.userId);
    default:
      return false;
  }
};

const SHAPES: Record<FrameType, Record<string, Check>> = {
  hello: { nonce: bin },
  auth: { gw: str, mac: bin },
  welcome: { hb: int, hbTimeout: int },
  refuse: { reason: str },
  hb: {},
  subs: { counts },
  pub: { topic: str, data: any, id: str, time: num, cid: str, uid: str, o: str },
  count: { id: int, topic: str },
  countReply: { id: int, count: int },
  exists: { id: int, topic: str },
  existsReply: { id: int, exists: bool },
  cmd: { id: str, cmd: command },
  cmdAck: { id: str },
  error: { code: str, message: str },
};

/**
 * Checks a decoded msgpack value against the frame shapes of version 1.
 *
 * @throws {ProtocolError} naming what is wrong: not a map, another version,
 * an unknown type or a missing or mistyped field.
 */
export function parseFrame(value: unknown): Frame {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError("malformed", "frame is not a msgpack map");
  }
  const frame = value as Record<string, unknown>;
  if (frame.v !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      "version",
      `unsupported cluster protocol version ${
        JSON.stringify(frame.v) ?? "(none)"
      }; this peer speaks version ${PROTOCOL_VERSION}`,
    );
  }
  const type = frame.t;
  if (typeof type !== "string" || !Object.hasOwn(SHAPES, type)) {
    throw new ProtocolError("malformed", `unknown frame type ${JSON.stringify(type)}`);
  }
  for (const [field, check] of Object.entries(SHAPES[type as FrameType])) {
    if (!(field in frame) || !check(frame[field])) {
      throw new ProtocolError(
        "malformed",
        `frame '${type}' has a missing or invalid field '${field}'`,
      );
    }
  }
  return frame as unknown as Frame;
}
