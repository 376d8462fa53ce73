/**
 * Validation of the `tm` broker's options, with the documented defaults.
 * Private to the `tm` broker.
 *
 * @module
 */
import { DEFAULT_MAX_FRAME_BYTES } from "../topic_manager/wire.ts";
import type { TmBrokerOptions } from "./tm_broker.ts";

/** Options after defaults and checks. */
export interface ResolvedTmBrokerOptions {
  addresses: string[];
  gatewayId: string;
  startTimeoutMs: number;
  maxFrameBytes: number;
  link: {
    gatewayId: string;
    secret: string;
    bufferSize: number;
    mailboxSize: number;
    heartbeatMs: number;
    heartbeatTimeoutMs: number;
    connectTimeoutMs: number;
    backoffMinMs: number;
    backoffMaxMs: number;
    queryTimeoutMs: number;
    maxFrameBytes: number;
    random: () => number;
  };
}

function integer(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(
      `Cannot create tm broker as '${name}' must be an integer of at least ${min}: current value is ${value}`,
    );
  }
  return value;
}

/** Applies defaults and throws a `RangeError` naming the first invalid option. */
export function resolveTmBrokerOptions(options: TmBrokerOptions): ResolvedTmBrokerOptions {
  const addresses = options.addresses;
  if (!Array.isArray(addresses) || addresses.length === 0) {
    throw new RangeError(
      `Cannot create tm broker as 'addresses' must list at least one host:port: current value is ${
        JSON.stringify(addresses)
      }`,
    );
  }
  if (new Set(addresses).size !== addresses.length) {
    throw new RangeError(
      `Cannot create tm broker as 'addresses' must not repeat an address: current value is ${
        JSON.stringify(addresses)
      }`,
    );
  }
  const gatewayId = options.gatewayId ?? `gw-${crypto.randomUUID().slice(0, 8)}`;
  if (typeof gatewayId !== "string" || gatewayId.length === 0 || gatewayId.length > 256) {
    throw new RangeError(
      `Cannot create tm broker as 'gatewayId' must be 1 to 256 characters: current value is ${
        JSON.stringify(gatewayId)
      }`,
    );
  }
  const secret = options.secret ?? "";
  if (typeof secret !== "string") {
    throw new RangeError(
      `Cannot create tm broker as 'secret' must be a string: current value is ${typeof secret}`,
    );
  }
  const backoffMinMs = integer("backoffMinMs", options.backoffMinMs ?? 100, 1);
  const backoffMaxMs = integer("backoffMaxMs", options.backoffMaxMs ?? 5000, backoffMinMs);
  const maxFrameBytes = integer(
    "maxFrameBytes",
    options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    1024,
  );
  return {
    addresses: [...addresses],
    gatewayId,
    startTimeoutMs: integer("startTimeoutMs", options.startTimeoutMs ?? 3000, 0),
    maxFrameBytes,
    link: {
      gatewayId,
      secret,
      bufferSize: integer("bufferSize", options.bufferSize ?? 10_000, 0),
      mailboxSize: integer("linkMailboxSize", options.linkMailboxSize ?? 65_536, 1),
      heartbeatMs: integer("heartbeatMs", options.heartbeatMs ?? 5000, 1),
      heartbeatTimeoutMs: integer("heartbeatTimeoutMs", options.heartbeatTimeoutMs ?? 15_000, 1),
      connectTimeoutMs: integer("connectTimeoutMs", options.connectTimeoutMs ?? 5000, 1),
      backoffMinMs,
      backoffMaxMs,
      queryTimeoutMs: integer("queryTimeoutMs", options.queryTimeoutMs ?? 2000, 1),
      maxFrameBytes,
      random: Math.random,
    },
  };
}
