/**
 * The shapes an application sees: an {@linkcode Actor} it writes, the
 * {@linkcode ActorRef} it sends to, the {@linkcode ActorContext} its handler
 * receives and the {@linkcode SpawnOptions} it starts one with.
 *
 * @module
 */

import type { OverflowPolicy } from "./mailbox.ts";
import type { SupervisorStrategy } from "./supervision.ts";

/**
 * Behaviour and state of one actor. A fresh instance comes from the factory
 * at spawn and at every restart, so state kept in fields resets on restart.
 */
export interface Actor<M> {
  /**
   * Handles one message. The next message waits until a returned promise
   * settles. A throw or rejection goes to the supervisor, never the process.
   */
  receive(message: M, context: ActorContext<M>): void | Promise<void>;
  /** Runs before the first message, at spawn and after every restart. */
  preStart?(context: ActorContext<M>): void;
  /** Runs once the actor has stopped and its children have stopped. */
  postStop?(context: ActorContext<M>): void | Promise<void>;
  /** Runs on the failed instance before it is replaced by a fresh one. */
  preRestart?(error: unknown, context: ActorContext<M>): void;
}

/** Builds a fresh {@linkcode Actor}; called at spawn and on every restart. */
export type ActorFactory<M> = () => Actor<M>;

/** How an actor is stopped. */
export interface StopOptions {
  /**
   * `true` processes the messages already queued before stopping; `false`
   * discards them as dead letters.
   *
   * @default {false}
   */
  drain?: boolean;
}

/** Counters of one actor. */
export interface ActorStats {
  /** Messages accepted into the mailbox. */
  received: number;
  /** Messages handled, successfully or not. */
  processed: number;
  /** Messages lost: overflow, rejection or discarded at stop. */
  dropped: number;
  /** Handler invocations that threw or rejected. */
  failed: number;
  /** Times the actor was restarted by its supervisor. */
  restarts: number;
  /** Messages waiting now. */
  depth: number;
  /** The largest depth reached. */
  highWater: number;
}

/** The only way into an actor. */
export interface ActorRef<M> {
  /** The actor's name: given at spawn, or generated (`$` + a number). */
  readonly name: string;
  /** The label given at spawn, used to group counters in metrics. */
  readonly kind: string;
  /**
   * Queues a message. Never blocks, never awaits, never throws. Returns
   * whether the message was accepted; a refused message has been counted and
   * sent to the dead-letter hook.
   */
  tell(message: M): boolean;
  /** Stops the actor and its children; resolves once `postStop` has run. */
  stop(options?: StopOptions): Promise<void>;
  /** Whether the actor has stopped or is stopping. */
  readonly stopped: boolean;
  /** Messages waiting now; cheaper than `stats().depth` for periodic checks. */
  readonly depth: number;
  /** A snapshot of the actor's counters. */
  stats(): ActorStats;
}

/** What a handler can do besides handle its message. */
export interface ActorContext<M> {
  /** This actor. */
  readonly self: ActorRef<M>;
  /** Starts a child supervised by this actor's strategy. */
  spawn<C>(factory: ActorFactory<C>, options?: SpawnOptions): ActorRef<C>;
  /** The live children, oldest first. */
  children(): ActorRef<unknown>[];
}

/** How an actor is started. */
export interface SpawnOptions {
  /** A name for logs and dead letters. Defaults to `$` + a sequence number. */
  name?: string;
  /**
   * A label that groups this actor's counters in the system snapshot
   * (`"connection"`, `"topic"`...).
   *
   * @default {"actor"}
   */
  kind?: string;
  /**
   * Most messages the mailbox holds.
   *
   * @default {1000}
   */
  mailboxSize?: number;
  /**
   * What a full mailbox does with one more message.
   *
   * @default {"dropNewest"}
   */
  overflow?: OverflowPolicy;
  /**
   * When messages are handled.
   *
   * - `"queued"`: every message goes through the mailbox and is handled by
   *   the dispatcher, after the sender's turn.
   * - `"inline"`: a message to an idle actor with an empty mailbox is handled
   *   at once, on the sender's stack (like Akka's calling-thread dispatcher);
   *   otherwise it is queued as with `"queued"`. Order, one-at-a-time
   *   handling, supervision and counters are the same; what is saved is the
   *   trip through the mailbox and the dispatcher. For leaf actors with short
   *   handlers, such as the per-socket sender a fan-out tells many times.
   *
   * @default {"queued"}
   */
  dispatch?: "queued" | "inline";
  /**
   * How this actor supervises its own children. Defaults to the system's
   * strategy (restart one-for-one, 10 restarts in 10 s, 10 ms to 5 s backoff).
   */
  supervisor?: SupervisorStrategy;
}

/** A message that was not processed, reported to the dead-letter hook. */
export interface DeadLetter {
  /** The intended recipient's name. */
  readonly recipient: string;
  /** The recipient's kind. */
  readonly kind: string;
  /** The message itself. */
  readonly message: unknown;
  /** Why it was not processed. */
  readonly reason: "mailbox full" | "rejected" | "dropped oldest" | "stopped";
}
