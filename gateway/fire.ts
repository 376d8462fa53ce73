/**
 * The message context of firetower (`FireInfo` / `FireLife`): who sent a
 * message, when it entered the system and its cluster-wide id. A message
 * derived from another (`newFire(tower, fire.context)`) inherits the whole
 * context, so a log line or a reply can be traced back to its origin.
 *
 * @module
 */

/** Where a message came from; shared by every message derived from it. */
export interface FireContext {
  /** An id unique across the cluster. */
  readonly id: string;
  /** When the original message entered the gateway, in ms since the Unix epoch. */
  readonly startTime: number;
  /** The id of the connection it came from; empty for server-side messages. */
  readonly clientId: string;
  /** The user id of that connection; empty when unknown. */
  readonly userId: string;
}

/** A message with its context: a client frame, or one the application builds. */
export interface Fire {
  /** Where the message came from. */
  readonly context: FireContext;
  /** The frame type: `publish`, or an application-defined type. */
  type: string;
  /** The topic (may list several, separated by commas). */
  topic: string;
  /** The payload. */
  data: unknown;
}

/** What {@linkcode newFire} needs from a connection. */
export interface FireSource {
  /** The connection's client id. */
  readonly clientId: string;
  /** The connection's user id. */
  readonly userId: string;
  /** Makes a new cluster-wide message id. */
  nextMessageId(): string;
}

/**
 * Creates a message. With `context`, the message inherits it (same id, start
 * time, client and user), as firetower's `NewFireInfo(tower, context)`;
 * without, it gets a fresh context from `source`.
 *
 * @example Publishing a reply that inherits the request's context
 * ```ts ignore
 * tower.setSubscribeHandler(async (context, topics) => {
 *   for (const topic of topics) {
 *     const fire = newFire(tower, context);
 *     fire.topic = topic;
 *     fire.data = { type: "onSubscribe", data: await tower.getConnectNum(topic) };
 *     await tower.publish(fire);
 *   }
 * });
 * ```
 */
export function newFire(source: FireSource, context?: FireContext): Fire {
  return {
    context: context ?? {
      id: source.nextMessageId(),
      startTime: Date.now(),
      clientId: source.clientId,
      userId: source.userId,
    },
    type: "publish",
    topic: "",
    data: null,
  };
}
