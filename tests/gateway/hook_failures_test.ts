import assert from "node:assert/strict";
import { connect, startGateway, waitFor, wsUrl } from "./_client.ts";

/** A gateway whose read hook throws on every publish of "boom". */
// A small, deterministic budget: 3 restarts, 1 ms apart, no jitter.
const BUDGET = { maxRestarts: 3, withinMs: 60_000, backoff: { minMs: 1, maxMs: 1, jitter: 0 } };

function serveThrowing() {
  return startGateway({
    supervisor: BUDGET,
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
    // With a budget of 3 restarts, the 4th failure stops the reader.
    for (let i = 0; i < 6; i++) victim.send({ type: "publish", topic: "t", data: "boom" });
    assert.equal(await victim.waitClosed(5_000), 1011);
    assert.equal(victim.count({ type: "error", code: "internal" }), 4);
    assert.equal(server.gateway.stats().actors.kinds.reader.restarts, BUDGET.maxRestarts);
    await waitFor(() => server.gateway.stats().connections === 1, "the victim to be gone");

    bystander.send({ type: "publish", topic: "t", data: "unaffected" });
    await bystander.expect({ type: "publish", data: "unaffected" });
  } finally {
    await victim.close();
    await bystander.close();
    await server.shutdown();
  }
});
