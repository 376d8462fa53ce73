/**
 * Routing through real topic manager processes: every subscriber on every
 * gateway receives every publish exactly once, in order, and subscriber
 * counts are cluster-wide.
 */
import assert from "node:assert/strict";
import { Rendezvous } from "../../gateway/_tm_shard.ts";
import {
  cleanUp,
  Client,
  COUNT_HOOKS,
  eventually,
  type GatewayProcess,
  startGateway,
  startTm,
  type TmProcess,
} from "./_cluster.ts";

const PUBLISHES_PER_TOPIC = 20;

/** `count` topics, `perTm` of them owned by each TM of `tms` (all when there is one TM). */
function pickTopics(tms: readonly TmProcess[], perTm: number): string[] {
  const ring = new Rendezvous(tms.map((tm) => tm.address));
  const picked: string[][] = tms.map(() => []);
  for (let i = 0; picked.some((list) => list.length < perTm); i++) {
    const topic = `/room/${i}`;
    const list = picked[ring.owner(topic)];
    if (list.length < perTm) list.push(topic);
  }
  return picked.flat();
}

interface Member {
  client: Client;
  gateway: number;
  topics: string[];
}

/**
 * On each gateway: two subscribers holding different subsets of `topics` and
 * one publisher that holds them all. Every publisher publishes
 * PUBLISHES_PER_TOPIC messages to every topic; every member must receive each
 * publish of its topics exactly once and in order, its own included.
 */
async function checkRouting(
  tms: readonly TmProcess[],
  gateways: readonly GatewayProcess[],
  topics: readonly string[],
  members: Member[],
): Promise<void> {
  for (const [g, gateway] of gateways.entries()) {
    for (const k of [0, 1]) {
      const mine = topics.filter((_, t) => (t + g + k) % 3 !== 0);
      members.push({ client: await Client.connect(gateway.url), gateway: g, topics: mine });
    }
    members.push({ client: await Client.connect(gateway.url), gateway: g, topics: [...topics] });
  }
  await Promise.all(members.map((m) => m.client.subscribe(m.topics)));
  const expected: Record<string, number> = {};
  for (const topic of topics) {
    expected[topic] = members.filter((m) => m.topics.includes(topic)).length;
  }

  // The TMs' routing tables hold the cluster-wide counts, each topic on its owner only.
  const ring = new Rendezvous(tms.map((tm) => tm.address));
  await eventually(async () => {
    for (const [i, tm] of tms.entries()) {
      const owned = Object.fromEntries(
        Object.entries(expected).filter(([topic]) => ring.owner(topic) === i),
      );
      assert.deepEqual(await tm.topicCounts(), owned, `GET /topic of TM ${i}`);
    }
  });
  for (const tm of tms) {
    assert.deepEqual(await tm.gatewayIds(), gateways.map((g) => g.id).sort());
  }
  // Every gateway answers the same cluster-wide count (Tower.getConnectNum).
  for (const g of gateways.keys()) {
    const asker = members.find((m) => m.gateway === g)!.client;
    for (const topic of topics) {
      assert.equal(await asker.count(topic), expected[topic], `count of ${topic} on gateway ${g}`);
    }
  }

  const publishers = members.filter((_, i) => i % 3 === 2);
  for (let seq = 0; seq < PUBLISHES_PER_TOPIC; seq++) {
    for (const [p, publisher] of publishers.entries()) {
      for (const topic of topics) publisher.client.publish(topic, { p, seq });
    }
  }
  const total = (m: Member): number => m.topics.length * publishers.length * PUBLISHES_PER_TOPIC;
  await Promise.all(members.map((m) =>
    m.client.waitUntil(
      () => m.client.publications().length >= total(m),
      `${total(m)} publications on gateway ${m.gateway}`,
      15_000,
    )
  ));
  await new Promise((resolve) => setTimeout(resolve, 300)); // room for duplicates to show up
  for (const [i, m] of members.entries()) {
    const received = m.client.publications();
    assert.equal(received.length, total(m), `member ${i} (gateway ${m.gateway}) received`);
    assert.equal(new Set(received.map((f) => f.id)).size, received.length, "duplicate ids");
    for (const topic of m.topics) {
      for (const p of publishers.keys()) {
        const seqs = received
          .filter((f) => f.topic === topic && (f.data as { p: number }).p === p)
          .map((f) => (f.data as { seq: number }).seq);
        assert.deepEqual(
          seqs,
          Array.from({ length: PUBLISHES_PER_TOPIC }, (_, s) => s),
          `member ${i} (gateway ${m.gateway}), ${topic}, publisher ${p}`,
        );
      }
    }
    assert.ok(received.every((f) => m.topics.includes(f.topic!)), "a publish of another topic");
  }
}

Deno.test("one TM with three gateways delivers every publish exactly once to every subscriber and counts cluster-wide", async () => {
  const members: Member[] = [];
  let tm: TmProcess | undefined;
  const gateways: GatewayProcess[] = [];
  try {
    tm = await startTm();
    const tms = [tm];
    for (let g = 0; g < 3; g++) gateways.push(await startGateway(tms, { hooks: COUNT_HOOKS }));
    await checkRouting(tms, gateways, pickTopics(tms, 6), members);
    assert.ok(gateways.every((g) => !g.exited), "a gateway exited");
  } finally {
    await cleanUp([tm, ...gateways], members.map((m) => m.client));
  }
});

Deno.test("two TMs with three gateways shard topics between them and still deliver every publish exactly once", async () => {
  const members: Member[] = [];
  const tms: TmProcess[] = [];
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) tms.push(await startTm());
    for (let g = 0; g < 3; g++) gateways.push(await startGateway(tms, { hooks: COUNT_HOOKS }));
    await checkRouting(tms, gateways, pickTopics(tms, 3), members);
    assert.ok(gateways.every((g) => !g.exited), "a gateway exited");
  } finally {
    await cleanUp([...tms, ...gateways], members.map((m) => m.client));
  }
});
