import assert from "node:assert/strict";
import { ProtocolError } from "../../gateway/client_protocol.ts";
import { DEFAULT_LIMITS, type GatewayLimits } from "../../gateway/limits.ts";
import type { Tower } from "../../gateway/tower.ts";
import { connect, startGateway, type TestClient, waitFor, wsUrl } from "./_client.ts";

/** A publish frame whose JSON text is exactly `bytes` long. */
function publishOfSize(bytes: number, topic = "big"): string {
  const empty = JSON.stringify({ type: "publish", topic, data: "" });
  return JSON.stringify({ type: "publish", topic, data: "x".repeat(bytes - empty.length) });
}

async function withClient(
  limits: Partial<GatewayLimits>,
  body: (client: TestClient, tower: () => Tower) => Promise<void>,
): Promise<void> {
  let tower: Tower | undefined;
  const server = await startGateway({ limits, hooks: { onConnect: (t) => void (tower = t) } });
  const client = await connect(wsUrl(server));
  try {
    await waitFor(() => tower !== undefined, "the tower");
    await body(client, () => tower!);
  } finally {
    await client.close();
    await server.shutdown();
  }
}

async function expectStillOpen(client: TestClient): Promise<void> {
  client.send({ type: "subscribe", topic: "open" });
  await client.expect({ type: "subscribed", topic: "open" });
}

Deno.test("DEFAULT_LIMITS are 64 KiB frames, 256-byte topics and 1000 topics per connection", async (t) => {
  assert.deepEqual(DEFAULT_LIMITS, {
    maxFrameBytes: 65536,
    maxTopicBytes: 256,
    maxTopicsPerConnection: 1000,
    sendQueueSize: 1000,
    maxBufferedBytes: 1048576,
    slowConsumerTimeoutMs: 5000,
    readQueueSize: 256,
    topicQueueSize: 10000,
  });

  await t.step("a 256-byte topic is accepted, 257 bytes is not", async () => {
    await withClient({}, async (client) => {
      client.send({ type: "subscribe", topic: "t".repeat(256) });
      await client.expect({ type: "subscribed", topic: "t".repeat(256) });
      client.send({ type: "subscribe", topic: "t".repeat(257) });
      assert.equal((await client.expect({ type: "error" })).code, "invalid_topic");
      // 86 three-byte characters: 86 UTF-16 units but 258 UTF-8 bytes.
      client.send({ type: "subscribe", topic: "€".repeat(86) });
      assert.equal((await client.expect({ type: "error" })).code, "invalid_topic");
    });
  });

  await t.step("1000 topics are accepted, the 1001st is not", async () => {
    await withClient({}, async (client) => {
      const topics = Array.from({ length: 1000 }, (_, i) => `t${i}`).join(",");
      client.send({ type: "subscribe", topic: topics });
      await client.expect({ type: "subscribed", topic: topics });
      client.send({ type: "subscribe", topic: "one-more" });
      assert.equal((await client.expect({ type: "error" })).code, "too_many_topics");
    });
  });

  await t.step("a 64 KiB frame is accepted, one byte more is not", async () => {
    await withClient({}, async (client) => {
      client.send({ type: "subscribe", topic: "big" });
      await client.expect({ type: "subscribed", topic: "big" });
      client.send(publishOfSize(65536));
      await client.next((f) => f.type === "publish", "the 64 KiB publication");
      client.send(publishOfSize(65537));
      assert.equal((await client.expect({ type: "error" })).code, "frame_too_large");
      assert.equal(await client.waitClosed(), 1009);
    });
  });
});

Deno.test("a frame over maxFrameBytes gets frame_too_large and the connection is closed with 1009", async (t) => {
  const limits = { maxFrameBytes: 1024 };
  await t.step("a frame of exactly the limit is handled", async () => {
    await withClient(limits, async (client) => {
      client.send({ type: "subscribe", topic: "big" });
      await client.expect({ type: "subscribed", topic: "big" });
      client.send(publishOfSize(1024));
      await client.next((f) => f.type === "publish", "the publication");
    });
  });

  const oversized: [string, string | Uint8Array][] = [
    ["a text frame one byte over", publishOfSize(1025)],
    ["a text frame over the limit only in UTF-8 bytes", JSON.stringify({ d: "€".repeat(400) })],
    ["a binary frame", new Uint8Array(2048)],
  ];
  for (const [name, frame] of oversized) {
    await t.step(name, async () => {
      await withClient(limits, async (client) => {
        client.send(frame);
        const error = await client.expect({ type: "error" });
        assert.equal(error.code, "frame_too_large");
        assert.match(error.message as string, /1024 bytes/);
        assert.equal(await client.waitClosed(), 1009);
      });
    });
  }
});

Deno.test("an invalid topic gets invalid_topic and the connection stays open", async (t) => {
  await withClient({ maxTopicBytes: 8 }, async (client, tower) => {
    const cases: [string, string][] = [
      ["longer than maxTopicBytes", "123456789"],
      ["with a space", "a b"],
      ["with a tab", "a\tb"],
      ["with a non-breaking space", "a\u00a0b"],
      ["with a control character", "a\u0001b"],
      ["with DEL", "a\u007fb"],
      ["only commas", ",,"],
    ];
    for (const [name, topic] of cases) {
      await t.step(`a subscribe ${name}`, async () => {
        client.send({ type: "subscribe", topic });
        const error = await client.expect({ type: "error" });
        assert.equal(error.code, "invalid_topic");
      });
    }

    await t.step("a topic of exactly maxTopicBytes is fine", async () => {
      client.send({ type: "subscribe", topic: "12345678" });
      await client.expect({ type: "subscribed", topic: "12345678" });
    });

    await t.step("publish and unSubscribe check topics too", async () => {
      client.send({ type: "publish", topic: "bad topic", data: 1 });
      assert.equal((await client.expect({ type: "error" })).code, "invalid_topic");
      client.send({ type: "unSubscribe", topic: "123456789" });
      assert.equal((await client.expect({ type: "error" })).code, "invalid_topic");
    });

    await t.step("a comma inside one topic name is refused", async () => {
      await assert.rejects(
        tower().subscribe(["a,b"]),
        (error: unknown) => error instanceof ProtocolError && error.code === "invalid_topic",
      );
      assert.deepEqual(tower().topics(), ["12345678"]);
    });

    await t.step("the connection still works", async () => {
      await expectStillOpen(client);
    });
  });
});

Deno.test("more topics than maxTopicsPerConnection get too_many_topics", async () => {
  await withClient({ maxTopicsPerConnection: 3 }, async (client, tower) => {
    client.send({ type: "subscribe", topic: "a,b" });
    await client.expect({ type: "subscribed", topic: "a,b" });
    client.send({ type: "subscribe", topic: "c,d" });
    const error = await client.expect({ type: "error" });
    assert.equal(error.code, "too_many_topics");
    assert.match(error.message as string, /at most 3 topics/);
    assert.deepEqual(tower().topics(), ["a", "b"], "nothing of a refused request is kept");

    client.send({ type: "subscribe", topic: "a,b,c" });
    await client.expect({ type: "subscribed", topic: "a,b,c" });
    client.send({ type: "subscribe", topic: "a" });
    await client.expect({ type: "subscribed", topic: "a" });
    client.send({ type: "subscribe", topic: "d" });
    assert.equal((await client.expect({ type: "error" })).code, "too_many_topics");
    await assert.rejects(tower().subscribe("d"), /at most 3 topics/);
    assert.deepEqual(tower().topics(), ["a", "b", "c"]);
  });
});

Deno.test("sendQueueSize bounds the frames waiting for a client; newer ones are dropped", async () => {
  // Frames sent from the connect hook wait for the socket to open: the first
  // is being handled, two fit in the queue, the other two are dropped.
  let accepted: boolean[] = [];
  const server = await startGateway({
    limits: { sendQueueSize: 2 },
    hooks: {
      onConnect: (tower) => {
        accepted = [1, 2, 3, 4, 5].map((n) => tower.toSelf(`frame ${n}`));
      },
    },
  });
  const client = await connect(wsUrl(server));
  try {
    await client.nextRaw((raw) => raw === "frame 3", "frame 3");
    assert.deepEqual(accepted, [true, true, true, false, false]);
    assert.equal(server.gateway.stats().dropped, 2);
    client.send({ type: "subscribe", topic: "q" });
    await client.expect({ type: "subscribed", topic: "q" });
    assert.deepEqual(client.received.slice(0, 3), ["frame 1", "frame 2", "frame 3"]);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("topicQueueSize bounds publications waiting for a topic; the oldest are dropped", async () => {
  // A payload JSON cannot encode fails the topic actor, which restarts after
  // a backoff; meanwhile publications queue, and only the newest two stay.
  const server = await startGateway({
    limits: { topicQueueSize: 2 },
    supervisor: { backoff: { minMs: 50, maxMs: 50, jitter: 0 } },
  });
  const client = await connect(wsUrl(server));
  try {
    client.send({ type: "subscribe", topic: "hot" });
    await client.expect({ type: "subscribed", topic: "hot" });
    void server.gateway.publish("hot", 1n);
    for (let i = 1; i <= 5; i++) void server.gateway.publish("hot", i);
    const kept = await client.collect(2, (f) => f.type === "publish", "kept publications");
    assert.deepEqual(kept.map((f) => f.data), [4, 5]);
    const topic = server.gateway.stats().actors.kinds.topic;
    assert.equal(topic.dropped, 3);
    assert.equal(topic.restarts, 1);
    await server.gateway.publish("hot", "sentinel");
    await client.expect({ type: "publish", data: "sentinel" });
    assert.equal(client.count({ type: "publish" }), 3);
  } finally {
    await client.close();
    await server.shutdown();
  }
});
