import assert from "node:assert/strict";
import { silentLogger } from "../../actors/logger.ts";
import { BrokerError } from "../../gateway/broker.ts";
import { createTmBroker } from "../../gateway/tm_broker.ts";
import { Rendezvous } from "../../gateway/_tm_shard.ts";
import { startTopicManager, type TopicManager } from "../../topic_manager/server.ts";
import {
  type BrokerCluster,
  eventually,
  publication,
  RecordingHandler,
  runBrokerConformance,
} from "../broker_conformance.ts";

const SECRET = "conformance-secret";

/** Also records the link going up and down. */
class LinkRecordingHandler extends RecordingHandler {
  readonly links: string[] = [];
  linkChanged(up: boolean): void {
    this.links.push(up ? "up" : "down");
  }
}

async function tmCluster(size: number): Promise<BrokerCluster> {
  const tms: TopicManager[] = [];
  for (let i = 0; i < size; i++) {
    tms.push(
      await startTopicManager({
        host: "127.0.0.1",
        port: 0,
        httpPort: -1,
        secret: SECRET,
        logger: silentLogger,
      }),
    );
  }
  const addresses = tms.map((tm) => `127.0.0.1:${tm.address.port}`);
  return {
    broker: (gatewayId: string) =>
      createTmBroker({ addresses, secret: SECRET, gatewayId, logger: silentLogger }),
    close: async () => {
      await Promise.all(tms.map((tm) => tm.close()));
    },
  };
}

runBrokerConformance("tm (one topic manager)", () => tmCluster(1));
runBrokerConformance("tm (two sharded topic managers)", () => tmCluster(2));

Deno.test("after a TM restart on the same port every subscription is re-announced and publishes flow again", async () => {
  const first = await startTopicManager({
    host: "127.0.0.1",
    port: 0,
    httpPort: -1,
    secret: SECRET,
    logger: silentLogger,
  });
  const port = first.address.port;
  const addresses = [`127.0.0.1:${port}`];
  const make = (gatewayId: string) =>
    createTmBroker({
      addresses,
      secret: SECRET,
      gatewayId,
      logger: silentLogger,
      backoffMaxMs: 500,
    });
  const a = make("a");
  const b = make("b");
  const ah = new RecordingHandler();
  const bh = new LinkRecordingHandler();
  let second: TopicManager | undefined;
  try {
    await a.start(ah);
    await b.start(bh);
    bh.counts.set("room", 2);
    b.setSubscribers("room", 2);
    bh.counts.set("lobby", 1);
    b.setSubscribers("lobby", 1);
    await eventually(() => assert.equal(first.table.count("room"), 2));
    await first.close();
    second = await startTopicManager({
      host: "127.0.0.1",
      port,
      httpPort: -1,
      secret: SECRET,
      logger: silentLogger,
    });
    const tm = second;
    await eventually(() => {
      assert.equal(tm.table.count("room"), 2);
      assert.equal(tm.table.count("lobby"), 1);
    }, 5000);
    await eventually(async () => assert.equal(await a.subscriberCount("room"), 2), 5000);
    await a.publish(publication("a", "room", "after restart"));
    await eventually(() => assert.deepEqual(bh.delivered.map((p) => p.data), ["after restart"]));
    assert.deepEqual(bh.links.slice(0, 3), ["up", "down", "up"]);
  } finally {
    await a.close();
    await b.close();
    await first.close();
    await second?.close();
  }
});

Deno.test("while the TM is unreachable publishes are buffered, then dropped with BrokerError('dropped')", async (t) => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const broker = createTmBroker({
    addresses: [`127.0.0.1:${port}`],
    secret: SECRET,
    gatewayId: "lonely",
    logger: silentLogger,
    bufferSize: 3,
    startTimeoutMs: 50,
    backoffMaxMs: 200,
  });
  let tm: TopicManager | undefined;
  try {
    await broker.start(new RecordingHandler());
    await t.step("the buffer takes bufferSize publishes", async () => {
      for (let i = 0; i < 3; i++) await broker.publish(publication("lonely", "t", i));
    });
    await t.step("the next one is rejected with a reason", async () => {
      await assert.rejects(broker.publish(publication("lonely", "t", 3)), (e: unknown) => {
        assert.ok(e instanceof BrokerError);
        assert.equal(e.code, "dropped");
        assert.match(
          e.message,
          /link to TM 127\.0\.0\.1:\d+ is down and its buffer of 3 messages is full/,
        );
        return true;
      });
    });
    await t.step("queries fail fast as unavailable", async () => {
      await assert.rejects(
        broker.subscriberCount("t"),
        (e: unknown) => e instanceof BrokerError && e.code === "unavailable",
      );
    });
    await t.step("the buffered publishes are sent once the TM is up", async () => {
      tm = await startTopicManager({
        host: "127.0.0.1",
        port,
        httpPort: -1,
        secret: SECRET,
        logger: silentLogger,
      });
      const up = tm;
      await eventually(() => assert.equal(up.counters.publishesRouted, 3), 5000);
    });
  } finally {
    await broker.close();
    await tm?.close();
  }
});

Deno.test("rendezvous hashing spreads topics evenly and ignores the order of the TM list", () => {
  const nodes = ["10.0.0.1:6666", "10.0.0.2:6666", "10.0.0.3:6666"];
  const ring = new Rendezvous(nodes);
  const reversed = new Rendezvous([...nodes].reverse());
  const load = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) {
    const topic = `/chat/room-${i}`;
    const owner = ring.owner(topic);
    load[owner]++;
    assert.equal(nodes[owner], [...nodes].reverse()[reversed.owner(topic)]);
  }
  for (const n of load) assert.ok(n > 9000 && n < 11_000, `uneven load ${load}`);
});

Deno.test("adding a TM moves only the topics the new TM wins", () => {
  const before = new Rendezvous(["a:1", "b:1"]);
  const after = new Rendezvous(["a:1", "b:1", "c:1"]);
  let moved = 0;
  for (let i = 0; i < 9000; i++) {
    const topic = `t${i}`;
    const was = before.owner(topic);
    const now = after.owner(topic);
    if (now !== was) {
      assert.equal(now, 2, "a topic only ever moves to the new TM");
      moved++;
    }
  }
  assert.ok(moved > 2400 && moved < 3600, `moved ${moved} of 9000`);
});
