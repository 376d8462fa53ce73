import { createConsoleLogger, type Logger } from "../actors/logger.ts";
import { ActorSystem } from "../actors/system.ts";
import { parseAddress } from "../topic_manager/client.ts";
import { encodeFrame } from "../topic_manager/wire.ts";
import {
  type Broker,
  BrokerError,
  type BrokerHandler,
  type ClusterCommand,
  type Publication,
} from "./broker.ts";
import { TmLink } from "./_tm_link.ts";
import { Rendezvous } from "./_tm_shard.ts";
import { resolveTmBrokerOptions } from "./_tm_options.ts";
import { RecentIds } from "./_tm_recent_ids.ts";

/** Options of {@linkcode createTmBroker}. */
export interface TmBrokerOptions {
  /** The topic managers, `host:port`; every gateway must list the same ones. */
  addresses: string[];
  /** The cluster secret; empty when the TMs run without one. @default {""} */
  secret?: string;
  /** This gateway's id, unique in the cluster. @default {"gw-" + a random suffix} */
  gatewayId?: string;
  /** The actor system of the link actors. @default {a new system, shut down by close()} */
  system?: ActorSystem;
  /** Where link events are logged. @default {createConsoleLogger("info")} */
  logger?: Logger;
  /** Publishes and commands kept per TM while its link is down. @default {10000} */
  bufferSize?: number;
  /** Heartbeat interval, in ms (the TM's own interval wins when shorter). @default {5000} */
  heartbeatMs?: number;
  /** A TM silent this long is reconnected, in ms. @default {15000} */
  heartbeatTimeoutMs?: number;
  /** Time allowed for connect plus handshake, in ms. @default {5000} */
  connectTimeoutMs?: number;
  /** First reconnect delay, in ms (doubled per failure, with jitter). @default {100} */
  backoffMinMs?: number;
  /** Longest reconnect delay, in ms. @default {5000} */
  backoffMaxMs?: number;
  /** How long `subscriberCount`/`topicExists` wait for the TM, in ms. @default {2000} */
  queryTimeoutMs?: number;
  /** How long `start()` waits for every link before resolving anyway, in ms. @default {3000} */
  startTimeoutMs?: number;
  /** Messages queued per link actor before new ones are refused. @default {65536} */
  linkMailboxSize?: number;
  /** Largest frame body sent or accepted, in bytes. @default {1048576} */
  maxFrameBytes?: number;
}

/**
 * Creates the `tm` engine: routing through one or more topic managers. Each
 * topic belongs to one TM by rendezvous hashing over `addresses`;
 * `disconnectUser` goes to every TM (and reaches each gateway once). A link
 * that breaks reconnects with exponential backoff and jitter, then
 * re-announces every local count of the topics that TM owns. While a link is
 * down, publishes wait in a bounded buffer; beyond it they are rejected with
 * `BrokerError("dropped")`.
 *
 * @example A gateway's broker for a two-TM cluster
 * ```ts
 * import { createTmBroker } from "@firetower/firetower";
 * const broker = createTmBroker({
 *   addresses: ["10.0.0.1:6666", "10.0.0.2:6666"],
 *   secret: "s3cret",
 *   gatewayId: "gw-1",
 * });
 * console.log(broker.kind); // "tm"
 * ```
 */
export function createTmBroker(options: TmBrokerOptions): Broker {
  const o = resolveTmBrokerOptions(options);
  const logger = options.logger ?? createConsoleLogger("info");
  for (const address of o.addresses) parseAddress(address);
  const ring = new Rendezvous(o.addresses);
  const seen = new RecentIds(4096);
  const instance = crypto.randomUUID().slice(0, 8);
  let sequence = 0;
  let links: TmLink[] | undefined;
  let system: ActorSystem | undefined;
  let closed = false;

  const owner = (topic: string): TmLink => links![ring.owner(topic)];
  const refuse = (what: string): Promise<never> =>
    Promise.reject(
      new BrokerError(
        "closed",
        `Cannot ${what} as the tm broker '${o.gatewayId}' is ${closed ? "closed" : "not started"}`,
      ),
    );
  const encode = (frame: Parameters<typeof encodeFrame>[0], what: string): Uint8Array => {
    try {
      return encodeFrame(frame, o.maxFrameBytes);
    } catch (error) {
      throw new BrokerError("dropped", `Cannot send ${what}: ${(error as Error).message}`);
    }
  };

  return {
    kind: "tm",
    gatewayId: o.gatewayId,
    async start(handler: BrokerHandler): Promise<void> {
      if (links !== undefined || closed) {
        throw new Error(`Cannot start tm broker '${o.gatewayId}' twice`);
      }
      const sys = system = options.system ?? new ActorSystem({ logger });
      links = o.addresses.map((address, index) =>
        new TmLink(sys, {
          ...o.link,
          address,
          logger,
          owns: (topic) => ring.owner(topic) === index,
          subscriptions: () => handler.subscriptions(),
          deliver: (publication) => handler.deliver(publication),
          command: (id, command) => {
            if (seen.add(id)) handler.command(command as ClusterCommand);
          },
          linkChanged: (up, detail) => handler.linkChanged?.(up, detail),
        })
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.all(links.map((link) => link.firstUp)),
        new Promise<void>((resolve) => timer = setTimeout(resolve, o.startTimeoutMs)),
      ]);
      clearTimeout(timer);
    },
    setSubscribers(topic: string, count: number): void {
      if (links === undefined || closed) return;
      owner(topic).subs(topic, Math.max(0, Math.floor(count)));
    },
    publish(p: Publication): Promise<void> {
      if (links === undefined || closed) return refuse(`publish to topic '${p.topic}'`);
      const what = `a publish to topic '${p.topic}'`;
      try {
        const frame = encode({
          t: "pub",
          topic: p.topic,
          data: p.data,
          id: p.id,
          time: p.time,
          cid: p.clientId,
          uid: p.userId,
          o: o.gatewayId,
        }, what);
        return owner(p.topic).send(frame, what);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async subscriberCount(topic: string): Promise<number> {
      if (links === undefined || closed) return refuse(`count subscribers of '${topic}'`);
      return await owner(topic).query("count", topic) as number;
    },
    async topicExists(topic: string): Promise<boolean> {
      if (links === undefined || closed) return refuse(`check topic '${topic}'`);
      return await owner(topic).query("exists", topic) as boolean;
    },
    async command(command: ClusterCommand): Promise<void> {
      if (links === undefined || closed) return refuse(`send command '${command.kind}'`);
      const what = `command '${command.kind}'`;
      const id = `${o.gatewayId}/${instance}/${++sequence}`;
      const frame = encode({ t: "cmd", id, cmd: command }, what);
      if (command.kind !== "disconnectUser") return owner(command.topic).send(frame, what, id);
      const results = await Promise.allSettled(links.map((link) => link.send(frame, what, id)));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure !== undefined && results.every((r) => r.status === "rejected")) {
        throw failure.reason;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (links !== undefined) await Promise.all(links.map((link) => link.close()));
      if (options.system === undefined) await system?.shutdown();
    },
  } satisfies Broker;
}
