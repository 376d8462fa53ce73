/**
 * The topic manager's routing table: for each topic, the gateways holding
 * subscribers of it and how many each holds. Unlike the Go original, a
 * second gateway announcing an existing topic is registered too.
 *
 * @module
 */

/** One row of {@linkcode RoutingTable.topics}. */
export interface TopicCount {
  /** The topic. */
  topic: string;
  /** Subscribers over every gateway. */
  subscribers: number;
}

interface Route {
  total: number;
  readonly gateways: Map<string, number>;
}

/**
 * Topic -> gateway -> subscriber count. Only counts above zero are kept, so
 * a topic is routed to a gateway exactly while that gateway holds it.
 *
 * @example
 * ```ts
 * import { RoutingTable } from "./routing_table.ts";
 * const table = new RoutingTable();
 * table.set("gw-a", "news", 2);
 * table.set("gw-b", "news", 1);
 * console.log(table.count("news"), [...table.targets("news", "gw-a")]); // 3 ["gw-b"]
 * ```
 */
export class RoutingTable {
  readonly #routes = new Map<string, Route>();
  readonly #byGateway = new Map<string, Set<string>>();

  /** Number of topics with at least one subscriber. */
  get size(): number {
    return this.#routes.size;
  }

  /** Sets a gateway's subscriber count of a topic; `0` removes it. */
  set(gatewayId: string, topic: string, count: number): void {
    let route = this.#routes.get(topic);
    const previous = route?.gateways.get(gatewayId) ?? 0;
    if (count > 0) {
      if (route === undefined) {
        route = { total: 0, gateways: new Map() };
        this.#routes.set(topic, route);
      }
      route.gateways.set(gatewayId, count);
      route.total += count - previous;
      let topics = this.#byGateway.get(gatewayId);
      if (topics === undefined) this.#byGateway.set(gatewayId, topics = new Set());
      topics.add(topic);
    } else if (route !== undefined && previous > 0) {
      this.#unlink(route, gatewayId, topic, previous);
      const topics = this.#byGateway.get(gatewayId);
      topics?.delete(topic);
      if (topics?.size === 0) this.#byGateway.delete(gatewayId);
    }
  }

  /** Drops every route of a gateway; returns how many topics it held. */
  removeGateway(gatewayId: string): number {
    const topics = this.#byGateway.get(gatewayId);
    if (topics === undefined) return 0;
    this.#byGateway.delete(gatewayId);
    for (const topic of topics) {
      const route = this.#routes.get(topic)!;
      this.#unlink(route, gatewayId, topic, route.gateways.get(gatewayId) ?? 0);
    }
    return topics.size;
  }

  /** The gateways holding `topic`, except `except` (the publisher). */
  *targets(topic: string, except?: string): IterableIterator<string> {
    const route = this.#routes.get(topic);
    if (route === undefined) return;
    for (const gatewayId of route.gateways.keys()) if (gatewayId !== except) yield gatewayId;
  }

  /** A gateway's subscriber count of `topic` (0 when it does not hold it). */
  countOf(gatewayId: string, topic: string): number {
    return this.#routes.get(topic)?.gateways.get(gatewayId) ?? 0;
  }

  /** The cluster-wide subscriber count of `topic`. */
  count(topic: string): number {
    return this.#routes.get(topic)?.total ?? 0;
  }

  /** Whether any gateway holds `topic`. */
  has(topic: string): boolean {
    return this.#routes.has(topic);
  }

  /** How many topics a gateway holds. */
  topicsOf(gatewayId: string): number {
    return this.#byGateway.get(gatewayId)?.size ?? 0;
  }

  /** Every topic with its subscriber count, most subscribers first (ties by name). */
  topics(): TopicCount[] {
    const rows: TopicCount[] = [];
    for (const [topic, route] of this.#routes) rows.push({ topic, subscribers: route.total });
    return rows.sort((a, b) =>
      b.subscribers - a.subscribers || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0)
    );
  }

  #unlink(route: Route, gatewayId: string, topic: string, previous: number): void {
    route.gateways.delete(gatewayId);
    route.total -= previous;
    if (route.gateways.size === 0) this.#routes.delete(topic);
  }
}
