import assert from "node:assert/strict";
import { createGateway } from "../../gateway/gateway.ts";
import { negotiate } from "../../gateway/negotiate.ts";
import type { Tower } from "../../gateway/tower.ts";
import { connect, deferred, silentLogger, waitFor } from "./_client.ts";

Deno.test("an embedding application sets every hook with the Tower setters", async () => {
  const gateway = await createGateway({
    logger: silentLogger,
    heartbeatIntervalMs: 0,
    limits: { readQueueSize: 1 },
  });
  const events: string[] = [];
  const gate = deferred();
  const offline = deferred();
  let tower: Tower | undefined;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { protocol, format } = negotiate(request, "json");
    const { socket, response } = Deno.upgradeWebSocket(request, { protocol });
    const built = gateway.buildTower(socket, { userId: "emb", format });
    tower = built;
    const chained = built
      .setOnConnectHandler(() => void events.push("connect"))
      .setBeforeSubscribeHandler((_context, topics) => {
        events.push(`before ${topics}`);
        return topics.filter((topic) => topic !== "no");
      })
      .setSubscribeHandler((context, topics) =>
        void events.push(`subscribe ${topics} ${context.userId}`)
      )
      .setUnSubscribeHandler((_context, topics) => void events.push(`unsubscribe ${topics}`))
      .setReadHandler(async (fire) => {
        events.push(`read ${JSON.stringify(fire.data)}`);
        if (fire.data === "block") await gate.promise;
        return true;
      })
      .setReadTimeoutHandler((fire) => void events.push(`timeout ${JSON.stringify(fire.data)}`))
      .setOnOfflineHandler(() => {
        events.push("offline");
        offline.resolve();
      });
    assert.equal(chained, built);
    void built.run();
    return response;
  });
  const client = await connect(`ws://127.0.0.1:${server.addr.port}/`, {
    protocol: "firetower.json",
  });
  try {
    assert.equal(client.protocol, "firetower.json");
    client.send({ type: "subscribe", topic: "yes,no" });
    await client.expect({ type: "subscribed", topic: "yes" });
    assert.equal((await client.expect({ type: "error" })).code, "forbidden");

    client.send({ type: "publish", topic: "yes", data: "block" });
    await waitFor(() => events.includes('read "block"'), "the read hook to block");
    // One frame in the hook, one in the queue (readQueueSize 1), one refused.
    client.send({ type: "publish", topic: "yes", data: "queued" });
    client.send({ type: "publish", topic: "yes", data: "refused" });
    await waitFor(() => events.includes('timeout "refused"'), "the read-timeout hook");
    gate.resolve();
    await client.expect({ type: "publish", data: "queued" });

    client.send({ type: "unSubscribe", topic: "yes" });
    await client.expect({ type: "unsubscribed", topic: "yes" });
    await client.close();
    await offline.promise;

    assert.deepEqual(events, [
      "connect",
      "before yes,no",
      "subscribe yes emb",
      'read "block"',
      'timeout "refused"',
      'read "queued"',
      "unsubscribe yes",
      "offline",
    ]);
    assert.equal(tower!.isClosed, true);
    assert.equal(gateway.stats().connections, 0);
  } finally {
    await client.close();
    await gateway.shutdown();
    await server.shutdown();
  }
});

Deno.test("a gateway that is shutting down refuses to build towers", async () => {
  const gateway = await createGateway({ logger: silentLogger, heartbeatIntervalMs: 0 });
  await gateway.shutdown();
  const fake = {
    readyState: 1,
    bufferedAmount: 0,
    send() {},
    close() {},
    addEventListener() {},
  };
  assert.throws(() => gateway.buildTower(fake), /shutting down/);
});
