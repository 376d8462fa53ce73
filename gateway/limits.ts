/** Limits that protect a gateway from its clients; every field has a default. */
export interface GatewayLimits {
  /**
   * Largest client frame, in bytes; a larger one gets a `frame_too_large`
   * error frame and the connection is closed with 1009.
   *
   * @default {65536}
   */
  maxFrameBytes: number;
  /**
   * Longest topic name, in UTF-8 bytes.
   *
   * @default {256}
   */
  maxTopicBytes: number;
  /**
   * Most topics one connection may hold.
   *
   * @default {1000}
   */
  maxTopicsPerConnection: number;
  /**
   * Frames queued for one client before newer ones are dropped.
   *
   * @default {1000}
   */
  sendQueueSize: number;
  /**
   * Bytes a client's socket may have buffered before sends to it are dropped.
   *
   * @default {1048576}
   */
  maxBufferedBytes: number;
  /**
   * How long a client may stay over its send limits before it is closed as a
   * slow consumer (code 4000), in ms.
   *
   * @default {5000}
   */
  slowConsumerTimeoutMs: number;
  /**
   * Client frames queued for handling before the read-timeout hook fires.
   *
   * @default {256}
   */
  readQueueSize: number;
  /**
   * Publications queued per topic before the oldest are dropped.
   *
   * @default {10000}
   */
  topicQueueSize: number;
}

/** The defaults of {@linkcode GatewayLimits}. */
export const DEFAULT_LIMITS: Readonly<GatewayLimits> = {
  maxFrameBytes: 64 * 1024,
  maxTopicBytes: 256,
  maxTopicsPerConnection: 1000,
  sendQueueSize: 1000,
  maxBufferedBytes: 1024 * 1024,
  slowConsumerTimeoutMs: 5000,
  readQueueSize: 256,
  topicQueueSize: 10_000,
};

/**
 * Fills in defaults (also for limits given as `undefined`) and checks every
 * limit is a positive integer.
 *
 * @throws {RangeError} naming the limit and its value.
 */
export function resolveLimits(limits: Partial<GatewayLimits> = {}): GatewayLimits {
  // A limit given as `undefined` (an unset flag, say) takes its default.
  const given = Object.entries(limits).filter(([, value]) => value !== undefined);
  const resolved = { ...DEFAULT_LIMITS, ...Object.fromEntries(given) } as GatewayLimits;
  for (const [name, value] of Object.entries(resolved)) {
    if (!(name in DEFAULT_LIMITS)) {
      throw new RangeError(`Cannot create gateway as 'limits.${name}' is not a known limit`);
    }
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot create gateway as 'limits.${name}' must be a positive integer: current value is ${value}`,
      );
    }
  }
  return resolved;
}
