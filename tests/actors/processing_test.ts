import assert from "node:assert/strict";
import { ActorSystem, ManualClock, silentLogger } from "../../mod.ts";
import { deferred, flush } from "./_support.ts";

Deno.test("an actor handles many messages one at a time, in the order told", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  const seen: number[] = [];
  const done = deferred();
  const count = 10_000;
  const ref = system.spawn<number>(() => ({
    receive(n) {
      seen.push(n);
      if (n === count - 1) done.resolve();
    },
  }), { mailboxSize: count });
  for (let i = 0; i < count; i++) assert.equal(ref.tell(i), true);
  await done.promise;
  assert.equal(seen.length, count);
  assert.ok(seen.every((value, index) => value === index));
  const stats = ref.stats();
  assert.equal(stats.received, count);
  assert.equal(stats.processed, count);
  assert.equal(stats.depth, 0);
  assert.equal(stats.highWater, count);
  await system.shutdown();
});

Deno.test("an async handler is awaited before the next message starts", async (t) => {
  await t.step("steps of consecutive messages never interleave", async () => {
    const system = new ActorSystem({ logger: silentLogger });
    const trace: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const ref = system.spawn<string>(() => ({
      async receive(msg) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        trace.push(`${msg}:start`);
        await Promise.resolve();
        trace.push(`${msg}:middle`);
        await new Promise((resolve) => setTimeout(resolve, 0));
        trace.push(`${msg}:end`);
        inFlight--;
      },
    }));
    ref.tell("a");
    ref.tell("b");
    ref.tell("c");
    await flush(10);
    assert.deepEqual(trace, [
      "a:start",
      "a:middle",
      "a:end",
      "b:start",
      "b:middle",
      "b:end",
      "c:start",
      "c:middle",
      "c:end",
    ]);
    assert.equal(maxInFlight, 1);
    assert.equal(ref.stats().processed, 3);
    await system.shutdown();
  });

  await t.step("a message told while a handler is pending waits for it", async () => {
    const system = new ActorSystem({ logger: silentLogger });
    const gate = deferred();
    const trace: string[] = [];
    const ref = system.spawn<string>(() => ({
      async receive(msg) {
        trace.push(`${msg}:start`);
        if (msg === "slow") await gate.promise;
        trace.push(`${msg}:end`);
      },
    }));
    ref.tell("slow");
    await flush();
    ref.tell("fast");
    await flush();
    assert.deepEqual(trace, ["slow:start"]);
    assert.equal(ref.stats().depth, 1);
    gate.resolve();
    await flush();
    assert.deepEqual(trace, ["slow:start", "slow:end", "fast:start", "fast:end"]);
    await system.shutdown();
  });

  await t.step("another actor keeps working while one awaits", async () => {
    const system = new ActorSystem({ logger: silentLogger });
    const gate = deferred();
    const trace: string[] = [];
    const slow = system.spawn<string>(() => ({
      async receive(msg) {
        await gate.promise;
        trace.push(`slow:${msg}`);
      },
    }));
    const fast = system.spawn<string>(() => ({ receive: (msg) => void trace.push(`fast:${msg}`) }));
    slow.tell("1");
    fast.tell("1");
    fast.tell("2");
    await flush();
    assert.deepEqual(trace, ["fast:1", "fast:2"]);
    gate.resolve();
    await flush();
    assert.deepEqual(trace, ["fast:1", "fast:2", "slow:1"]);
    await system.shutdown();
  });
});

Deno.test("a busy actor yields to others after `throughput` messages", async () => {
  const system = new ActorSystem({ logger: silentLogger, throughput: 2 });
  const trace: string[] = [];
  const a = system.spawn<number>(() => ({ receive: (n) => void trace.push(`a${n}`) }));
  const b = system.spawn<number>(() => ({ receive: (n) => void trace.push(`b${n}`) }));
  for (let i = 1; i <= 4; i++) a.tell(i);
  for (let i = 1; i <= 4; i++) b.tell(i);
  await flush();
  assert.deepEqual(trace, ["a1", "a2", "b1", "b2", "a3", "a4", "b3", "b4"]);
  await system.shutdown();
});

Deno.test("a dispatcher turn over budget yields and still processes everything", async () => {
  const system = new ActorSystem({ logger: silentLogger, throughput: 10, turnBudget: 25 });
  const counts = [0, 0, 0];
  const refs = counts.map((_, i) =>
    system.spawn<number>(() => ({ receive: () => void counts[i]++ }), { mailboxSize: 100 })
  );
  for (const ref of refs) for (let n = 0; n < 100; n++) ref.tell(n);
  await flush(5);
  assert.deepEqual(counts, [100, 100, 100]);
  await system.shutdown();
});

Deno.test("idle actors hold no pending work: no timer, immediate or microtask", async () => {
  const clock = new ManualClock();
  const system = new ActorSystem({ logger: silentLogger, clock });
  let handled = 0;
  const refs = Array.from(
    { length: 1000 },
    () => system.spawn<number>(() => ({ receive: () => void handled++ })),
  );
  for (const ref of refs) ref.tell(1);
  await flush();
  assert.equal(handled, 1000);
  assert.deepEqual(clock.pendingDelays(), []);

  // Watch every way the runtime could schedule work while the actors sit idle.
  const scheduled: string[] = [];
  const original = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
    queueMicrotask: globalThis.queueMicrotask,
  };
  const spy = <F extends (...args: never[]) => unknown>(name: string, fn: F): F =>
    ((...args: Parameters<F>) => {
      scheduled.push(name);
      return fn(...args);
    }) as F;
  globalThis.setTimeout = spy("setTimeout", original.setTimeout);
  globalThis.setInterval = spy("setInterval", original.setInterval);
  globalThis.setImmediate = spy("setImmediate", original.setImmediate);
  globalThis.queueMicrotask = spy("queueMicrotask", original.queueMicrotask);
  try {
    await new Promise((resolve) => original.setTimeout(resolve, 0));
    await new Promise((resolve) => original.setTimeout(resolve, 0));
  } finally {
    Object.assign(globalThis, original);
  }
  assert.deepEqual(scheduled, []);
  assert.deepEqual(clock.pendingDelays(), []);
  assert.equal(system.snapshot().total.depth, 0);
  await system.shutdown();
});
