/**
 * Firetower: a distributed WebSocket topic pub/sub (push) service for Deno.
 *
 * Clients connect to gateways over WebSocket and subscribe, unsubscribe and
 * publish by topic; a topic manager cluster routes each
 * publish only to the gateways that hold subscribers. Every moving part is an
 * actor with a bounded mailbox under a supervisor, so a crashing handler or a
 * slow client never takes the process down or slows anyone else.
 *
 * Two ways in, one API underneath:
 * - turnkey: `deno task gateway` or {@linkcode serveGateway}, with hooks
 *   supplied as a module;
 * - embedded: the application owns `Deno.serve`, upgrades the request itself
 *   and hands the socket to {@linkcode Gateway.buildTower}, then sets hooks on
 *   the returned {@linkcode Tower} as firetower applications do.
 *
 * @example A chat gateway that publishes online counts, embedded
 * ```ts ignore
 * import { createGateway, newFire } from "@firetower/firetower";
 *
 * const gateway = await createGateway();
 * Deno.serve({ port: 9999 }, (request) => {
 *   const { socket, response } = Deno.upgradeWebSocket(request);
 *   const tower = gateway.buildTower(socket, { userId: crypto.randomUUID() });
 *   tower.setSubscribeHandler(async (context, topics) => {
 *     for (const topic of topics) {
 *       const fire = newFire(tower, context);
 *       fire.topic = topic;
 *       fire.data = { type: "onSubscribe", data: await tower.getConnectNum(topic) };
 *       await tower.publish(fire);
 *     }
 *   });
 *   tower.run();
 *   return response;
 * });
 * ```
 *
 * The actor runtime underneath is exported too.
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

// --- gateway ---------------------------------------------------------------
export {
  type Broker,
  BrokerError,
  type BrokerHandler,
  type ClusterCommand,
  type Publication,
} from "./gateway/broker.ts";
export { createLocalBroker, type LocalBrokerOptions, LocalBus } from "./gateway/local_broker.ts";
export {
  type ClientFrame,
  type ClientFrameType,
  decodeClientFrame,
  type ErrorCode,
  HEARTBEAT,
  ProtocolError,
  SUBPROTOCOLS,
  type WireFormat,
} from "./gateway/client_protocol.ts";
export { CloseCode } from "./gateway/close_codes.ts";
export type {
  ClientSocket,
  Connection,
  OutgoingFrame,
  SendCounters,
  SendLimits,
  SlowConsumerListener,
} from "./gateway/connection.ts";
export { type Fire, type FireContext, type FireSource, newFire } from "./gateway/fire.ts";
export {
  createGateway,
  Gateway,
  type GatewayOptions,
  type GatewayStats,
} from "./gateway/gateway.ts";
export { DEFAULT_LIMITS, type GatewayLimits } from "./gateway/limits.ts";
export { negotiate, type Negotiated } from "./gateway/negotiate.ts";
export {
  applyHooks,
  type Authenticate,
  type GatewayHooks,
  type GatewayServer,
  type Identity,
  serveGateway,
  type ServeGatewayOptions,
} from "./gateway/server.ts";
export { Tower, type TowerLimits, type TowerOptions } from "./gateway/tower.ts";
export type {
  BeforeSubscribeHandler,
  ConnectHandler,
  OfflineHandler,
  ReadHandler,
  ReadTimeoutHandler,
  TopicsHandler,
  TowerHandlers,
} from "./gateway/tower_hooks.ts";
export { type TopicRules, validateTopic } from "./gateway/topics.ts";

// --- Topic manager cluster (topic_manager/ and the `tm` broker engine) -----
export {
  startTopicManager,
  type TopicManager,
  type TopicManagerOptions,
} from "./topic_manager/server.ts";
export type { TopicManagerCounters } from "./topic_manager/router.ts";
export type { RoutingTable, TopicCount } from "./topic_manager/routing_table.ts";
export { createTmBroker, type TmBrokerOptions } from "./gateway/tm_broker.ts";

// --- redis engine (the `redis` broker) --------------------------------------
/**
 * The `redis` engine routes between gateways through Redis Pub/Sub, with no
 * topic manager.
 *
 * @example A gateway behind Redis
 * ```ts ignore
 * import { createRedisBroker, serveGateway } from "@firetower/firetower";
 * const broker = createRedisBroker({ url: "redis://127.0.0.1:6379", keyPrefix: "chat" });
 * await serveGateway({ port: 9999, broker });
 * ```
 */
export { createRedisBroker, type RedisBrokerOptions } from "./gateway/redis_broker.ts";

// --- nats engine (the `nats` broker) ----------------------------------------
/**
 * The `nats` engine routes between gateways through NATS core subjects, with
 * no topic manager: publications on one subject per topic, subscriber counts
 * gathered from every gateway, commands broadcast.
 *
 * @example A gateway behind NATS
 * ```ts ignore
 * import { createNatsBroker, serveGateway } from "@firetower/firetower";
 * const broker = createNatsBroker({ servers: "nats://127.0.0.1:4222", subjectPrefix: "chat" });
 * await serveGateway({ port: 9999, broker });
 * ```
 */
export { createNatsBroker, type NatsBrokerOptions } from "./gateway/nats_broker.ts";
