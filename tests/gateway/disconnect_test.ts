import assert from "node:assert/strict";
import type { FireContext } from "../../gateway/fire.ts";
import { connect, deferred, startGateway, waitFor, wsUrl } from "./_client.ts";
import { RawWebSocket } from "./_raw_client.ts";

function recordingServer() {
  const events: string[] = [];
  const contexts: FireContext[] = [];
  const offline = deferred();
  return {
    events,
    contexts,
    offline,
    start: () =>
      startGateway({
        authenticate: (request) => ({
          userId: new URL(request.url).searchParams.get("user") ?? "",
        }),
        hooks: {
          onUnsubscribe: (tower, context, topics) => {
            contexts.push(context);
            events.push(`unsubscribe ${tower.userId} ${topics.join(",")}`);
          },
          onOffline: (tower) => {
            events.push(`offline ${tower.userId}`);
            if (tower.userId === "leaver") offline.resolve();
          },
        },
      }),
  };
}

Deno.test("a client that closes leaves all its topics, then goes offline", async () => {
  const recorder = recordingServer();
  const server = await recorder.start();
  const leaver = await connect(wsUrl(server) + "?user=leaver");
  const stayer = await connect(wsUrl(server) + "?user=stayer");
  try {
    leaver.send({ type: "subscribe", topic: "shared,own" });
    await leaver.expect({ type: "subscribed", topic: "shared,own" });
    stayer.send({ type: "subscribe", topic: "shared" });
    await stayer.expect({ type: "subscribed", topic: "shared" });
    assert.equal(await server.gateway.getConnectNum("shared"), 2);
    assert.equal(await server.gateway.getConnectNum("own"), 1);

    await leaver.close();
    await recorder.offline.promise;

    assert.deepEqual(recorder.events, ["unsubscribe leaver shared,own", "offline leaver"]);
    assert.equal(recorder.contexts[0].userId, "leaver");
    assert.equal(await server.gateway.getConnectNum("shared"), 1);
    assert.equal(await server.gateway.getConnectNum("own"), 0);
    assert.equal(await server.gateway.checkTopicExist("own"), false);
    assert.equal(server.gateway.stats().connections, 1);
    assert.equal(server.gateway.stats().topics, 1);

    stayer.send({ type: "publish", topic: "shared", data: "still here" });
    await stayer.expect({ type: "publish", data: "still here" });
  } finally {
    await leaver.close();
    await stayer.close();
    await server.shutdown();
  }
});

Deno.test("a client whose TCP connection drops without a close frame is unsubscribed", async () => {
  const recorder = recordingServer();
  const server = await recorder.start();
  const raw = await RawWebSocket.connect(server.addr.port, "/ws?user=leaver");
  try {
    await raw.sendText(JSON.stringify({ type: "subscribe", topic: "gone" }));
    await raw.readText((text) => text.includes('"subscribed"'), "the subscribed ack");
    assert.equal(await server.gateway.getConnectNum("gone"), 1);

    raw.close();
    await recorder.offline.promise;
    assert.deepEqual(recorder.events, ["unsubscribe leaver gone", "offline leaver"]);
    await waitFor(
      async () => (await server.gateway.getConnectNum("gone")) === 0,
      "the topic count to drop to 0",
    );
    assert.equal(server.gateway.stats().connections, 0);
  } finally {
    raw.close();
    await server.shutdown();
  }
});

Deno.test("a client that closes without topics goes offline without an unsubscribe", async () => {
  const recorder = recordingServer();
  const server = await recorder.start();
  const leaver = await connect(wsUrl(server) + "?user=leaver");
  try {
    await leaver.close();
    await recorder.offline.promise;
    assert.deepEqual(recorder.events, ["offline leaver"]);
  } finally {
    await server.shutdown();
  }
});
