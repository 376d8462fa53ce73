import {
  type Broker,
  BrokerError,
  type BrokerHandler,
  type ClusterCommand,
  type Publication,
} from "./broker.ts";

/**
 * The in-process meeting point of local brokers. One gateway needs none of
 * its own (each local broker makes a private bus); several gateways in one
 * process (tests, embedding) share one bus and behave like a cluster.
 *
 * @example Two gateways in one process
 * ```ts
 * import { createLocalBroker, LocalBus } from "@firetower/firetower";
 * const bus = new LocalBus();
 * const a = createLocalBroker({ bus, gatewayId: "a" });
 * const b = createLocalBroker({ bus, gatewayId: "b" });
 * console.log(a.kind, b.gatewayId); // "local" "b"
 * ```
 */
export class LocalBus {
  readonly #members = new Map<string, LocalMember>();

  /** @internal */
  join(member: LocalMember): void {
    if (this.#members.has(member.gatewayId)) {
      throw new Error(
        `Cannot start local broker as gateway id '${member.gatewayId}' is already on this bus`,
      );
    }
    this.#members.set(member.gatewayId, member);
  }

  /** @internal */
  leave(member: LocalMember): void {
    if (this.#members.get(member.gatewayId) === member) this.#members.delete(member.gatewayId);
  }

  /** @internal */
  members(): Iterable<LocalMember> {
    return this.#members.values();
  }
}

/** One gateway's presence on a {@linkcode LocalBus}. @internal */
export interface LocalMember {
  readonly gatewayId: string;
  readonly counts: Map<string, number>;
  readonly handler: BrokerHandler;
}

/** Options of {@linkcode createLocalBroker}. */
export interface LocalBrokerOptions {
  /**
   * The bus shared with other gateways in this process.
   *
   * @default {a new private bus}
   */
  bus?: LocalBus;
  /**
   * This gateway's id on the bus.
   *
   * @default {"local-" + a random suffix}
   */
  gatewayId?: string;
}

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * Creates the `local` engine: routing between gateways of one process, or
 * no routing at all for a single gateway. The embedded default.
 *
 * @example A single gateway's broker
 * ```ts
 * import { createLocalBroker } from "@firetower/firetower";
 * const broker = createLocalBroker();
 * console.log(broker.kind); // "local"
 * ```
 */
export function createLocalBroker(options: LocalBrokerOptions = {}): Broker {
  const bus = options.bus ?? new LocalBus();
  const gatewayId = options.gatewayId ?? `local-${crypto.randomUUID().slice(0, 8)}`;
  let member: LocalMember | undefined;

  const joined = (): LocalMember => {
    if (member === undefined) {
      throw new BrokerError(
        "closed",
        `Cannot use local broker '${gatewayId}' as it is not started`,
      );
    }
    return member;
  };
  const total = (topic: string): number => {
    let sum = 0;
    for (const other of bus.members()) sum += other.counts.get(topic) ?? 0;
    return sum;
  };

  return {
    kind: "local",
    gatewayId,
    start(handler: BrokerHandler): Promise<void> {
      if (member !== undefined) {
        return Promise.reject(new Error(`Cannot start local broker '${gatewayId}' twice`));
      }
      member = { gatewayId, counts: new Map(), handler };
      bus.join(member);
      for (const [topic, count] of handler.subscriptions()) {
        if (count > 0) member.counts.set(topic, count);
      }
      return Promise.resolve();
    },
    setSubscribers(topic: string, count: number): void {
      const self = joined();
      if (count > 0) self.counts.set(topic, count);
      else self.counts.delete(topic);
    },
    publish(publication: Publication): Promise<void> {
      try {
        joined();
      } catch (error) {
        return Promise.reject(error);
      }
      for (const other of bus.members()) {
        if (other !== member && other.counts.has(publication.topic)) {
          other.handler.deliver(publication);
        }
      }
      return RESOLVED;
    },
    subscriberCount(topic: string): Promise<number> {
      return Promise.resolve(total(topic));
    },
    topicExists(topic: string): Promise<boolean> {
      return Promise.resolve(total(topic) > 0);
    },
    command(command: ClusterCommand): Promise<void> {
      for (const other of bus.members()) {
        if (other === member) continue;
        if (command.kind === "disconnectUser" || other.counts.has(command.topic)) {
          other.handler.command(command);
        }
      }
      return Promise.resolve();
    },
    close(): Promise<void> {
      if (member !== undefined) bus.leave(member);
      member = undefined;
      return Promise.resolve();
    },
  } satisfies Broker;
}
