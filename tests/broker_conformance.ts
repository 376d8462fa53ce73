/**
 * The broker conformance suite: the contract of `gateway/broker.ts` checked
 * against a real engine. Every engine's test file calls
 * {@linkcode runBrokerConformance} with a factory for a fresh cluster.
 */
import assert from "node:assert/strict";
import type { Broker, BrokerHandler, ClusterCommand, Publication } from "../gateway/broker.ts";
import { BrokerError } from "../gateway/broker.ts";

/** A fresh, empty cluster of one engine. */
export interface BrokerCluster {
  /** Creates (not yet started) the broker of a new gateway with this id. */
  broker(gatewayId: string): Broker | Promise<Broker>;
  /** Tears the cluster down. */
  close(): Promise<void>;
}

/** A handler that records what the engine hands the gateway. */
export class RecordingHandler implements BrokerHandler {
  readonly delivered: Publication[] = [];
  readonly commands: ClusterCommand[] = [];
  readonly counts = new Map<string, number>();
  deliver(publication: Publication): void {
    this.delivered.push(publication);
  }
  command(command: ClusterCommand): void {
    this.commands.push(command);
  }
  subscriptions(): Iterable<readonly [string, number]> {
    return this.counts.entries();
  }
  topics(): string[] {
    return this.delivered.map((p) => p.topic);
  }
}

/** Polls `check` until it stops throwing, or rethrows after `timeoutMs`. */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 3000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

let sequence = 0;
/** A publication from `origin` with a fresh id, for engine tests. */
export function publication(origin: string, topic: string, data: unknown): Publication {
  return {
    topic,
    data,
    id: `${origin}-${++sequence}`,
    time: Date.now(),
    clientId: "client-1",
    userId: "user-1",
    origin,
  };
}

interface Member {
  broker: Broker;
  handler: RecordingHandler;
}

/** Runs the conformance suite as `t.step`s of one Deno test. */
export function runBrokerConformance(
  engine: string,
  makeCluster: () => Promise<BrokerCluster>,
): void {
  Deno.test(`${engine} broker satisfies the broker contract`, async (t) => {
    let cluster: BrokerCluster | undefined;
    let members: Member[] = [];
    let run = 0;
    const join = async (name: string, counts: [string, number][] = []): Promise<Member> => {
      const broker = await cluster!.broker(`${name}-${run}`);
      const handler = new RecordingHandler();
      for (const [topic, count] of counts) handler.counts.set(topic, count);
      await broker.start(handler);
      const member = { broker, handler };
      members.push(member);
      return member;
    };
    const subscribe = (member: Member, topic: string, count: number): void => {
      if (count > 0) member.handler.counts.set(topic, count);
      else member.handler.counts.delete(topic);
      member.broker.setSubscribers(topic, count);
    };
    const fresh = async (name: string, body: () => Promise<void>): Promise<void> => {
      await t.step(name, async () => {
        run++;
        cluster = await makeCluster();
        members = [];
        try {
          await body();
        } finally {
          for (const member of members) await member.broker.close();
          await cluster.close();
        }
      });
    };

    await fresh("a publication reaches only other gateways that hold its topic", async () => {
      const [a, b, c] = [await join("a"), await join("b"), await join("c")];
      subscribe(a, "news", 1);
      subscribe(b, "news", 2);
      subscribe(c, "other", 1);
      await eventually(async () => assert.equal(await a.broker.subscriberCount("news"), 3));
      await a.broker.publish(publication(a.broker.gatewayId, "news", { headline: "hi" }));
      await eventually(() => assert.equal(b.handler.delivered.length, 1));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(a.handler.delivered.length, 0, "the origin must not get its own publication");
      assert.equal(b.handler.delivered.length, 1, "exactly once");
      assert.equal(c.handler.delivered.length, 0, "no subscribers of the topic: nothing routed");
      const got = b.handler.delivered[0];
      assert.equal(got.topic, "news");
      assert.deepEqual(got.data, { headline: "hi" });
      assert.equal(got.origin, a.broker.gatewayId);
      assert.equal(got.clientId, "client-1");
      assert.equal(got.userId, "user-1");
    });

    await fresh("payloads arrive unchanged", async () => {
      const [a, b] = [await join("a"), await join("b")];
      subscribe(b, "t", 1);
      await eventually(async () => assert.ok(await a.broker.topicExists("t")));
      const payloads = [
        "plain",
        "ünïcødé ✓ 🚀",
        42,
        -1.5,
        true,
        null,
        [1, "two", { three: 3 }],
        { nested: { deep: ["x"], n: 0 } },
      ];
      for (const data of payloads) {
        await a.broker.publish(publication(a.broker.gatewayId, "t", data));
      }
      await eventually(() => assert.equal(b.handler.delivered.length, payloads.length));
      assert.deepEqual(b.handler.delivered.map((p) => p.data), payloads);
    });

    await fresh("publications from one gateway keep their order", async () => {
      const [a, b] = [await join("a"), await join("b")];
      subscribe(b, "seq", 1);
      await eventually(async () => assert.ok(await a.broker.topicExists("seq")));
      const sends = [];
      for (let i = 0; i < 500; i++) {
        sends.push(a.broker.publish(publication(a.broker.gatewayId, "seq", i)));
      }
      await Promise.all(sends);
      await eventually(() => assert.equal(b.handler.delivered.length, 500));
      assert.deepEqual(b.handler.delivered.map((p) => p.data), [...Array(500).keys()]);
    });

    await fresh("counts are cluster-wide and a zero count stops routing", async () => {
      const [a, b, c] = [await join("a"), await join("b"), await join("c")];
      subscribe(b, "room", 2);
      subscribe(c, "room", 5);
      await eventually(async () => assert.equal(await a.broker.subscriberCount("room"), 7));
      assert.equal(await a.broker.topicExists("room"), true);
      assert.equal(await a.broker.topicExists("nobody"), false);
      assert.equal(await a.broker.subscriberCount("nobody"), 0);
      subscribe(c, "room", 0);
      await eventually(async () => assert.equal(await a.broker.subscriberCount("room"), 2));
      await a.broker.publish(publication(a.broker.gatewayId, "room", "after"));
      await eventually(() => assert.equal(b.handler.delivered.length, 1));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(c.handler.delivered.length, 0, "an unsubscribed gateway gets nothing");
      subscribe(b, "room", 0);
      await eventually(async () => assert.equal(await a.broker.topicExists("room"), false));
    });

    await fresh("subscriptions present at start are announced", async () => {
      const b = await join("b", [["preset", 3]]);
      const a = await join("a");
      await eventually(async () => assert.equal(await a.broker.subscriberCount("preset"), 3));
      await a.broker.publish(publication(a.broker.gatewayId, "preset", 1));
      await eventually(() => assert.equal(b.handler.delivered.length, 1));
    });

    await fresh("commands reach the gateways concerned", async () => {
      const [a, b, c] = [await join("a"), await join("b"), await join("c")];
      subscribe(b, "kick", 1);
      await eventually(async () => assert.ok(await a.broker.topicExists("kick")));
      await a.broker.command({ kind: "unsubscribeUser", userId: "u1", topic: "kick" });
      await a.broker.command({ kind: "removeTopic", topic: "kick" });
      await a.broker.command({ kind: "disconnectUser", userId: "u2" });
      await eventually(() => assert.equal(b.handler.commands.length, 3));
      await eventually(() => assert.equal(c.handler.commands.length, 1));
      assert.deepEqual(b.handler.commands, [
        { kind: "unsubscribeUser", userId: "u1", topic: "kick" },
        { kind: "removeTopic", topic: "kick" },
        { kind: "disconnectUser", userId: "u2" },
      ]);
      assert.deepEqual(c.handler.commands, [{ kind: "disconnectUser", userId: "u2" }]);
      assert.equal(a.handler.commands.length, 0, "the issuing gateway applies its own commands");
    });

    await fresh("a closed broker refuses to publish with a BrokerError", async () => {
      const a = await join("a");
      await a.broker.close();
      await assert.rejects(
        a.broker.publish(publication(a.broker.gatewayId, "x", 1)),
        (error: unknown) => error instanceof BrokerError,
      );
    });
  });
}
