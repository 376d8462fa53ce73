import assert from "node:assert/strict";
import type { ActorRef } from "../../actors/actor.ts";
import { silentLogger } from "../../actors/logger.ts";
import { ManualClock } from "../../actors/manual_clock.ts";
import { ActorSystem } from "../../actors/system.ts";
import { flush } from "./_support.ts";

Deno.test("an inline actor handles a message to it while idle before tell() returns", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  const seen: number[] = [];
  const ref = system.spawn<number>(() => ({ receive: (n) => void seen.push(n) }), {
    dispatch: "inline",
  });
  assert.equal(ref.tell(1), true);
  assert.deepEqual(seen, [1], "handled on the sender's stack");
  ref.tell(2);
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(ref.stats(), {
    received: 2,
    processed: 2,
    dropped: 0,
    failed: 0,
    restarts: 0,
    depth: 0,
    highWater: 0,
  });
  await system.shutdown();
});

Deno.test("a queued actor handles nothing before tell() returns", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  const seen: number[] = [];
  const ref = system.spawn<number>(() => ({ receive: (n) => void seen.push(n) }));
  ref.tell(1);
  assert.deepEqual(seen, []);
  await flush();
  assert.deepEqual(seen, [1]);
  await system.shutdown();
});

Deno.test("messages told to an inline actor while it handles one queue behind it, in order", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  const seen: number[] = [];
  const ref: ActorRef<number> = system.spawn<number>(() => ({
    receive(n) {
      seen.push(n);
      if (n === 1) {
        ref.tell(3); // re-entrant: must not run inside this handler
        ref.tell(4);
        seen.push(2);
      }
    },
  }), { dispatch: "inline" });
  ref.tell(1);
  assert.deepEqual(seen, [1, 2], "the re-entrant tells are queued, not nested");
  assert.equal(ref.stats().depth, 2);
  assert.equal(ref.depth, 2, "the depth getter agrees with the snapshot");
  await flush();
  assert.deepEqual(seen, [1, 2, 3, 4]);
  await system.shutdown();
});

Deno.test("an inline actor busy with an async handler queues later messages in order", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  const seen: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  const ref = system.spawn<string>(() => ({
    async receive(m) {
      seen.push(`start ${m}`);
      if (m === "a") await gate;
      seen.push(`end ${m}`);
    },
  }), { dispatch: "inline" });
  ref.tell("a");
  ref.tell("b");
  ref.tell("c");
  assert.deepEqual(seen, ["start a"]);
  release();
  await flush(3);
  assert.deepEqual(seen, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  await system.shutdown();
});

Deno.test("a failing inline handler goes to the supervisor, not to the sender", async () => {
  const clock = new ManualClock();
  const system = new ActorSystem({
    logger: silentLogger,
    clock,
    supervisor: { backoff: { minMs: 5, maxMs: 5, jitter: 0 } },
  });
  let instances = 0;
  const seen: string[] = [];
  const ref = system.spawn<string>(() => {
    instances++;
    return {
      receive(m) {
        if (m === "boom") throw new Error("handler bug");
        seen.push(m);
      },
    };
  }, { dispatch: "inline" });
  assert.equal(ref.tell("boom"), true, "tell() neither throws nor refuses");
  ref.tell("after");
  assert.deepEqual(seen, [], "suspended until the restart");
  clock.advance(5);
  await flush();
  assert.equal(instances, 2);
  assert.deepEqual(seen, ["after"]);
  assert.equal(ref.stats().failed, 1);
  assert.equal(ref.stats().restarts, 1);
  await system.shutdown();
});

Deno.test("spawn() rejects an unknown dispatch mode, naming it", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  assert.throws(
    () => system.spawn(() => ({ receive() {} }), { dispatch: "eager" as "inline" }),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message ===
        `Cannot spawn actor as 'dispatch' must be "queued" or "inline": current value is eager`,
  );
  await system.shutdown();
});
