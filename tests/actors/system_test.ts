import assert from "node:assert/strict";
import {
  ActorSystem,
  type ActorSystemOptions,
  ManualClock,
  type OverflowPolicy,
  silentLogger,
  type SpawnOptions,
} from "../../mod.ts";
import { deferred, flush, recordingLogger } from "./_support.ts";

Deno.test("snapshot() aggregates counters per kind and keeps totals of stopped actors", async () => {
  const system = new ActorSystem({
    logger: silentLogger,
    clock: new ManualClock(),
    supervisor: { decider: () => "resume" },
  });
  const handler = {
    receive(n: number) {
      if (n === 99) throw new Error("bad");
    },
  };
  const c1 = system.spawn<number>(() => handler, { kind: "conn", mailboxSize: 2 });
  const c2 = system.spawn<number>(() => handler, { kind: "conn" });
  const gate = deferred();
  const t1 = system.spawn<number>(() => ({ receive: () => gate.promise }), {
    kind: "topic",
    mailboxSize: 5,
  });
  for (const n of [1, 2, 3]) c1.tell(n);
  c2.tell(1);
  for (const n of [1, 2, 3, 4]) t1.tell(n);
  await flush();
  c1.tell(99);
  await c2.stop();
  await flush();

  const snapshot = system.snapshot();
  assert.deepEqual(snapshot.kinds.conn, {
    actors: 1,
    received: 4,
    processed: 4,
    dropped: 1,
    failed: 1,
    restarts: 0,
    depth: 0,
    highWater: 2,
  });
  assert.deepEqual(snapshot.kinds.topic, {
    actors: 1,
    received: 4,
    processed: 0,
    dropped: 0,
    failed: 0,
    restarts: 0,
    depth: 3,
    highWater: 4,
  });
  assert.deepEqual(snapshot.total, {
    actors: 2,
    received: 8,
    processed: 4,
    dropped: 1,
    failed: 1,
    restarts: 0,
    depth: 3,
    highWater: 4,
  });
  assert.equal(snapshot.deadLetters, 1);
  assert.equal(snapshot.kinds.root, undefined, "the root guardian is not reported");

  gate.resolve();
  await flush();
  await system.shutdown();
  const after = system.snapshot();
  assert.deepEqual(after.total, {
    actors: 0,
    received: 8,
    processed: 8,
    dropped: 1,
    failed: 1,
    restarts: 0,
    depth: 0,
    highWater: 0,
  });
  assert.deepEqual(Object.keys(after.kinds).sort(), ["conn", "topic"]);
});

/** Dispatches a synthetic `unhandledrejection` and reports whether someone handled it. */
function dispatchRejection(reason: unknown): boolean {
  const promise = Promise.reject(reason);
  promise.catch(() => {});
  const event = new PromiseRejectionEvent("unhandledrejection", {
    promise,
    reason,
    cancelable: true,
  });
  globalThis.dispatchEvent(event);
  return event.defaultPrevented;
}

Deno.test("the system guard swallows unhandled rejections until shutdown", async (t) => {
  await t.step("a real unhandled rejection is logged, not fatal", async () => {
    const { logger, events } = recordingLogger();
    const system = new ActorSystem({ logger });
    Promise.reject(new Error("orphan"));
    await flush(2);
    const event = events.find((e) => e.message === "unhandled promise rejection");
    assert.ok(event);
    assert.equal((event.fields?.error as Error).message, "orphan");
    await system.shutdown();
  });

  await t.step("the guard is removed after shutdown", async () => {
    const { logger, events } = recordingLogger();
    const system = new ActorSystem({ logger });
    assert.equal(dispatchRejection("before"), true);
    await system.shutdown();
    assert.equal(dispatchRejection("after"), false);
    assert.deepEqual(events.map((e) => e.fields?.error), ["before"]);
  });

  await t.step("guardUnhandledRejections: false installs no guard", async () => {
    const system = new ActorSystem({ logger: silentLogger, guardUnhandledRejections: false });
    assert.equal(dispatchRejection("unguarded"), false);
    await system.shutdown();
  });
});

Deno.test("invalid spawn options throw a RangeError naming the option and value", async (t) => {
  const system = new ActorSystem({ logger: silentLogger });
  const cases: [SpawnOptions, RegExp][] = [
    [{ mailboxSize: 0 }, /'mailboxSize' must be a positive integer: current value is 0$/],
    [{ mailboxSize: -5 }, /'mailboxSize' .*current value is -5$/],
    [{ mailboxSize: 1.5 }, /'mailboxSize' .*current value is 1.5$/],
    [{ mailboxSize: NaN }, /'mailboxSize' .*current value is NaN$/],
    [
      { overflow: "dropAll" as OverflowPolicy },
      /'overflow' must be one of dropNewest, dropOldest, reject: current value is dropAll$/,
    ],
    [{ supervisor: { maxRestarts: -1 } }, /'maxRestarts' .*current value is -1$/],
    [{ supervisor: { withinMs: NaN } }, /'withinMs' .*current value is NaN$/],
    [{ supervisor: { backoff: { jitter: 2 } } }, /'backoff.jitter' .* 0 to 1: current value is 2$/],
    [
      { supervisor: { backoff: { minMs: 100, maxMs: 50 } } },
      /'backoff.maxMs' must be a number from 100 .*current value is 50$/,
    ],
    [
      { supervisor: { scope: "oneForSome" as "oneForOne" } },
      /'scope' must be one of oneForOne, oneForAll, restForOne: current value is oneForSome$/,
    ],
  ];
  for (const [options, message] of cases) {
    await t.step(JSON.stringify(options), () => {
      assert.throws(() => system.spawn(() => ({ receive() {} }), options), (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, /^Cannot (spawn actor|supervise) as /);
        assert.match(error.message, message);
        return true;
      });
    });
  }
  assert.equal(system.snapshot().total.actors, 0, "no actor was left behind");
  await system.shutdown();
});

Deno.test("invalid system options throw a RangeError and install no guard", async (t) => {
  const cases: [ActorSystemOptions, RegExp][] = [
    [
      { throughput: 0 },
      /^Cannot create actor system as 'throughput' must be a positive integer: current value is 0$/,
    ],
    [{ turnBudget: 2.5 }, /'turnBudget' .*current value is 2.5$/],
    [{ supervisor: { maxRestarts: -3 } }, /'maxRestarts' .*current value is -3$/],
  ];
  for (const [options, message] of cases) {
    await t.step(JSON.stringify(options), () => {
      assert.throws(() => new ActorSystem({ logger: silentLogger, ...options }), {
        name: "RangeError",
        message,
      });
      assert.equal(dispatchRejection("no guard"), false);
    });
  }
});

Deno.test("spawned actors get generated names and the default kind", async () => {
  const system = new ActorSystem({ logger: silentLogger });
  const a = system.spawn(() => ({ receive() {} }));
  const b = system.spawn(() => ({ receive() {} }), { name: "named", kind: "topic" });
  assert.match(a.name, /^\$\d+$/);
  assert.equal(a.kind, "actor");
  assert.equal(b.name, "named");
  assert.equal(b.kind, "topic");
  assert.equal(system.clock.now() >= 0, true);
  assert.equal(system.logger, silentLogger);
  await system.shutdown();
});
