import assert from "node:assert/strict";
import type { Authenticate } from "../../gateway/server.ts";
import type { Tower } from "../../gateway/tower.ts";
import { connect, httpUrl, startGateway, waitFor, wsUrl } from "./_client.ts";
import { rawUpgrade, upgradeStatus } from "./_raw_client.ts";

Deno.test("authenticate can refuse an upgrade with its own response", async (t) => {
  const authenticate: Authenticate = (request) => {
    const token = new URL(request.url).searchParams.get("token");
    if (token === "expired") return new Response("token expired", { status: 401 });
    if (token === "banned") return new Response("banned", { status: 403 });
    if (token === "none") return false;
    if (token === "crash") throw new Error("auth backend down");
    return { userId: `user-${token}` };
  };
  const server = await startGateway({ authenticate });
  try {
    await t.step("a Response refuses with its own status", async () => {
      const refused = await rawUpgrade(server.addr.port, "/ws?token=expired");
      refused.conn.close();
      assert.equal(refused.status, 401);
      assert.equal(await upgradeStatus(server.addr.port, "/ws?token=banned"), 403);
    });

    await t.step("false refuses with 401", async () => {
      assert.equal(await upgradeStatus(server.addr.port, "/ws?token=none"), 401);
    });

    await t.step("a throwing authenticate refuses with 500", async () => {
      assert.equal(await upgradeStatus(server.addr.port, "/ws?token=crash"), 500);
    });

    await t.step("a WebSocket client sees the refusal as a failed connection", async () => {
      await assert.rejects(connect(wsUrl(server) + "?token=banned"), /upgrade .* failed/);
      assert.equal(server.gateway.stats().connections, 0);
    });

    await t.step("an accepted upgrade answers 101", async () => {
      const accepted = await rawUpgrade(server.addr.port, "/ws?token=ok");
      accepted.conn.close();
      assert.equal(accepted.status, 101);
      assert.equal(accepted.headers.get("upgrade")?.toLowerCase(), "websocket");
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("the identity from authenticate reaches the tower and every hook", async () => {
  const seen: string[] = [];
  let tower: Tower | undefined;
  const server = await startGateway({
    authenticate: () => ({ userId: "alice", clientId: "alice-phone", metadata: { plan: "pro" } }),
    hooks: {
      onConnect: (t) => void (tower = t),
      onSubscribe: (t, context) =>
        void seen.push(`${context.userId}/${context.clientId}/${t.metadata.plan}`),
      onRead: (_t, fire) => void seen.push(`${fire.context.userId}/${fire.context.clientId}`),
    },
  });
  const client = await connect(wsUrl(server));
  try {
    client.send({ type: "subscribe", topic: "t" });
    await client.expect({ type: "subscribed" });
    client.send({ type: "publish", topic: "t", data: 1 });
    await client.expect({ type: "publish", data: 1 });
    assert.equal(tower!.userId, "alice");
    assert.equal(tower!.clientId, "alice-phone");
    assert.deepEqual(tower!.metadata, { plan: "pro" });
    assert.deepEqual(seen, ["alice/alice-phone/pro", "alice/alice-phone"]);
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("allowedOrigins refuses upgrades from other origins with 403", async (t) => {
  const server = await startGateway({ allowedOrigins: ["https://app.example"] });
  try {
    await t.step("a foreign Origin gets 403", async () => {
      const status = await upgradeStatus(server.addr.port, "/ws", {
        Origin: "https://evil.example",
      });
      assert.equal(status, 403);
      await assert.rejects(
        connect(wsUrl(server), { headers: { origin: "https://evil.example" } }),
        /failed/,
      );
    });

    await t.step("a listed Origin is upgraded", async () => {
      const status = await upgradeStatus(server.addr.port, "/ws", {
        Origin: "https://app.example",
      });
      assert.equal(status, 101);
      const client = await connect(wsUrl(server), { headers: { origin: "https://app.example" } });
      client.send({ type: "subscribe", topic: "o" });
      await client.expect({ type: "subscribed", topic: "o" });
      await client.close();
    });

    await t.step("a request without Origin (not a browser) is upgraded", async () => {
      assert.equal(await upgradeStatus(server.addr.port, "/ws"), 101);
    });
  } finally {
    await server.shutdown();
  }
});

Deno.test("the server answers HTTP requests that are not upgrades", async (t) => {
  const server = await startGateway({
    path: "/push",
    fallback: (request) =>
      new URL(request.url).pathname === "/hello" ? new Response("hi") : new Response("nope", {
        status: 404,
      }),
  });
  const client = await connect(wsUrl(server, "/push"));
  try {
    await t.step("/healthz says ok", async () => {
      const response = await fetch(httpUrl(server, "/healthz"));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "ok");
    });

    await t.step("/metrics serves Prometheus text with live gauges", async () => {
      client.send({ type: "subscribe", topic: "m1,m2" });
      await client.expect({ type: "subscribed" });
      await waitFor(() => server.gateway.stats().topics === 2, "two topics");
      const response = await fetch(httpUrl(server, "/metrics"));
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
      const text = await response.text();
      assert.match(text, /^# TYPE firetower_connections gauge$/m);
      assert.match(text, /^firetower_connections 1$/m);
      assert.match(text, /^firetower_topics 2$/m);
      assert.match(text, /^firetower_actor_actors\{kind="reader"\} 1$/m);
    });

    await t.step("a plain GET on the WebSocket path gets 426", async () => {
      const response = await fetch(httpUrl(server, "/push"));
      assert.equal(response.status, 426);
      await response.body?.cancel();
    });

    await t.step("the WebSocket path is configurable", async () => {
      assert.equal(await upgradeStatus(server.addr.port, "/ws"), 404);
    });

    await t.step("other paths go to the fallback", async () => {
      const hello = await fetch(httpUrl(server, "/hello"));
      assert.equal(await hello.text(), "hi");
      const missing = await fetch(httpUrl(server, "/missing"));
      assert.equal(missing.status, 404);
      await missing.body?.cancel();
    });
  } finally {
    await client.close();
    await server.shutdown();
  }
});

Deno.test("without a fallback, unknown paths get 404", async () => {
  const server = await startGateway();
  try {
    const response = await fetch(httpUrl(server, "/nothing"));
    assert.equal(response.status, 404);
    await response.body?.cancel();
  } finally {
    await server.shutdown();
  }
});
