/**
 * The broker contract: how a gateway reaches the other gateways of its
 * cluster. The gateway core owns local subscribers and local fan-out; an
 * engine only relays between gateways. Engines: `local` (in-process),
 * `tm` (topic manager cluster), and others added the same way. Every engine
 * passes the same conformance suite (`tests/broker_conformance.ts`).
 *
 * Guarantees every engine gives:
 * - At most once: a publication reaches each other gateway that has
 *   subscribers of its topic at most once; it never comes back to the
 *   gateway that published it (that gateway delivers locally itself).
 * - Order: publications from one gateway to one topic arrive at each other
 *   gateway in the order they were published, while the link stays up.
 * - Subscriptions are counted per gateway: a gateway announces its local
 *   subscriber count of a topic, and the cluster routes the topic to it while
 *   that count is above zero, however many clients it stands for.
 * - After a broken link the engine reconnects on its own and re-announces
 *   every count from {@linkcode BrokerHandler.subscriptions}.
 *
 * @module
 */

/** A message on its way through the cluster. */
export interface Publication {
  /** One topic (comma lists are split before this point). */
  readonly topic: string;
  /** The application payload: any value msgpack and JSON can carry. */
  readonly data: unknown;
  /** An id unique across the cluster, given by the publishing gateway. */
  readonly id: string;
  /** When the message entered the cluster, in ms since the Unix epoch. */
  readonly time: number;
  /** The publishing client's id; empty for server-side publishes. */
  readonly clientId: string;
  /** The publishing client's user id; empty when unknown. */
  readonly userId: string;
  /** The id of the gateway that published it. */
  readonly origin: string;
}

/**
 * A server-side operation that must reach every gateway concerned:
 * - `unsubscribeUser`: every connection of `userId` leaves `topic`;
 * - `removeTopic`: every subscriber leaves `topic`;
 * - `disconnectUser`: every connection of `userId` is closed.
 */
export type ClusterCommand =
  | { readonly kind: "unsubscribeUser"; readonly userId: string; readonly topic: string }
  | { readonly kind: "removeTopic"; readonly topic: string }
  | { readonly kind: "disconnectUser"; readonly userId: string };

/** The one object through which an engine talks back to the gateway core. */
export interface BrokerHandler {
  /** A publication from another gateway for a topic this gateway holds. */
  deliver(publication: Publication): void;
  /** A server-side operation issued on another gateway. */
  command(command: ClusterCommand): void;
  /** This gateway's current local subscriber counts, for re-announcing. */
  subscriptions(): Iterable<readonly [topic: string, count: number]>;
  /** The engine's link to the cluster went up or down (for logs and metrics). */
  linkChanged?(up: boolean, detail: string): void;
}

/** Why a broker refused an operation. */
export class BrokerError extends Error {
  /** A stable code for programs: `"dropped"`, `"closed"`, `"unavailable"`. */
  readonly code: "dropped" | "closed" | "unavailable";

  /** Creates an error with a code and a message saying what happened. */
  constructor(code: BrokerError["code"], message: string) {
    super(message);
    this.name = "BrokerError";
    this.code = code;
  }
}

/** The contract every engine implements. */
export interface Broker {
  /** The engine's name, as chosen in configuration (`local`, `tm`...). */
  readonly kind: string;
  /** This gateway's id in the cluster (the `origin` of its publications). */
  readonly gatewayId: string;
  /** Connects the engine; resolves once it can route (or keeps trying in the background). */
  start(handler: BrokerHandler): Promise<void>;
  /**
   * Announces this gateway's local subscriber count of `topic`; `0` means
   * the gateway no longer holds the topic. Never blocks; the latest count wins.
   */
  setSubscribers(topic: string, count: number): void;
  /**
   * Sends a publication to every other gateway with subscribers of its topic.
   * Resolves once the cluster has it (or the engine has buffered it while a
   * link is down); rejects with a {@linkcode BrokerError} when it was dropped.
   */
  publish(publication: Publication): Promise<void>;
  /** The cluster-wide number of subscribers of `topic`. */
  subscriberCount(topic: string): Promise<number>;
  /** Whether any gateway in the cluster has subscribers of `topic`. */
  topicExists(topic: string): Promise<boolean>;
  /** Sends a server-side operation to every other gateway concerned. */
  command(command: ClusterCommand): Promise<void>;
  /** Disconnects; pending operations are rejected with code `"closed"`. */
  close(): Promise<void>;
}
