import type { ActorRef } from "../actors/actor.ts";
import type { Logger } from "../actors/logger.ts";
import type { ActorSystem } from "../actors/system.ts";
import type { Broker, BrokerHandler, ClusterCommand, Publication } from "./broker.ts";
import type { Connection } from "./connection.ts";
import {
  type FanOutCounters,
  topicActor,
  type TopicMessage,
  type TopicSubscribers,
  topicSubscribers,
} from "./topic_actor.ts";

/** What the hub needs from a connected client (a Tower). */
export interface HubMember {
  /** The sending half of the client's socket. */
  readonly connection: Connection;
  /** The client's user id; empty when anonymous. */
  readonly userId: string;
  /** Whether the client holds `topic`. */
  hasTopic(topic: string): boolean;
  /** Removes the client from `topic` on the server's behalf. */
  kickFromTopic(topic: string): void;
  /** Closes the client on the server's behalf. */
  disconnect(): void;
}

interface TopicEntry {
  readonly actor: ActorRef<TopicMessage>;
  readonly subscribers: TopicSubscribers;
  count: number;
}

/** Options of the topic actors. */
export interface TopicLimits {
  /** Publications queued per topic before the oldest are dropped. */
  readonly topicQueueSize: number;
}

/**
 * The gateway core: the local topics and their subscribers, the users for
 * server-side kicks, and the bridge to the broker. Local subscribers get a
 * publication straight from here; the broker relays it to other gateways.
 */
export class Hub implements BrokerHandler {
  /** Fan-out counters of every topic. */
  readonly counters: FanOutCounters = { published: 0, frames: 0 };
  readonly #system: ActorSystem;
  readonly #broker: Broker;
  readonly #logger: Logger;
  readonly #limits: TopicLimits;
  readonly #topics = new Map<string, TopicEntry>();
  readonly #members = new Set<HubMember>();
  readonly #byUser = new Map<string, Set<HubMember>>();

  constructor(system: ActorSystem, broker: Broker, logger: Logger, limits: TopicLimits) {
    this.#system = system;
    this.#broker = broker;
    this.#logger = logger;
    this.#limits = limits;
  }

  /** Connected clients. */
  get memberCount(): number {
    return this.#members.size;
  }

  /** Topics with local subscribers. */
  get topicCount(): number {
    return this.#topics.size;
  }

  /** Every connected client. */
  members(): IterableIterator<HubMember> {
    return this.#members.values();
  }

  /** Registers a connected client. */
  join(member: HubMember): void {
    this.#members.add(member);
    this.#indexUser(member, member.userId);
  }

  /** Forgets a client; its topics must have been unsubscribed already. */
  leave(member: HubMember): void {
    this.#members.delete(member);
    this.#unindexUser(member, member.userId);
  }

  /** Moves a client to another user id in the kick index. */
  renameUser(member: HubMember, from: string, to: string): void {
    this.#unindexUser(member, from);
    this.#indexUser(member, to);
  }

  /** Adds a client to topics it does not hold yet. */
  subscribe(member: HubMember, topics: readonly string[]): void {
    for (const topic of topics) {
      let entry = this.#topics.get(topic);
      if (entry === undefined) entry = this.#openTopic(topic);
      entry.count++;
      entry.actor.tell({ op: "add", connection: member.connection });
      this.#broker.setSubscribers(topic, entry.count);
    }
  }

  /** Removes a client from topics it holds. */
  unsubscribe(member: HubMember, topics: readonly string[]): void {
    for (const topic of topics) {
      const entry = this.#topics.get(topic);
      if (entry === undefined) continue;
      entry.actor.tell({ op: "remove", connection: member.connection });
      entry.count--;
      this.#broker.setSubscribers(topic, entry.count);
      if (entry.count === 0) {
        this.#topics.delete(topic);
        entry.actor.stop({ drain: true });
      }
    }
  }

  /** Delivers to local subscribers and hands the publication to the broker. */
  publish(publication: Publication): Promise<void> {
    this.deliver(publication);
    return this.#broker.publish(publication);
  }

  /** The cluster-wide number of subscribers of `topic`. */
  subscriberCount(topic: string): Promise<number> {
    return this.#broker.subscriberCount(topic);
  }

  /** Whether `topic` has subscribers anywhere in the cluster. */
  topicExists(topic: string): Promise<boolean> {
    return this.#broker.topicExists(topic);
  }

  /** Applies a server-side operation here and on every other gateway concerned. */
  issue(command: ClusterCommand): Promise<void> {
    this.command(command);
    return this.#broker.command(command);
  }

  // --- BrokerHandler ------------------------------------------------------

  /** A publication for local subscribers. */
  deliver(publication: Publication): void {
    this.#topics.get(publication.topic)?.actor.tell({ op: "publish", publication });
  }

  /** Applies a server-side operation to local clients. */
  command(command: ClusterCommand): void {
    if (command.kind === "removeTopic") {
      for (const member of [...this.#members]) {
        if (member.hasTopic(command.topic)) member.kickFromTopic(command.topic);
      }
      return;
    }
    const members = this.#byUser.get(command.userId);
    if (members === undefined) return;
    for (const member of [...members]) {
      if (command.kind === "disconnectUser") member.disconnect();
      else if (member.hasTopic(command.topic)) member.kickFromTopic(command.topic);
    }
  }

  /** Local subscriber counts, for the broker to re-announce. */
  *subscriptions(): Iterable<readonly [string, number]> {
    for (const [topic, entry] of this.#topics) yield [topic, entry.count];
  }

  /** Logs broker link changes. */
  linkChanged(up: boolean, detail: string): void {
    if (up) this.#logger.info("broker link up", { detail });
    else this.#logger.warn("broker link down", { detail });
  }

  // --- internals ----------------------------------------------------------

  #openTopic(topic: string): TopicEntry {
    const subscribers = topicSubscribers();
    // The subscriber sets live in the entry so a restarted actor keeps them.
    const actor: ActorRef<TopicMessage> = this.#system.spawn<TopicMessage>(
      () => topicActor(subscribers, this.counters, setImmediate, (m) => actor.tell(m)),
      {
        name: `topic:${topic}`,
        kind: "topic",
        mailboxSize: this.#limits.topicQueueSize,
        overflow: "dropOldest",
        dispatch: "inline",
      },
    );
    const entry = { actor, subscribers, count: 0 };
    this.#topics.set(topic, entry);
    return entry;
  }

  #indexUser(member: HubMember, userId: string): void {
    if (userId === "") return;
    let members = this.#byUser.get(userId);
    if (members === undefined) this.#byUser.set(userId, members = new Set());
    members.add(member);
  }

  #unindexUser(member: HubMember, userId: string): void {
    const members = this.#byUser.get(userId);
    if (members === undefined) return;
    members.delete(member);
    if (members.size === 0) this.#byUser.delete(userId);
  }
}
