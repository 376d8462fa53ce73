import assert from "node:assert/strict";
import { eventually, RawGateway, startTestTm } from "./_support.ts";

Deno.test("the HTTP endpoint reports topics, gateways, metrics and health", async (t) => {
  const tm = await startTestTm({ httpPort: 0 });
  const base = `http://127.0.0.1:${tm.httpAddress!.port}`;
  const a = await RawGateway.connect(tm, "a");
  const b = await RawGateway.connect(tm, "b");
  try {
    a.send({ t: "subs", counts: [["quiet", 1], ["busy", 3]] });
    b.send({ t: "subs", counts: [["busy", 2]] });
    await eventually(() => assert.equal(tm.table.count("busy"), 5));
    await t.step("GET /topic lists topics by subscriber count, most first", async () => {
      const response = await fetch(`${base}/topic`);
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.deepEqual(await response.json(), [
        { topic: "busy", subscribers: 5 },
        { topic: "quiet", subscribers: 1 },
      ]);
    });
    await t.step("GET /gateways lists each gateway with its topic count and drops", async () => {
      const rows = await (await fetch(`${base}/gateways`)).json();
      const byId = Object.fromEntries(rows.map((r: { id: string }) => [r.id, r]));
      assert.equal(byId.a.topics, 2);
      assert.equal(byId.b.topics, 1);
      assert.equal(byId.a.droppedFrames, 0);
      assert.match(byId.a.address, /^127\.0\.0\.1:\d+$/);
    });
    await t.step("GET /metrics is Prometheus text", async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /^# TYPE firetower_tm_gateways gauge\nfiretower_tm_gateways 2$/m);
      assert.match(text, /^firetower_tm_topics 2$/m);
      assert.match(text, /^firetower_tm_frames_in_total \d+$/m);
      assert.match(text, /^firetower_tm_publishes_routed_per_second \d+$/m);
      assert.match(text, /^firetower_tm_bad_frames_total 0$/m);
    });
    await t.step("GET /healthz answers ok; unknown paths 404; POST 405", async () => {
      assert.equal(await (await fetch(`${base}/healthz`)).text(), "ok\n");
      const missing = await fetch(`${base}/nope`);
      await missing.body?.cancel();
      assert.equal(missing.status, 404);
      const post = await fetch(`${base}/topic`, { method: "POST" });
      await post.body?.cancel();
      assert.equal(post.status, 405);
    });
  } finally {
    await a.close();
    await b.close();
    await tm.close();
  }
});
