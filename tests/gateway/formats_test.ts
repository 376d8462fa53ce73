import assert from "node:assert/strict";
import { encode as encodeMsgpack } from "@msgpack/msgpack";
import { connect, decode, isFrame, startGateway, waitFor, wsUrl } from "./_client.ts";

Deno.test("the msgpack subprotocol uses binary msgpack frames both ways", async (t) => {
  const server = await startGateway();
  const packed = await connect(wsUrl(server), { protocol: "firetower.msgpack" });
  const plain = await connect(wsUrl(server));
  try {
    await t.step("the subprotocol is negotiated", () => {
      assert.equal(packed.protocol, "firetower.msgpack");
      assert.equal(plain.protocol, "");
    });

    await t.step("a msgpack subscribe is acknowledged with a msgpack frame", async () => {
      packed.send(encodeMsgpack({ type: "subscribe", topic: "bin", data: null }));
      const raw = await packed.nextRaw(() => true, "the subscribed ack");
      assert.ok(raw instanceof ArrayBuffer, "the ack is a binary frame");
      assert.deepEqual(decode(raw), { type: "subscribed", topic: "bin" });
    });

    await t.step("a JSON client's publish arrives as msgpack", async () => {
      plain.send({ type: "publish", topic: "bin", data: { n: 1, list: ["a", true, null] } });
      const raw = await packed.nextRaw(() => true, "the publication");
      assert.ok(raw instanceof ArrayBuffer);
      const frame = decode(raw);
      assert.ok(isFrame(frame));
      assert.equal(frame.type, "publish");
      assert.equal(frame.topic, "bin");
      assert.deepEqual(frame.data, { n: 1, list: ["a", true, null] });
      assert.equal(typeof frame.id, "string");
    });

    await t.step("a msgpack publish with binary data reaches both formats", async () => {
      plain.send({ type: "subscribe", topic: "bin" });
      await plain.expect({ type: "subscribed", topic: "bin" });
      const bytes = new Uint8Array([0, 255, 7]);
      packed.send(encodeMsgpack({ type: "publish", topic: "bin", data: { bytes } }));
      const own = await packed.next((f) => f.type === "publish", "its own publication");
      assert.deepEqual((own.data as { bytes: Uint8Array }).bytes, bytes);
      const json = await plain.expect({ type: "publish", topic: "bin" });
      assert.deepEqual(json.data, { bytes: { "0": 0, "1": 255, "2": 7 } });
    });

    await t.step("error frames are msgpack too", async () => {
      packed.send(new Uint8Array([0xc1]));
      const raw = await packed.nextRaw(() => true, "the error frame");
      assert.ok(raw instanceof ArrayBuffer);
      assert.equal((decode(raw) as { code: string }).code, "bad_frame");
    });

    await t.step("text frames from a msgpack client are still read as JSON", async () => {
      packed.send({ type: "publish", topic: "bin", data: "json text" });
      const own = await packed.next((f) => f.type === "publish", "its own publication");
      assert.equal(own.data, "json text");
    });
  } finally {
    await packed.close();
    await plain.close();
    await server.shutdown();
  }
});

Deno.test("the first offered subprotocol the gateway speaks wins", async () => {
  const server = await startGateway();
  const client = await connect(wsUrl(server), {
    protocol: ["chat.v9", "firetower.json", "firetower.msgpack"],
  });
  try {
    assert.equal(client.protocol, "firetower.json");
    client.send({ type: "subscribe", topic: "p" });
    assert.equal(
      await client.nextRaw(() => true, "the ack"),
      JSON.stringify({ type: "subscribed", topic: "p" }),
    );
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("the batch subprotocol joins pending publications into one array frame, in order", async (t) => {
  const server = await startGateway();
  const client = await connect(wsUrl(server), { protocol: "firetower.batch" });
  try {
    assert.equal(client.protocol, "firetower.batch");
    client.send({ type: "subscribe", topic: "burst" });
    await client.expect({ type: "subscribed", topic: "burst" });

    await t.step("a burst arrives as array frames preserving order", async () => {
      for (let i = 0; i < 20; i++) void server.gateway.publish("burst", i);
      const items: unknown[] = [];
      const sizes: number[] = [];
      while (items.length < 20) {
        const raw = await client.nextRaw(() => true, `publications ${items.length} to 19`);
        const value = decode(raw);
        const batch = Array.isArray(value) ? value : [value];
        sizes.push(batch.length);
        items.push(...batch);
      }
      assert.ok(sizes.some((size) => size > 1), `some frame holds several: ${sizes}`);
      assert.deepEqual(
        items.map((item) => (item as { data: number }).data),
        Array.from({ length: 20 }, (_, i) => i),
      );
      for (const item of items) {
        assert.ok(isFrame(item));
        assert.equal(item.type, "publish");
        assert.equal(item.topic, "burst");
        assert.equal(typeof item.id, "string");
      }
    });

    await t.step("a lone publication arrives as a plain object", async () => {
      await server.gateway.publish("burst", "alone");
      const raw = await client.nextRaw(() => true, "the lone publication");
      const value = decode(raw);
      assert.ok(isFrame(value), `expected an object, got ${raw}`);
      assert.equal(value.data, "alone");
    });
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("legacy mode sends publications as bare data and no acknowledgements", async (t) => {
  const server = await startGateway({ legacy: true });
  const old = await connect(wsUrl(server));
  const modern = await connect(wsUrl(server), { protocol: "firetower.json" });
  try {
    await t.step("a subscribe gets no ack; a publish arrives as its bare data", async () => {
      old.send({ type: "subscribe", topic: "/chat/world", data: "" });
      const message = { from: "123", data: "hi", type: "publish" };
      old.send({ type: "publish", topic: "/chat/world", data: message });
      const raw = await old.nextRaw(() => true, "the bare publication");
      assert.equal(raw, JSON.stringify(message));
      // Frames are handled in order: an ack would have come first.
      assert.deepEqual(old.received, [JSON.stringify(message)]);
    });

    await t.step("an unSubscribe gets no ack either", async () => {
      old.send({ type: "unSubscribe", topic: "/chat/world" });
      old.send({ type: "subscribe", topic: "/chat/2" });
      old.send({ type: "publish", topic: "/chat/2", data: "plain string" });
      assert.equal(await old.nextRaw(() => true, "the next frame"), '"plain string"');
      assert.equal(old.received.length, 2);
    });

    await t.step("a client that negotiates firetower.json still gets envelopes", async () => {
      modern.send({ type: "subscribe", topic: "/chat/2" });
      // Legacy mode sends no acks to anyone: watch the count instead.
      await waitFor(
        async () => (await server.gateway.getConnectNum("/chat/2")) === 2,
        "the second subscriber of /chat/2",
      );
      old.send({ type: "publish", topic: "/chat/2", data: 5 });
      const frame = await modern.expect({ type: "publish", topic: "/chat/2" });
      assert.equal(frame.data, 5);
      assert.equal(await old.nextRaw(() => true, "the bare number"), "5");
    });
  } finally {
    await old.close();
    await modern.close();
    await server.shutdown();
  }
});
