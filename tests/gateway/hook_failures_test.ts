import assert from "node:assert/strict";
import { connect, startGateway, waitFor, wsUrl } from "./_client.ts";

/** A gateway whose read hook throws on every publish of "boom". */
function serveThrowing() {
  return startGateway({
    hooks: {
      onRead: (_tower, fire) => {
        if (fire.data === "boom") throw new Error("hook bug");
        return true;
      },
    },
  });
}

Deno.test("a throwing hook costs the client one internal error, not its connection", async () => {
  const server = await serveThrowing();
  const victim = await connect(wsUrl(server));
  const bystander = await connect(wsUrl(server));
  try {
    for (const client of [victim, bystander]) {
      client.send({ type: "subscribe", topic: "t" });
      await client.expect({ type: "subscribed", topic: "t" });
    }
    victim.send({ type: "publish", topic: "t", data: "boom" });
    const error = await victim.expect({ type: "error" });
    assert.equal(error.code, "internal");
    await waitFor(
      () => (server.gateway.stats().actors.kinds.reader?.restarts ?? 0) === 1,
      "the reader actor to be restarted once",
    );
    assert.equal(server.gateway.stats().actors.kinds.reader.failed, 1);

    victim.send({ type: "publish", topic: "t", data: "after the crash" });
    await victim.expect({ type: "publish", data: "after the crash" });
    await bystander.expect({ type: "publish", data: "after the crash" });
    bystander.send({ type: "publish", topic: "t", data: "bystander" });
    await victim.expect({ type: "publish", data: "bystander" });
    assert.equal(victim.count({ type: "publish", data: "boom" }), 0);
    assert.equal(server.gateway.stats().connections, 2);
  } finally {
    await victim.close();
    await bystander.close();
    await server.shutdown();
  }
});

Deno.test("a hook that keeps throwing past the restart budget closes only its connection with 1011", async () => {
  const server = await serveThrowing();
  const victim = await connect(wsUrl(server));
  const bystander = await connect(wsUrl(server));
  try {
    bystander.send({ type: "subscribe", topic: "t" });
    await bystander.expect({ type: "subscribed", topic: "t" });
    // The default budget is 10 restarts in 10 s with backoff from 10 ms; the
    // 11th failure stops the reader.
    for (let i = 0; i < 15; i++) victim.send({ type: "publish", topic: "t", data: "boom" });
    assert.equal(await victim.waitClosed(15_000), 1011);
    assert.ok(victim.count({ type: "error", code: "internal" }) >= 10);
    // 10 unless backoff jitter stretched the failures past the 10 s window.
    const restarts = server.gateway.stats().actors.kinds.reader.restarts;
    assert.ok(restarts >= 10 && restarts <= 12, `restarts: ${restarts}`);
    await waitFor(() => server.gateway.stats().connections === 1, "the victim to be gone");

    bystander.send({ type: "publish", topic: "t", data: "unaffected" });
    await bystander.expect({ type: "publish", data: "unaffected" });
  } finally {
    await victim.close();
    await bystander.close();
    await server.shutdown();
  }
});
