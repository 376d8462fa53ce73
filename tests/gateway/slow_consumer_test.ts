import assert from "node:assert/strict";
import { connect, startGateway, waitFor, wsUrl } from "./_client.ts";
import { RawWebSocket } from "./_raw_client.ts";

Deno.test("a client that stops reading is dropped from, then closed with 4000, while others get everything", async () => {
  const server = await startGateway({
    limits: { maxBufferedBytes: 256 * 1024, sendQueueSize: 16, slowConsumerTimeoutMs: 300 },
  });
  const fast = await connect(wsUrl(server));
  const slow = await RawWebSocket.connect(server.addr.port);
  try {
    fast.send({ type: "subscribe", topic: "firehose" });
    await fast.expect({ type: "subscribed", topic: "firehose" });
    await slow.sendText(JSON.stringify({ type: "subscribe", topic: "firehose" }));
    await slow.readText((text) => text.includes('"subscribed"'), "the slow client's ack");
    // From here on the slow client reads nothing: the server's buffers fill up.

    const pad = "x".repeat(64 * 1024);
    let published = 0;
    let slowest = 0;
    const minimum = 100;
    while (published < minimum || server.gateway.stats().slowClosed === 0) {
      assert.ok(published < 3000, "the slow consumer was never closed");
      const seq = published++;
      const started = performance.now();
      await server.gateway.publish("firehose", { seq, pad });
      await fast.next(
        (frame) => (frame.data as { seq: number }).seq === seq,
        `publication ${seq} at the fast client`,
        1000,
      );
      slowest = Math.max(slowest, performance.now() - started);
    }

    const stats = server.gateway.stats();
    assert.equal(stats.slowClosed, 1);
    assert.ok(stats.dropped > 0, "sends to the slow client were dropped");
    assert.ok(slowest < 1000, `every publication reached the fast client promptly (${slowest} ms)`);
    const seqs = fast.received
      .map((raw) => JSON.parse(raw as string))
      .filter((frame) => frame.type === "publish")
      .map((frame) => frame.data.seq);
    assert.deepEqual(seqs, Array.from({ length: published }, (_, i) => i));
    assert.equal(stats.connections, 1);
    assert.equal(await server.gateway.getConnectNum("firehose"), 1);

    // The fast client is untouched by the close.
    await server.gateway.publish("firehose", "after");
    await fast.expect({ type: "publish", data: "after" });
    assert.equal(fast.socket.readyState, WebSocket.OPEN);

    // Reading at last, the slow client finds fewer publications, then 4000.
    const { code, frames } = await slow.drainUntilClose();
    assert.equal(code, 4000);
    assert.ok(frames < published, `the slow client got ${frames} of ${published}`);
    await waitFor(() => server.gateway.stats().slowClosed === 1, "one slow close only");
  } finally {
    slow.close();
    await fast.close();
    await server.shutdown();
  }
});
