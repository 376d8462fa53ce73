/**
 * The load generator must count exactly: against the naive reference server, every publish
 * reaches every subscriber once, in order, and the books say so. A generator that miscounts
 * would make every benchmark figure meaningless.
 */
import assert from "node:assert/strict";
import { scanDeliveries } from "../../bench/load/envelope_scanner.ts";
import { readLines } from "../../bench/load/line_reader.ts";
import type { LoadResult } from "../../bench/load/load_result.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function withReferenceServer(run: (port: number) => Promise<void>): Promise<void> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/reference_server.ts", "--port", "0", "--host", "0.0.0.0"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = readLines(server.stdout);
  try {
    const { value } = await lines.next();
    const port = Number(/:(\d+)\/ws/.exec(value ?? "")?.[1]);
    assert.ok(port > 0, `no ready line from the reference server: ${value}`);
    await run(port);
  } finally {
    server.kill("SIGTERM");
    await server.status;
    for await (const _ of lines) { /* drain to close the pipe */ }
  }
}

async function runGenerator(args: string[]): Promise<LoadResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "bench/load/main.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0, "the load generator failed");
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.equal(lines.length, 1, "the generator must print exactly one line on stdout");
  return JSON.parse(lines[0]) as LoadResult;
}

Deno.test("load generator counts every delivery exactly once against the reference server", async (t) => {
  await withReferenceServer(async (port) => {
    await t.step("50 subscribers x 200 messages, one worker", async () => {
      const result = await runGenerator([
        ...["--port", `${port}`, "--subscribers", "50", "--messages", "200"],
        ...["--inflight", "4", "--warmup", "0", "--duration", "15"],
      ]);
      assert.equal(result.published, 200);
      assert.equal(result.deliveries, 50 * 200, "publisher echoes are not counted");
      assert.equal(result.lost, 0);
      assert.equal(result.duplicated, 0);
      assert.equal(result.out_of_order, 0);
      assert.equal(result.misrouted, 0);
      assert.equal(result.closed_unexpectedly, 0);
      assert.ok(result.latency_ms.p50 > 0 && result.latency_ms.p50 <= result.latency_ms.max);
    });
    await t.step("two workers on two addresses, three topics, three publishers", async () => {
      const result = await runGenerator([
        ...["--port", `${port}`, "--subscribers", "60", "--topics", "3", "--publishers", "3"],
        ...["--messages", "100", "--workers", "2", "--warmup", "0", "--duration", "15"],
      ]);
      assert.equal(result.workers, 2);
      assert.equal(result.published, 300);
      // Each subscriber hears only its topic's publisher: 60 x 100.
      assert.equal(result.deliveries, 60 * 100);
      assert.equal(result.lost + result.duplicated + result.out_of_order + result.misrouted, 0);
    });
  });
});

Deno.test("scan_deliveries finds every envelope of a batched frame, in any field order", () => {
  const frame = '[{"type":"publish","topic":"t0","data":{"i":2,"s":7,"t":1.5,"p":"xx"}},' +
    '{"data":{"i":3,"s":8,"t":1700000000000.25,"p":""},"type":"publish","topic":"t0","id":9}]';
  const bytes = new TextEncoder().encode(frame);
  const seen: number[][] = [];
  const count = scanDeliveries(bytes, 0, bytes.length, {
    on_delivery: (publisher, seq, sent_at) => seen.push([publisher, seq, sent_at]),
  });
  assert.equal(count, 2);
  assert.deepEqual(seen, [[2, 7, 1.5], [3, 8, 1700000000000.25]]);
});
