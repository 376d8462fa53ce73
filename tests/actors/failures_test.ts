import assert from "node:assert/strict";
import { ActorSystem, ManualClock, silentLogger } from "../../mod.ts";
import { flush, recordingLogger } from "./_support.ts";

Deno.test("a rejecting async handler is handled by supervision", async () => {
  const clock = new ManualClock();
  const system = new ActorSystem({ logger: silentLogger, clock, random: () => 0 });
  let factoryCalls = 0;
  const seen: string[] = [];
  const ref = system.spawn<string>(() => {
    factoryCalls++;
    return {
      async receive(msg) {
        await Promise.resolve();
        if (msg === "reject") throw new Error("async failure");
        seen.push(msg);
      },
    };
  });
  ref.tell("a");
  ref.tell("reject");
  ref.tell("b");
  await flush();
  assert.deepEqual(seen, ["a"]);
  assert.equal(ref.stats().failed, 1);
  assert.deepEqual(clock.pendingDelays(), [10]);
  clock.advance(10);
  await flush();
  assert.equal(factoryCalls, 2);
  assert.deepEqual(seen, ["a", "b"]);
  assert.deepEqual(
    [ref.stats().processed, ref.stats().failed, ref.stats().restarts],
    [3, 1, 1],
  );
  await system.shutdown();
});

Deno.test("a throwing preStart is handled by supervision", async (t) => {
  await t.step("at spawn: the actor restarts and then handles its queue", async () => {
    const clock = new ManualClock();
    const system = new ActorSystem({ logger: silentLogger, clock, random: () => 0 });
    let factoryCalls = 0;
    const seen: number[] = [];
    const ref = system.spawn<number>(() => {
      const instance = ++factoryCalls;
      return {
        preStart() {
          if (instance === 1) throw new Error("preStart failed");
        },
        receive: (n) => void seen.push(n),
      };
    });
    assert.equal(ref.stats().failed, 1);
    assert.equal(ref.tell(1), true);
    await flush();
    assert.deepEqual(seen, [], "nothing is handled while suspended");
    clock.advance(10);
    await flush();
    assert.equal(factoryCalls, 2);
    assert.deepEqual(seen, [1]);
    assert.equal(ref.stats().restarts, 1);
    await system.shutdown();
  });

  await t.step("always: restarts up to the intensity, then the actor stops", async () => {
    const clock = new ManualClock();
    const system = new ActorSystem({
      logger: silentLogger,
      clock,
      supervisor: { maxRestarts: 3, backoff: { minMs: 1, maxMs: 1, jitter: 0 } },
    });
    let factoryCalls = 0;
    const ref = system.spawn<number>(() => {
      factoryCalls++;
      return {
        preStart() {
          throw new Error("never starts");
        },
        receive() {},
      };
    });
    for (let i = 0; i < 3; i++) clock.advance(1);
    await flush();
    assert.equal(factoryCalls, 4);
    assert.equal(ref.stats().failed, 4);
    assert.equal(ref.stopped, true);
    assert.deepEqual(clock.pendingDelays(), []);
    await system.shutdown();
  });
});

Deno.test("a factory that throws at spawn throws from spawn() and leaves no actor", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  assert.throws(
    () =>
      system.spawn(() => {
        throw new Error("no actor today");
      }, { kind: "broken" }),
    { message: "no actor today" },
  );
  const snapshot = system.snapshot();
  assert.equal(snapshot.total.actors, 0);
  assert.equal(snapshot.kinds.broken, undefined);
  await system.shutdown();
});

Deno.test("a factory that throws at restart counts as another failure", async () => {
  const clock = new ManualClock();
  const { logger, events } = recordingLogger();
  const system = new ActorSystem({
    logger,
    clock,
    supervisor: { maxRestarts: 3, backoff: { minMs: 0, maxMs: 0 } },
  });
  let factoryCalls = 0;
  let stops = 0;
  const ref = system.spawn<number>(() => {
    if (++factoryCalls > 1) throw new Error("cannot rebuild");
    return {
      receive() {
        throw new Error("first failure");
      },
      postStop: () => void stops++,
    };
  });
  ref.tell(1);
  await flush();
  assert.equal(factoryCalls, 4, "3 restart attempts");
  assert.equal(ref.stats().failed, 4);
  assert.equal(ref.stopped, true);
  assert.equal(stops, 1, "postStop ran on the last live instance");
  assert.ok(events.some((e) => e.message === "actor exceeded its restart intensity; escalating"));
  await system.shutdown();
});

Deno.test("throwing lifecycle hooks are logged and do not stop the runtime", async (t) => {
  await t.step("preRestart", async () => {
    const { logger, events } = recordingLogger();
    const system = new ActorSystem({
      logger,
      clock: new ManualClock(),
      supervisor: { backoff: { minMs: 0, maxMs: 0 } },
    });
    let factoryCalls = 0;
    const ref = system.spawn<number>(() => {
      factoryCalls++;
      return {
        receive(n) {
          if (n < 0) throw new Error("negative");
        },
        preRestart() {
          throw new Error("hook failed");
        },
      };
    });
    ref.tell(-1);
    ref.tell(1);
    await flush();
    assert.equal(factoryCalls, 2);
    assert.equal(ref.stats().processed, 2);
    assert.ok(events.some((e) => e.message === "actor preRestart failed"));
    await system.shutdown();
  });

  await t.step("postStop", async () => {
    const { logger, events } = recordingLogger();
    const system = new ActorSystem({ logger });
    const ref = system.spawn<number>(() => ({
      receive() {},
      postStop() {
        return Promise.reject(new Error("cleanup failed"));
      },
    }));
    await ref.stop();
    assert.equal(ref.stopped, true);
    const event = events.find((e) => e.message === "actor postStop failed");
    assert.ok(event);
    assert.equal((event.fields?.error as Error).message, "cleanup failed");
    await system.shutdown();
  });
});
