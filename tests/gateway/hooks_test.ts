import assert from "node:assert/strict";
import type { Fire, FireContext } from "../../gateway/fire.ts";
import type { GatewayHooks } from "../../gateway/server.ts";
import type { Tower } from "../../gateway/tower.ts";
import { connect, deferred, startGateway, waitFor, wsUrl } from "./_client.ts";

const identify = (request: Request) => {
  const params = new URL(request.url).searchParams;
  return { userId: params.get("user") ?? "", clientId: params.get("client") ?? undefined };
};

function serve(hooks: GatewayHooks, limits = {}) {
  return startGateway({ authenticate: identify, hooks, limits });
}

Deno.test("onConnect decides whether a client may stay", async (t) => {
  await t.step("returning false closes the client with 4001", async () => {
    const server = await serve({ onConnect: () => false });
    const client = await connect(wsUrl(server));
    try {
      assert.equal(await client.waitClosed(), 4001);
      assert.equal(server.gateway.stats().connections, 0);
    } finally {
      await server.shutdown();
    }
  });

  await t.step("frames wait for an asynchronous onConnect to finish", async () => {
    const gate = deferred();
    const seen: string[] = [];
    const server = await serve({
      onConnect: async (tower) => {
        await gate.promise;
        tower.setUserId("set-by-onConnect");
      },
      onSubscribe: (_tower, context) => void seen.push(context.userId),
    });
    const client = await connect(wsUrl(server));
    try {
      client.send({ type: "subscribe", topic: "t" });
      // The connect message and the frame are both in the reader's mailbox.
      await waitFor(
        () => server.gateway.stats().actors.kinds.reader?.received === 2,
        "the subscribe frame to reach the reader",
      );
      gate.resolve();
      await client.expect({ type: "subscribed", topic: "t" });
      assert.deepEqual(seen, ["set-by-onConnect"]);
    } finally {
      await client.close();
      await server.shutdown();
    }
  });
});

Deno.test("beforeSubscribe can veto all or some of the requested topics", async (t) => {
  const asked: string[][] = [];
  const subscribed: string[][] = [];
  const server = await serve({
    beforeSubscribe: (_tower, _context, topics) => {
      asked.push(topics);
      if (topics.includes("secret")) return false;
      return topics.filter((topic) => !topic.startsWith("admin/"));
    },
    onSubscribe: (_tower, _context, topics) => void subscribed.push(topics),
  });
  const client = await connect(wsUrl(server));
  try {
    await t.step("false refuses every topic with a forbidden error", async () => {
      client.send({ type: "subscribe", topic: "secret,public" });
      const error = await client.expect({ type: "error" });
      assert.equal(error.code, "forbidden");
      assert.equal(error.topic, "secret,public");
      assert.deepEqual(asked.at(-1), ["secret", "public"]);
      assert.equal(await server.gateway.getConnectNum("secret"), 0);
      assert.equal(await server.gateway.getConnectNum("public"), 0);
      assert.deepEqual(subscribed, []);
    });

    await t.step("an array allows only the topics it lists", async () => {
      client.send({ type: "subscribe", topic: "admin/x,room/1" });
      const error = await client.expect({ type: "error" });
      assert.equal(error.code, "forbidden");
      assert.equal(error.topic, "admin/x");
      assert.deepEqual(await client.expect({ type: "subscribed" }), {
        type: "subscribed",
        topic: "room/1",
      });
      assert.equal(await server.gateway.getConnectNum("room/1"), 1);
      assert.equal(await server.gateway.getConnectNum("admin/x"), 0);
      assert.deepEqual(subscribed, [["room/1"]]);
    });

    await t.step("it is asked only about topics the client does not hold", async () => {
      client.send({ type: "subscribe", topic: "room/1,room/2" });
      await client.expect({ type: "subscribed", topic: "room/1,room/2" });
      assert.deepEqual(asked.at(-1), ["room/2"]);
      assert.deepEqual(subscribed.at(-1), ["room/2"]);
    });
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("onSubscribe and onUnsubscribe get the frame's context and the changed topics", async () => {
  const calls: { hook: string; context: FireContext; topics: string[]; tower: Tower }[] = [];
  const server = await serve({
    onSubscribe: (tower, context, topics) =>
      void calls.push({ hook: "sub", context, topics, tower }),
    onUnsubscribe: (tower, context, topics) =>
      void calls.push({ hook: "unsub", context, topics, tower }),
  });
  const client = await connect(wsUrl(server) + "?user=u-7&client=c-7");
  try {
    const before = Date.now();
    client.send({ type: "subscribe", topic: "a,b" });
    await client.expect({ type: "subscribed", topic: "a,b" });
    client.send({ type: "unSubscribe", topic: "a,never-held" });
    await client.expect({ type: "unsubscribed", topic: "a,never-held" });
    const after = Date.now();

    assert.deepEqual(calls.map((call) => [call.hook, call.topics]), [
      ["sub", ["a", "b"]],
      ["unsub", ["a"]],
    ]);
    for (const { context, tower } of calls) {
      assert.equal(context.clientId, "c-7");
      assert.equal(context.userId, "u-7");
      assert.equal(tower.clientId, "c-7");
      assert.equal(typeof context.id, "string");
      assert.ok(context.startTime >= before && context.startTime <= after);
    }
    assert.notEqual(calls[0].context.id, calls[1].context.id);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("onRead decides what happens to publish frames", async (t) => {
  const reads: Fire[] = [];
  const server = await serve({
    onRead: (_tower, fire) => {
      reads.push(fire);
      if (fire.data === "drop-me") return false;
      if (fire.data === "rewrite-me") fire.data = { rewritten: true };
      return fire.data === "void-result" ? undefined : true;
    },
  });
  const client = await connect(wsUrl(server) + "?user=reader");
  try {
    client.send({ type: "subscribe", topic: "r" });
    await client.expect({ type: "subscribed", topic: "r" });

    await t.step("returning true publishes, with the frame and its context", async () => {
      client.send({ type: "publish", topic: "r", data: { n: 1 } });
      const frame = await client.expect({ type: "publish", topic: "r" });
      assert.deepEqual(frame.data, { n: 1 });
      const fire = reads.at(-1)!;
      assert.equal(fire.type, "publish");
      assert.equal(fire.topic, "r");
      assert.equal(fire.context.userId, "reader");
      assert.equal(frame.id, fire.context.id, "the publication keeps the frame's id");
    });

    await t.step("returning false suppresses the publish", async () => {
      client.send({ type: "publish", topic: "r", data: "drop-me" });
      client.send({ type: "publish", topic: "r", data: "after-drop" });
      await client.expect({ type: "publish", data: "after-drop" });
      assert.equal(client.count({ type: "publish", data: "drop-me" }), 0);
      assert.ok(reads.some((fire) => fire.data === "drop-me"));
    });

    await t.step("returning nothing publishes", async () => {
      client.send({ type: "publish", topic: "r", data: "void-result" });
      await client.expect({ type: "publish", data: "void-result" });
    });

    await t.step("changes the hook makes to the message are published", async () => {
      client.send({ type: "publish", topic: "r", data: "rewrite-me" });
      await client.expect({ type: "publish", data: { rewritten: true } });
    });
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("onRead handles application-defined frame types without publishing them", async () => {
  const server = await serve({
    onRead: (tower, fire) => {
      if (fire.type === "typing") {
        tower.sendFrame({ type: "typing-ack", topic: fire.topic, data: fire.data });
      }
      return true;
    },
  });
  const client = await connect(wsUrl(server));
  try {
    client.send({ type: "subscribe", topic: "room" });
    await client.expect({ type: "subscribed", topic: "room" });
    client.send({ type: "typing", topic: "room", data: { who: "me" } });
    assert.deepEqual(await client.expect({ type: "typing-ack" }), {
      type: "typing-ack",
      topic: "room",
      data: { who: "me" },
    });
    client.send({ type: "publish", topic: "room", data: "sentinel" });
    await client.expect({ type: "publish", data: "sentinel" });
    assert.equal(client.count({ type: "publish", data: { who: "me" } }), 0);
    assert.equal(client.count({ type: "error" }), 0);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("onReadTimeout gets the frames that found the inbound queue full", async (t) => {
  const frames = 6;
  for (const withHook of [true, false]) {
    const name = withHook
      ? "the hook receives each refused frame"
      : "without the hook the client gets an overloaded error per refused frame";
    await t.step(name, async () => {
      const gate = deferred();
      const entered = deferred();
      const handled: number[] = [];
      const timedOut: Fire[] = [];
      let owner: Tower | undefined;
      const hooks: GatewayHooks = {
        onConnect: (tower) => void (owner = tower),
        onRead: async (_tower, fire) => {
          const data = fire.data as { seq: number };
          if (data.seq === 1) {
            entered.resolve();
            await gate.promise;
          }
          handled.push(data.seq);
          return true;
        },
      };
      if (withHook) hooks.onReadTimeout = (_tower, fire) => void timedOut.push(fire);
      const server = await serve(hooks, { readQueueSize: 2 });
      const client = await connect(wsUrl(server));
      try {
        client.send({ type: "subscribe", topic: "q" });
        await client.expect({ type: "subscribed", topic: "q" });
        for (let seq = 1; seq <= frames; seq++) {
          client.send({ type: "publish", topic: "q", data: { seq } });
        }
        await entered.promise;
        let refused: number;
        if (withHook) {
          // Frames arrive in order: once the last one was refused, all have arrived.
          await waitFor(
            () => timedOut.some((fire) => (fire.data as { seq: number }).seq === frames),
            "the last frame to reach onReadTimeout",
          );
          refused = timedOut.length;
          for (const fire of timedOut) {
            assert.equal(fire.type, "publish");
            assert.equal(fire.topic, "q");
            assert.equal(fire.context.clientId, owner!.clientId);
          }
        } else {
          await client.collect(3, (f) => f.type === "error" && f.code === "overloaded");
          refused = 0;
        }
        gate.resolve();
        client.send({ type: "publish", topic: "q", data: { seq: 100 } });
        await client.expect({ type: "publish", data: { seq: 100 } });
        if (!withHook) refused = client.count({ type: "error", code: "overloaded" });

        // The queue holds a prefix of the frames; the rest were refused, none lost.
        const kept = frames - refused;
        assert.ok(refused >= 3, `at least 3 of ${frames} frames refused, got ${refused}`);
        assert.deepEqual(handled, [...Array.from({ length: kept }, (_, i) => i + 1), 100]);
        if (withHook) {
          assert.deepEqual(
            timedOut.map((fire) => (fire.data as { seq: number }).seq),
            Array.from({ length: refused }, (_, i) => kept + i + 1),
          );
        }
        for (let seq = 1; seq <= frames; seq++) {
          assert.equal(client.count({ type: "publish", data: { seq } }), seq <= kept ? 1 : 0);
        }
      } finally {
        await client.close();
        await server.shutdown();
      }
    });
  }
});
