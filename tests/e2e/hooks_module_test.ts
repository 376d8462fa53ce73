import assert from "node:assert/strict";
import { authenticate, hooks, mayUse, signToken } from "../../examples/hooks.ts";
import { serveGateway, silentLogger, type Tower } from "../../mod.ts";

function upgradeRequest(query: string): Request {
  return new Request(`http://127.0.0.1:9999/ws${query}`, {
    headers: { upgrade: "websocket", connection: "Upgrade" },
  });
}

Deno.test("examples/hooks.ts authenticate() accepts only tokens it signed", async (t) => {
  const alice = await signToken("alice");
  const bob = await signToken("bob");

  await t.step("a signed token names its user", async () => {
    assert.deepEqual(await authenticate(upgradeRequest(`?token=${alice}`)), { userId: "alice" });
  });

  for (
    const [why, query] of [
      ["no token", ""],
      ["an empty token", "?token="],
      ["a token without signature", "?token=alice"],
      ["another user's signature", `?token=alice.${bob.split(".")[1]}`],
      ["a tampered signature", `?token=${alice.slice(0, -2)}xx`],
      ["a signature that is not base64", "?token=alice.%%%"],
    ]
  ) {
    await t.step(`${why} is refused with 401`, async () => {
      const verdict = await authenticate(upgradeRequest(query));
      assert.ok(verdict instanceof Response, `expected a Response, got ${JSON.stringify(verdict)}`);
      assert.equal(verdict.status, 401);
    });
  }

  await t.step("signToken() refuses user ids that could not be parsed back", async () => {
    await assert.rejects(signToken("a.b"), {
      name: "RangeError",
      message:
        "Cannot sign a token as 'userId' must be 1 to 64 letters, digits, '_' or '-': current value is 'a.b'",
    });
  });
});

Deno.test("examples/hooks.ts beforeSubscribe() allows /public/ and the user's own topics", () => {
  const tower = { userId: "alice", clientId: "c1" } as unknown as Tower;
  const context = { id: "1", startTime: 0, clientId: "c1", userId: "alice" };
  const verdict = hooks.beforeSubscribe!(tower, context, [
    "/public/news",
    "/user/alice/inbox",
    "/user/bob/inbox",
    "/user/alice", // not under /user/alice/
    "/private/x",
  ]);
  assert.deepEqual(verdict, ["/public/news", "/user/alice/inbox"]);
  assert.equal(mayUse("alice", "/user/alicex/inbox"), false);
});

Deno.test("examples/hooks.ts drives a real gateway: 401 without token, forbidden topics refused", async () => {
  const server = await serveGateway({
    hostname: "127.0.0.1",
    port: 0,
    heartbeatIntervalMs: 0,
    logger: silentLogger,
    authenticate,
    hooks,
  });
  const base = `ws://127.0.0.1:${server.addr.port}/ws`;
  try {
    const refused = await fetch(base.replace("ws:", "http:"), {
      headers: { upgrade: "websocket", connection: "Upgrade" },
    });
    await refused.body?.cancel();
    assert.equal(refused.status, 401);

    const socket = new WebSocket(`${base}?token=${await signToken("alice")}`);
    const frames: Record<string, unknown>[] = [];
    const received = (count: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} frames, got ${JSON.stringify(frames)}`)),
          3000,
        );
        const check = (): void => {
          if (frames.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        };
        socket.addEventListener("message", check);
        check();
      });
    socket.addEventListener("message", (event) => frames.push(JSON.parse(event.data)));
    await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));

    socket.send(JSON.stringify({ type: "subscribe", topic: "/public/news,/user/bob/inbox" }));
    await received(2);
    assert.deepEqual(frames.splice(0), [
      {
        type: "error",
        code: "forbidden",
        message: "subscribing to '/user/bob/inbox' is not allowed",
        topic: "/user/bob/inbox",
      },
      { type: "subscribed", topic: "/public/news" },
    ]);

    socket.send(JSON.stringify({ type: "publish", topic: "/user/bob/inbox", data: "psst" }));
    socket.send(JSON.stringify({ type: "publish", topic: "/public/news", data: "hello" }));
    await received(2);
    assert.equal(frames[0].code, "forbidden");
    assert.equal(frames[0].message, "publishing to '/user/bob/inbox' is not allowed");
    assert.deepEqual({ ...frames[1], id: undefined }, {
      type: "publish",
      topic: "/public/news",
      data: "hello",
      id: undefined,
    });

    const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
    socket.close();
    await closed;
  } finally {
    await server.shutdown();
  }
});
