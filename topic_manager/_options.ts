/**
 * Validation of {@linkcode TopicManagerOptions}, with the documented
 * defaults. Private to `topic_manager/`.
 *
 * @module
 */
import type { RemoteGatewayLimits } from "./remote_gateway.ts";
import type { TopicManagerOptions } from "./server.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "./wire.ts";

/** Options after defaults and checks. */
export interface ResolvedTopicManagerOptions {
  host: string;
  port: number;
  httpPort: number;
  secret: string;
  maxFrameBytes: number;
  timing: {
    heartbeatMs: number;
    heartbeatTimeoutMs: number;
    handshakeTimeoutMs: number;
    maxFrameBytes: number;
  };
  limits: RemoteGatewayLimits;
}

function integer(name: string, value: number, min: number, max = 2 ** 31 - 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot start topic manager as '${name}' must be an integer from ${min} to ${max}: current value is ${value}`,
    );
  }
  return value;
}

/** Applies defaults and throws a `RangeError` naming the first invalid option. */
export function validateTopicManagerOptions(
  options: TopicManagerOptions,
): ResolvedTopicManagerOptions {
  const heartbeatMs = integer("heartbeatMs", options.heartbeatMs ?? 5000, 1);
  const heartbeatTimeoutMs = integer(
    "heartbeatTimeoutMs",
    options.heartbeatTimeoutMs ?? Math.max(15_000, 3 * heartbeatMs),
    1,
  );
  if (heartbeatTimeoutMs <= heartbeatMs) {
    throw new RangeError(
      `Cannot start topic manager as 'heartbeatTimeoutMs' must be greater than 'heartbeatMs' (${heartbeatMs}): current value is ${heartbeatTimeoutMs}`,
    );
  }
  const maxFrameBytes = integer(
    "maxFrameBytes",
    options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    1024,
  );
  const host = options.host ?? "0.0.0.0";
  if (typeof host !== "string" || host === "") {
    throw new RangeError(
      `Cannot start topic manager as 'host' must be a non-empty string: current value is ${
        JSON.stringify(host)
      }`,
    );
  }
  const secret = options.secret ?? "";
  if (typeof secret !== "string") {
    throw new RangeError(
      `Cannot start topic manager as 'secret' must be a string: current value is ${typeof secret}`,
    );
  }
  return {
    host,
    port: integer("port", options.port ?? 6666, 0, 65535),
    httpPort: integer("httpPort", options.httpPort ?? 6667, -1, 65535),
    secret,
    maxFrameBytes,
    timing: {
      heartbeatMs,
      heartbeatTimeoutMs,
      handshakeTimeoutMs: integer("handshakeTimeoutMs", options.handshakeTimeoutMs ?? 5000, 1),
      maxFrameBytes,
    },
    limits: {
      mailboxSize: integer("gatewayQueueSize", options.gatewayQueueSize ?? 10_000, 1),
      slowGatewayMs: integer("slowGatewayMs", options.slowGatewayMs ?? 5000, 0),
      writeHighWaterBytes: 1024 * 1024,
    },
  };
}
