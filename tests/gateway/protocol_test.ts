import assert from "node:assert/strict";
import { connect, startGateway, wsUrl } from "./_client.ts";

Deno.test("subscribe is acknowledged and publishes arrive in the publish envelope", async (t) => {
  const server = await startGateway();
  const alice = await connect(wsUrl(server));
  const bob = await connect(wsUrl(server));
  try {
    await t.step("a subscribe frame is acknowledged with a subscribed frame", async () => {
      alice.send({ type: "subscribe", topic: "/chat/world", data: "" });
      assert.deepEqual(await alice.expect({ type: "subscribed" }), {
        type: "subscribed",
        topic: "/chat/world",
      });
      assert.equal(await server.gateway.getConnectNum("/chat/world"), 1);
    });

    await t.step("a comma-separated topic list subscribes to each topic", async () => {
      bob.send({ type: "subscribe", topic: "/chat/a,/chat/b", data: "" });
      assert.deepEqual(await bob.expect({ type: "subscribed" }), {
        type: "subscribed",
        topic: "/chat/a,/chat/b",
      });
      assert.equal(await server.gateway.getConnectNum("/chat/a"), 1);
      assert.equal(await server.gateway.getConnectNum("/chat/b"), 1);
      assert.equal(await server.gateway.checkTopicExist("/chat/b"), true);
      assert.equal(await server.gateway.checkTopicExist("/chat/c"), false);
    });

    await t.step("a publish reaches subscribers as {type, topic, data, id}", async () => {
      alice.send({ type: "publish", topic: "/chat/b", data: { from: "alice", text: "hi" } });
      const frame = await bob.expect({ type: "publish", topic: "/chat/b" });
      assert.deepEqual(Object.keys(frame).sort(), ["data", "id", "topic", "type"]);
      assert.deepEqual(frame.data, { from: "alice", text: "hi" });
      assert.equal(typeof frame.id, "string");
      assert.ok((frame.id as string).length > 0);
    });

    await t.step("each topic of a multi-topic subscription delivers", async () => {
      alice.send({ type: "publish", topic: "/chat/a", data: 42 });
      const frame = await bob.expect({ type: "publish", topic: "/chat/a" });
      assert.equal(frame.data, 42);
    });

    await t.step("the publisher receives its own publish when subscribed", async () => {
      alice.send({ type: "publish", topic: "/chat/world", data: "echo" });
      const own = await alice.expect({ type: "publish", topic: "/chat/world" });
      assert.equal(own.data, "echo");
    });

    await t.step("every publish gets its own id", async () => {
      alice.send({ type: "publish", topic: "/chat/a", data: 1 });
      alice.send({ type: "publish", topic: "/chat/a", data: 2 });
      const [first, second] = await bob.collect(
        2,
        (f) => f.type === "publish" && f.topic === "/chat/a",
      );
      assert.deepEqual([first.data, second.data], [1, 2]);
      assert.notEqual(first.id, second.id);
    });
  } finally {
    await alice.close();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("a duplicate subscribe neither doubles delivery nor the subscriber count", async () => {
  const server = await startGateway();
  const client = await connect(wsUrl(server));
  try {
    client.send({ type: "subscribe", topic: "dup" });
    await client.expect({ type: "subscribed", topic: "dup" });
    client.send({ type: "subscribe", topic: "dup" });
    await client.expect({ type: "subscribed", topic: "dup" });
    client.send({ type: "subscribe", topic: "dup,dup" });
    await client.expect({ type: "subscribed", topic: "dup" });
    assert.equal(await server.gateway.getConnectNum("dup"), 1);
    assert.equal(server.gateway.stats().topics, 1);

    client.send({ type: "publish", topic: "dup", data: "once" });
    client.send({ type: "publish", topic: "dup", data: "sentinel" });
    // Same topic, same order: once the sentinel is here, any duplicate would be too.
    await client.expect({ type: "publish", data: "sentinel" });
    assert.equal(client.count({ type: "publish", data: "once" }), 1);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("unSubscribe stops delivery and lowers the subscriber count", async () => {
  const server = await startGateway();
  const leaver = await connect(wsUrl(server));
  const witness = await connect(wsUrl(server));
  try {
    leaver.send({ type: "subscribe", topic: "news,sport" });
    await leaver.expect({ type: "subscribed", topic: "news,sport" });
    witness.send({ type: "subscribe", topic: "news" });
    await witness.expect({ type: "subscribed", topic: "news" });
    assert.equal(await server.gateway.getConnectNum("news"), 2);

    leaver.send({ type: "unSubscribe", topic: "news", data: "" });
    assert.deepEqual(await leaver.expect({ type: "unsubscribed" }), {
      type: "unsubscribed",
      topic: "news",
    });
    assert.equal(await server.gateway.getConnectNum("news"), 1);

    witness.send({ type: "publish", topic: "news", data: "after-unsubscribe" });
    // The fan-out of a publish is one step: once the witness has it, the
    // leaver would have had it queued too.
    await witness.expect({ type: "publish", data: "after-unsubscribe" });
    witness.send({ type: "publish", topic: "sport", data: "still-subscribed" });
    await leaver.expect({ type: "publish", topic: "sport", data: "still-subscribed" });
    assert.equal(leaver.count({ type: "publish", topic: "news" }), 0);
  } finally {
    await leaver.close();
    await witness.close();
    await server.shutdown();
  }
});

Deno.test("a bad client frame gets an error frame and the connection stays open", async (t) => {
  const server = await startGateway();
  const client = await connect(wsUrl(server));
  try {
    const cases: [string, string, string][] = [
      ["malformed JSON", '{"type":"publish",', "bad_frame"],
      ["a JSON array", "[1,2]", "bad_frame"],
      ["a JSON number", "42", "bad_frame"],
      ["a JSON string", '"subscribe"', "bad_frame"],
      ["JSON null", "null", "bad_frame"],
      ["an object without type", '{"topic":"t","data":1}', "bad_message"],
      ["an empty type", '{"type":"","topic":"t"}', "bad_message"],
      ["a non-string type", '{"type":7,"topic":"t"}', "bad_message"],
      ["a non-string topic", '{"type":"subscribe","topic":["a"]}', "bad_message"],
      ["an unknown type", '{"type":"dance","topic":"t"}', "unknown_type"],
      ["a subscribe without topic", '{"type":"subscribe"}', "invalid_topic"],
      ["a publish without topic", '{"type":"publish","data":1}', "invalid_topic"],
    ];
    for (const [name, text, code] of cases) {
      await t.step(`${name} -> ${code}`, async () => {
        client.send(text);
        const error = await client.expect({ type: "error" });
        assert.equal(error.code, code);
        assert.equal(typeof error.message, "string");
        assert.ok((error.message as string).length > 0);
      });
    }

    await t.step("the connection still subscribes and publishes afterwards", async () => {
      client.send({ type: "subscribe", topic: "after" });
      await client.expect({ type: "subscribed", topic: "after" });
      client.send({ type: "publish", topic: "after", data: "alive" });
      await client.expect({ type: "publish", topic: "after", data: "alive" });
      assert.equal(client.socket.readyState, WebSocket.OPEN);
    });
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("heartbeat frames from the client are ignored", async () => {
  const server = await startGateway();
  const client = await connect(wsUrl(server));
  try {
    client.send("heartbeat");
    client.send("heartbeat");
    client.send({ type: "subscribe", topic: "hb" });
    // Frames are handled in order, so any answer to the heartbeats comes first.
    await client.expect({ type: "subscribed", topic: "hb" });
    assert.deepEqual(client.received, [JSON.stringify({ type: "subscribed", topic: "hb" })]);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("the server sends heartbeat text frames on its interval", async () => {
  const server = await startGateway({ heartbeatIntervalMs: 50 });
  const client = await connect(wsUrl(server));
  try {
    const started = performance.now();
    assert.equal(await client.nextRaw((raw) => raw === "heartbeat", "a heartbeat"), "heartbeat");
    assert.equal(
      await client.nextRaw((raw) => raw === "heartbeat", "a second heartbeat"),
      "heartbeat",
    );
    assert.ok(performance.now() - started < 2000, "heartbeats come about every 50 ms");
  } finally {
    await client.close();
    await server.shutdown();
  }
});
