/**
 * Firetower: a distributed WebSocket topic pub/sub (push) service for Deno.
 *
 * Clients connect to gateways over WebSocket and subscribe, unsubscribe and
 * publish by topic; a topic manager cluster (or Redis / NATS) routes each
 * publish only to the gateways that hold subscribers. Every moving part is an
 * actor with a bounded mailbox under a supervisor, so a crashing handler or a
 * slow client never takes the process down or slows anyone else.
 *
 * This module exports the actor runtime the rest is built on.
 *
 * @example An actor that counts, restarted with fresh state after a crash
 * ```ts
 * import { ActorSystem } from "@firetower/firetower";
 *
 * const system = new ActorSystem();
 * const counter = system.spawn<number>(() => {
 *   let total = 0;
 *   return {
 *     receive(n) {
 *       if (n < 0) throw new Error("negative");
 *       total += n;
 *     },
 *   };
 * });
 * counter.tell(1);
 * counter.tell(-1); // the supervisor restarts the actor; the process lives on
 * await system.shutdown();
 * ```
 *
 * @module
 */

export type {
  Actor,
  ActorContext,
  ActorFactory,
  ActorRef,
  ActorStats,
  DeadLetter,
  SpawnOptions,
  StopOptions,
} from "./actors/actor.ts";
export { type Clock, systemClock, type TimerHandle } from "./actors/clock.ts";
export { ManualClock } from "./actors/manual_clock.ts";
export {
  createConsoleLogger,
  LOG_LEVELS,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from "./actors/logger.ts";
export { OVERFLOW_POLICIES, type OverflowPolicy } from "./actors/mailbox.ts";
export {
  backoffDelay,
  type BackoffOptions,
  DEFAULT_STRATEGY,
  type Directive,
  type ResolvedStrategy,
  resolveStrategy,
  type SupervisionScope,
  type SupervisorStrategy,
} from "./actors/supervision.ts";
export {
  type ActorGroupStats,
  ActorSystem,
  type ActorSystemOptions,
  type SystemSnapshot,
} from "./actors/system.ts";
