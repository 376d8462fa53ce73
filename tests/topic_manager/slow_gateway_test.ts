import assert from "node:assert/strict";
import { encodeFrame } from "../../topic_manager/wire.ts";
import { eventually, pub, rawAuthenticated, RawGateway, sleep, startTestTm } from "./_support.ts";

Deno.test("a gateway that stops reading gets frames dropped, then is disconnected, without slowing the others", async () => {
  const tm = await startTestTm({ gatewayQueueSize: 16, slowGatewayMs: 300 });
  const slow = await rawAuthenticated(tm, "slow");
  const fast = await RawGateway.connect(tm, "fast");
  const publisher = await RawGateway.connect(tm, "publisher");
  try {
    await slow.write(encodeFrame({ t: "subs", counts: [["flood", 1]] }));
    fast.send({ t: "subs", counts: [["flood", 1]] });
    await eventually(() => assert.equal(tm.table.count("flood"), 2));
    const payload = "x".repeat(64 * 1024);
    let sent = 0;
    const deadline = Date.now() + 15_000;
    while (tm.counters.slowDisconnects === 0 && Date.now() < deadline) {
      for (let i = 0; i < 8; i++, sent++) publisher.send(pub("publisher", "flood", payload));
      await sleep(5);
    }
    assert.equal(tm.counters.slowDisconnects, 1, "the slow gateway was disconnected");
    assert.ok(tm.counters.dropped > 0, "frames for the slow gateway were dropped and counted");
    await eventually(() => assert.deepEqual(tm.gatewayIds().sort(), ["fast", "publisher"]));
    assert.equal(tm.table.countOf("slow", "flood"), 0);
    await eventually(() => assert.ok(fast.of("pub").length >= sent * 0.9), 5000);
    assert.equal(fast.ended, false, "the fast gateway stays connected");
  } finally {
    slow.close();
    await fast.close();
    await publisher.close();
    await tm.close();
  }
});
