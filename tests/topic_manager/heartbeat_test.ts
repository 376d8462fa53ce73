import assert from "node:assert/strict";
import { eventually, RawGateway, recordingLogger, sleep, startTestTm } from "./_support.ts";

Deno.test("a gateway that goes silent is forgotten within the heartbeat timeout", async () => {
  const { logger, events } = recordingLogger();
  const tm = await startTestTm({ logger, heartbeatMs: 50, heartbeatTimeoutMs: 300 });
  const silent = await RawGateway.connect(tm, "silent");
  const alive = await RawGateway.connect(tm, "alive");
  const beat = setInterval(() => alive.send({ t: "hb" }), 50);
  try {
    silent.send({ t: "subs", counts: [["x", 2], ["y", 1]] });
    alive.send({ t: "subs", counts: [["y", 1]] });
    await eventually(() => assert.equal(tm.table.count("y"), 2));
    const started = performance.now();
    await eventually(() => assert.deepEqual(tm.gatewayIds(), ["alive"]), 2000);
    const took = performance.now() - started;
    assert.ok(took < 1000, `forgotten after ${Math.round(took)} ms`);
    assert.equal(tm.table.has("x"), false, "the silent gateway's routes are gone");
    assert.equal(tm.table.count("y"), 1);
    assert.equal(tm.counters.heartbeatTimeouts, 1);
    assert.ok(events.some((e) => e.message === "gateway heartbeat timeout; disconnecting"));
    await eventually(() => assert.ok(silent.ended, "the TM closed the silent socket"));
    assert.ok(alive.of("hb").length > 0, "the TM sends heartbeats too");
    await sleep(100);
    assert.equal(alive.ended, false);
  } finally {
    clearInterval(beat);
    await silent.close();
    await alive.close();
    await tm.close();
  }
});
