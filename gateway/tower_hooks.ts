import type { Fire, FireContext } from "./fire.ts";

/**
 * Called once the connection is running, before any client frame is
 * handled. Returning `false` refuses the client (closed with code 4001).
 */
export type ConnectHandler = () => boolean | void | Promise<boolean | void>;

/** Called once after the connection has closed and left all its topics. */
export type OfflineHandler = () => void | Promise<void>;

/**
 * Called before a client subscribes, with the topics it does not hold yet.
 * Return `true` (or nothing) to allow all, `false` to refuse all, or the
 * allowed subset; refused topics get a `forbidden` error frame.
 */
export type BeforeSubscribeHandler = (
  context: FireContext,
  topics: string[],
) => boolean | string[] | void | Promise<boolean | string[] | void>;

/**
 * Called after topics were subscribed or unsubscribed, with the topics that
 * changed. Unsubscribe also fires when the connection closes (with all its
 * topics) and when the server removes the client from a topic.
 */
export type TopicsHandler = (context: FireContext, topics: string[]) => void | Promise<void>;

/**
 * Called with every client frame that is not `subscribe`/`unSubscribe`:
 * publishes and application-defined types. Returning `false` stops the
 * default action (publishing a `publish` frame); anything else lets it run.
 * Without a read handler, `publish` frames are published and other types are
 * answered with an `unknown_type` error frame.
 *
 * Porting from firetower 0.4, where the handler called `tower.Publish(fire)`
 * itself: here, edit `fire` and return `true` instead; calling
 * `tower.publish(fire)` as well would deliver the message twice.
 */
export type ReadHandler = (fire: Fire) => boolean | void | Promise<boolean | void>;

/**
 * Called with a client frame that could not be queued because the
 * connection's inbound queue was full (firetower's read timeout). Without
 * one, the client gets an `overloaded` error frame.
 */
export type ReadTimeoutHandler = (fire: Fire) => void;

/** Every hook of a connection; all optional. */
export interface TowerHandlers {
  /** See {@linkcode ConnectHandler}. */
  onConnect?: ConnectHandler;
  /** See {@linkcode OfflineHandler}. */
  onOffline?: OfflineHandler;
  /** See {@linkcode BeforeSubscribeHandler}. */
  beforeSubscribe?: BeforeSubscribeHandler;
  /** See {@linkcode TopicsHandler}. */
  onSubscribe?: TopicsHandler;
  /** See {@linkcode TopicsHandler}. */
  onUnsubscribe?: TopicsHandler;
  /** See {@linkcode ReadHandler}. */
  onRead?: ReadHandler;
  /** See {@linkcode ReadTimeoutHandler}. */
  onReadTimeout?: ReadTimeoutHandler;
}
