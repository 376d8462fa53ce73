import assert from "node:assert/strict";
import type { Tower } from "../../gateway/tower.ts";
import { connect, startGateway, type TestClient, waitFor, wsUrl } from "./_client.ts";

/** A gateway where `?user=` names the user, and a log of unsubscribe/offline hooks. */
async function usersGateway() {
  const events: string[] = [];
  const towers: Tower[] = [];
  const server = await startGateway({
    authenticate: (request) => ({ userId: new URL(request.url).searchParams.get("user") ?? "" }),
    hooks: {
      onConnect: (tower) => void towers.push(tower),
      onUnsubscribe: (tower, _context, topics) =>
        void events.push(`${tower.userId} unsubscribe ${topics.join(",")}`),
      onOffline: (tower) => void events.push(`${tower.userId} offline`),
    },
  });
  const clients: TestClient[] = [];
  const join = async (user: string, topics: string) => {
    const client = await connect(`${wsUrl(server)}?user=${user}`);
    clients.push(client);
    client.send({ type: "subscribe", topic: topics });
    await client.expect({ type: "subscribed", topic: topics });
    return client;
  };
  const stop = async () => {
    for (const client of clients) await client.close();
    await server.shutdown();
  };
  return { server, events, towers, join, stop };
}

Deno.test("gateway.publish delivers a server-side publish to the topic's subscribers", async () => {
  const { server, join, stop } = await usersGateway();
  try {
    const reader = await join("reader", "alerts");
    const other = await join("other", "elsewhere");
    await server.gateway.publish("alerts", { level: "high" });
    const frame = await reader.expect({ type: "publish", topic: "alerts" });
    assert.deepEqual(frame.data, { level: "high" });
    assert.equal(typeof frame.id, "string");
    await server.gateway.publish("elsewhere", "sentinel");
    await other.expect({ type: "publish", data: "sentinel" });
    assert.equal(other.count({ type: "publish", topic: "alerts" }), 0);
    assert.equal(server.gateway.stats().published, 2);
  } finally {
    await stop();
  }
});

Deno.test("unsubscribeUser removes only that user's connections from the topic", async () => {
  const { server, events, join, stop } = await usersGateway();
  try {
    const u1a = await join("u1", "room,lobby");
    const u1b = await join("u1", "room,lobby");
    const u2 = await join("u2", "room");
    assert.equal(await server.gateway.getConnectNum("room"), 3);

    await server.gateway.unsubscribeUser("u1", "room");
    for (const client of [u1a, u1b]) {
      assert.deepEqual(await client.expect({ type: "unsubscribed" }), {
        type: "unsubscribed",
        topic: "room",
        reason: "server",
      });
    }
    assert.deepEqual(events, ["u1 unsubscribe room", "u1 unsubscribe room"]);
    assert.equal(await server.gateway.getConnectNum("room"), 1);
    assert.equal(await server.gateway.getConnectNum("lobby"), 2);

    await server.gateway.publish("room", "only u2");
    await u2.expect({ type: "publish", data: "only u2" });
    await server.gateway.publish("lobby", "u1 still in the lobby");
    for (const client of [u1a, u1b]) {
      await client.expect({ type: "publish", data: "u1 still in the lobby" });
      assert.equal(client.count({ type: "publish", topic: "room" }), 0);
    }
    assert.equal(u2.count({ type: "unsubscribed" }), 0);
  } finally {
    await stop();
  }
});

Deno.test("removeTopic removes every subscriber of the topic", async () => {
  const { server, events, join, stop } = await usersGateway();
  try {
    const a = await join("a", "doomed,kept");
    const b = await join("b", "doomed");
    assert.equal(server.gateway.stats().topics, 2);

    await server.gateway.removeTopic("doomed");
    for (const client of [a, b]) {
      await client.expect({ type: "unsubscribed", topic: "doomed", reason: "server" });
    }
    assert.deepEqual(events.sort(), ["a unsubscribe doomed", "b unsubscribe doomed"]);
    assert.equal(await server.gateway.getConnectNum("doomed"), 0);
    assert.equal(await server.gateway.checkTopicExist("doomed"), false);
    assert.equal(server.gateway.stats().topics, 1);

    // The clients stay connected and may subscribe again.
    b.send({ type: "subscribe", topic: "doomed" });
    await b.expect({ type: "subscribed", topic: "doomed" });
    assert.equal(await server.gateway.getConnectNum("doomed"), 1);
  } finally {
    await stop();
  }
});

Deno.test("disconnectUser closes every connection of that user with 4002", async () => {
  const { server, events, join, stop } = await usersGateway();
  try {
    const x1 = await join("x", "t");
    const x2 = await join("x", "t");
    const y = await join("y", "t");

    await server.gateway.disconnectUser("x");
    assert.equal(await x1.waitClosed(), 4002);
    assert.equal(await x2.waitClosed(), 4002);
    await waitFor(() => events.filter((e) => e === "x offline").length === 2, "x offline twice");
    assert.equal(server.gateway.stats().connections, 1);
    assert.equal(await server.gateway.getConnectNum("t"), 1);

    await server.gateway.disconnectUser("nobody");
    await server.gateway.publish("t", "y is still here");
    await y.expect({ type: "publish", data: "y is still here" });
    assert.equal(y.socket.readyState, WebSocket.OPEN);
  } finally {
    await stop();
  }
});

Deno.test("shutdown flushes queued frames and asks clients to reconnect with 1012", async () => {
  const { server, towers, join, stop } = await usersGateway();
  const client = await join("s", "t");
  try {
    assert.equal(towers.length, 1);
    // Queued frames are flushed before the close frame.
    for (let i = 0; i < 50; i++) towers[0].toSelf(`queued ${i}`);
    const shutdown = server.shutdown();
    assert.equal(await client.waitClosed(), 1012);
    await shutdown;
    assert.deepEqual(
      client.received.slice(-50),
      Array.from({ length: 50 }, (_, i) => `queued ${i}`),
    );
    assert.equal(server.gateway.stats().connections, 0);
  } finally {
    await stop();
  }
});
