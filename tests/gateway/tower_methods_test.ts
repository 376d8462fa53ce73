import assert from "node:assert/strict";
import { type FireContext, newFire } from "../../gateway/fire.ts";
import type { Tower } from "../../gateway/tower.ts";
import { connect, decode, deferred, startGateway, waitFor, wsUrl } from "./_client.ts";

interface Recorded {
  towers: Map<string, Tower>;
  events: string[];
  contexts: Map<string, FireContext>;
}

/** A gateway whose hooks record every call and keep each connection's Tower by user. */
async function recordingGateway() {
  const recorded: Recorded = { towers: new Map(), events: [], contexts: new Map() };
  const offline = new Map<Tower, ReturnType<typeof deferred<void>>>();
  const server = await startGateway({
    authenticate: (request) => {
      const user = new URL(request.url).searchParams.get("user") ?? "";
      return { userId: user, metadata: { role: `role-of-${user}` } };
    },
    hooks: {
      onConnect: (tower) => {
        recorded.towers.set(tower.userId, tower);
        offline.set(tower, deferred());
      },
      onSubscribe: async (tower, context, topics) => {
        recorded.events.push(`${tower.userId} subscribe ${topics.join(",")}`);
        for (const topic of topics) {
          recorded.contexts.set(`subscribe ${topic}`, context);
          if (!topic.startsWith("room/")) continue;
          // firetower's chat example: announce the online count to the room.
          const fire = newFire(tower, context);
          fire.topic = topic;
          fire.data = { type: "onSubscribe", data: await tower.getConnectNum(topic) };
          await tower.publish(fire);
        }
      },
      onUnsubscribe: (tower, context, topics) => {
        recorded.contexts.set(`unsubscribe ${topics.join(",")}`, context);
        recorded.events.push(`${tower.userId} unsubscribe ${topics.join(",")}`);
      },
      onOffline: (tower) => {
        recorded.events.push(`${tower.userId} offline`);
        offline.get(tower)?.resolve();
      },
    },
  });
  const join = async (user: string, protocol?: string) => {
    const client = await connect(`${wsUrl(server)}?user=${user}`, { protocol });
    await waitFor(() => recorded.towers.has(user), `the tower of ${user}`);
    const tower = recorded.towers.get(user)!;
    return { client, tower, offline: offline.get(tower)!.promise };
  };
  return { server, recorded, join };
}

Deno.test("tower.publish from a hook reaches the topic under the hook's context", async () => {
  const { server, recorded, join } = await recordingGateway();
  const ann = await join("ann");
  const ben = await join("ben");
  try {
    ann.client.send({ type: "subscribe", topic: "room/1" });
    await ann.client.expect({ type: "subscribed", topic: "room/1" });
    const first = await ann.client.expect({ type: "publish", topic: "room/1" });
    assert.deepEqual(first.data, { type: "onSubscribe", data: 1 });
    assert.equal(first.id, recorded.contexts.get("subscribe room/1")!.id);

    ben.client.send({ type: "subscribe", topic: "room/1" });
    const second = await ann.client.expect({ type: "publish", topic: "room/1" });
    assert.deepEqual(second.data, { type: "onSubscribe", data: 2 });
    assert.deepEqual(await ben.client.expect({ type: "publish", topic: "room/1" }), second);
    assert.equal(second.id, recorded.contexts.get("subscribe room/1")!.id);
    assert.notEqual(second.id, first.id);
  } finally {
    await ann.client.close();
    await ben.client.close();
    await server.shutdown();
  }
});

Deno.test("Tower methods act on their own connection", async (t) => {
  const { server, recorded, join } = await recordingGateway();
  const ann = await join("ann");
  const ben = await join("ben");
  try {
    await t.step("identity and metadata come from authenticate", () => {
      assert.equal(ann.tower.userId, "ann");
      assert.deepEqual(ann.tower.metadata, { role: "role-of-ann" });
      assert.equal(typeof ann.tower.clientId, "string");
      assert.notEqual(ann.tower.clientId, ben.tower.clientId);
      assert.notEqual(ann.tower.nextMessageId(), ann.tower.nextMessageId());
      assert.equal(ann.tower.isClosed, false);
    });

    await t.step("metadata is the same object in every later hook", async () => {
      ann.tower.metadata.visits = 1;
      ann.client.send({ type: "subscribe", topic: "meta" });
      await ann.client.expect({ type: "subscribed", topic: "meta" });
      assert.equal(recorded.towers.get("ann")!.metadata.visits, 1);
    });

    await t.step("publish without a context gets a fresh id from this connection", async () => {
      ben.client.send({ type: "subscribe", topic: "news" });
      await ben.client.expect({ type: "subscribed", topic: "news" });
      await ann.tower.publish({ topic: "news", data: { text: "from the server" } });
      const frame = await ben.client.expect({ type: "publish", topic: "news" });
      assert.deepEqual(frame.data, { text: "from the server" });
      assert.equal(typeof frame.id, "string");
    });

    await t.step("publish rejects an invalid or empty topic with a RangeError", async () => {
      await assert.rejects(ann.tower.publish({ topic: "", data: 1 }), RangeError);
      await assert.rejects(
        ann.tower.publish({ topic: "bad topic", data: 1 }),
        (error: Error) => error instanceof RangeError && /bad topic/.test(error.message),
      );
    });

    await t.step("toSelf sends a raw text or binary frame to this client only", async () => {
      assert.equal(ann.tower.toSelf("plain text, not JSON"), true);
      assert.equal(
        await ann.client.nextRaw((raw) => raw === "plain text, not JSON", "the toSelf text"),
        "plain text, not JSON",
      );
      assert.equal(ann.tower.toSelf(new Uint8Array([1, 2, 3])), true);
      const bytes = await ann.client.nextRaw((raw) => typeof raw !== "string", "toSelf bytes");
      assert.deepEqual(new Uint8Array(bytes as ArrayBuffer), new Uint8Array([1, 2, 3]));
      assert.equal(ben.client.received.includes("plain text, not JSON"), false);
    });

    await t.step("sendFrame sends a frame object in the client's format", async () => {
      assert.equal(ann.tower.sendFrame({ type: "notice", n: 1 }), true);
      assert.deepEqual(await ann.client.expect({ type: "notice" }), { type: "notice", n: 1 });
    });

    await t.step("getConnectNum and checkTopicExist count cluster-wide subscribers", async () => {
      ann.client.send({ type: "subscribe", topic: "news" });
      await ann.client.expect({ type: "subscribed", topic: "news" });
      assert.equal(await ann.tower.getConnectNum("news"), 2);
      assert.equal(await ann.tower.getConnectNum("nobody-here"), 0);
      assert.equal(await ann.tower.checkTopicExist("news"), true);
      assert.equal(await ann.tower.checkTopicExist("nobody-here"), false);
    });

    await t.step("subscribe on the server's behalf fires onSubscribe and delivers", async () => {
      assert.deepEqual(await ann.tower.subscribe("srv,news"), ["srv"]);
      assert.deepEqual(recorded.events.at(-1), "ann subscribe srv");
      assert.equal(recorded.contexts.get("subscribe srv")!.clientId, ann.tower.clientId);
      assert.equal(ann.tower.hasTopic("srv"), true);
      assert.deepEqual(ann.tower.topics().sort(), ["meta", "news", "srv"]);
      assert.deepEqual(await ann.tower.subscribe(["srv"]), [], "already held: nothing added");
      assert.equal(recorded.events.at(-1), "ann subscribe srv", "no hook for nothing added");
      await server.gateway.publish("srv", "server push");
      await ann.client.expect({ type: "publish", topic: "srv", data: "server push" });
    });

    await t.step("subscribe passes a given context to the hook", async () => {
      const context = newFire(ann.tower).context;
      await ann.tower.subscribe(["with-context"], context);
      assert.equal(recorded.contexts.get("subscribe with-context"), context);
    });

    await t.step(
      "unsubscribe on the server's behalf fires onUnsubscribe and stops delivery",
      async () => {
        assert.deepEqual(await ann.tower.unsubscribe(["srv", "never"]), ["srv"]);
        assert.equal(recorded.events.at(-1), "ann unsubscribe srv");
        assert.equal(await server.gateway.getConnectNum("srv"), 0);
        assert.deepEqual(await ann.tower.unsubscribe("srv"), []);
        assert.equal(recorded.events.at(-1), "ann unsubscribe srv");
      },
    );

    await t.step("setUserId moves the connection to the new user", async () => {
      ben.tower.setUserId("ben-renamed");
      assert.equal(ben.tower.userId, "ben-renamed");
      await server.gateway.unsubscribeUser("ben", "news");
      assert.equal(ben.tower.hasTopic("news"), true, "the old user id no longer matches");
      await server.gateway.unsubscribeUser("ben-renamed", "news");
      await ben.client.expect({ type: "unsubscribed", topic: "news", reason: "server" });
      assert.equal(ben.tower.hasTopic("news"), false);
      assert.equal(recorded.contexts.get("unsubscribe news")!.userId, "ben-renamed");
    });

    await t.step("close leaves every topic, goes offline and closes the socket", async () => {
      const before = recorded.events.length;
      await ann.tower.close();
      assert.deepEqual(recorded.events.slice(before), [
        "ann unsubscribe meta,news,with-context",
        "ann offline",
      ]);
      assert.equal(ann.tower.isClosed, true);
      assert.equal(await ann.client.waitClosed(), 1000);
      assert.equal(await server.gateway.getConnectNum("meta"), 0);
      assert.equal(server.gateway.stats().connections, 1);
      assert.equal(ann.tower.toSelf("too late"), false);
    });

    await t.step("close takes a code and a reason", async () => {
      await ben.tower.close(4100, "bye now");
      const closed = await ben.client.closed;
      assert.deepEqual(closed, { code: 4100, reason: "bye now" });
      await ben.offline;
      assert.equal(recorded.events.at(-1), "ben-renamed offline");
    });

    await t.step("run cannot be called twice", async () => {
      await assert.rejects(ann.tower.run(), /twice/);
    });
  } finally {
    await ann.client.close();
    await ben.client.close();
    await server.shutdown();
  }
});

Deno.test("Tower.sendFrame encodes for a msgpack client", async () => {
  const { server, join } = await recordingGateway();
  const mp = await join("mp", "firetower.msgpack");
  try {
    assert.equal(mp.tower.sendFrame({ type: "notice", list: [1, 2] }), true);
    const raw = await mp.client.nextRaw((raw) => typeof raw !== "string", "a binary frame");
    assert.deepEqual(decode(raw), { type: "notice", list: [1, 2] });
  } finally {
    await mp.client.close();
    await server.shutdown();
  }
});
