import assert from "node:assert/strict";
import { type Actor, type ActorContext, ActorSystem, silentLogger } from "../../mod.ts";
import { deadLetterSink, deferred, flush } from "./_support.ts";

/** An actor that traces its hooks and messages into `trace`. */
function traced(trace: string[], name = "x"): () => Actor<number> {
  return () => ({
    preStart: () => void trace.push(`${name}:preStart`),
    receive: (n) => void trace.push(`${name}:${n}`),
    postStop: () => void trace.push(`${name}:postStop`),
  });
}

Deno.test("stop({ drain: true }) processes the queued messages, then runs postStop", async () => {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const trace: string[] = [];
  const ref = system.spawn(traced(trace));
  for (const n of [1, 2, 3]) ref.tell(n);
  const stopped = ref.stop({ drain: true });
  assert.equal(ref.stopped, true);
  assert.equal(ref.tell(4), false, "a stopping actor accepts nothing new");
  await stopped;
  assert.deepEqual(trace, ["x:preStart", "x:1", "x:2", "x:3", "x:postStop"]);
  assert.deepEqual(sink.letters.map((l) => [l.message, l.reason]), [[4, "stopped"]]);
  assert.equal(ref.stats().processed, 3);
  assert.equal(ref.stats().dropped, 1);
  await system.shutdown();
});

Deno.test("stop() discards the queued messages as dead letters, then runs postStop", async () => {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const trace: string[] = [];
  const ref = system.spawn(traced(trace), { name: "quitter", kind: "k" });
  for (const n of [1, 2, 3]) ref.tell(n);
  await ref.stop();
  assert.deepEqual(trace, ["x:preStart", "x:postStop"]);
  assert.deepEqual(
    sink.letters,
    [1, 2, 3].map((message) => ({
      recipient: "quitter",
      kind: "k",
      message,
      reason: "stopped",
    })),
  );
  assert.deepEqual(ref.stats(), {
    received: 3,
    processed: 0,
    dropped: 3,
    failed: 0,
    restarts: 0,
    depth: 0,
    highWater: 3,
  });
  await system.shutdown();
});

Deno.test("stop() waits for an in-flight async handler before postStop", async (t) => {
  for (const drain of [false, true]) {
    await t.step(`drain: ${drain}`, async () => {
      const sink = deadLetterSink();
      const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
      const gate = deferred();
      const trace: string[] = [];
      const ref = system.spawn<number>(() => ({
        async receive(n) {
          trace.push(`start:${n}`);
          if (n === 1) await gate.promise;
          trace.push(`end:${n}`);
        },
        postStop: () => void trace.push("postStop"),
      }));
      ref.tell(1);
      ref.tell(2);
      await flush();
      const stopped = ref.stop({ drain });
      await flush();
      assert.deepEqual(trace, ["start:1"]);
      gate.resolve();
      await stopped;
      assert.deepEqual(
        trace,
        drain
          ? ["start:1", "end:1", "start:2", "end:2", "postStop"]
          : ["start:1", "end:1", "postStop"],
      );
      assert.deepEqual(sink.letters.map((l) => l.message), drain ? [] : [2]);
      await system.shutdown();
    });
  }
});

Deno.test("a handler that fails while draining dead-letters the rest of the queue", async () => {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const seen: number[] = [];
  const ref = system.spawn<number>(() => ({
    receive(n) {
      if (n < 0) throw new Error("bad");
      seen.push(n);
    },
  }));
  for (const n of [1, -1, 2, 3]) ref.tell(n);
  await ref.stop({ drain: true });
  assert.deepEqual(seen, [1]);
  assert.deepEqual(sink.letters.map((l) => [l.message, l.reason]), [[2, "stopped"], [
    3,
    "stopped",
  ]]);
  const stats = ref.stats();
  assert.equal(stats.received, stats.processed + stats.dropped, "every message is on the books");
  assert.equal(stats.depth, 0);
  await system.shutdown();
});

Deno.test("stop() is idempotent and a later stop() discards what a drain left", async () => {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const trace: string[] = [];
  const ref = system.spawn(traced(trace));
  for (const n of [1, 2]) ref.tell(n);
  const first = ref.stop({ drain: true });
  const second = ref.stop();
  assert.equal(first, second);
  await second;
  assert.deepEqual(trace, ["x:preStart", "x:postStop"]);
  assert.deepEqual(sink.letters.map((l) => l.message), [1, 2]);
  await system.shutdown();
});

Deno.test("a handler can stop its own actor", async () => {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const seen: string[] = [];
  let stopped: Promise<void> | undefined;
  const ref = system.spawn<string>(() => ({
    receive(msg, context) {
      seen.push(msg);
      if (msg === "quit") stopped = context.self.stop();
    },
  }));
  for (const msg of ["a", "quit", "b"]) ref.tell(msg);
  await flush();
  await stopped;
  assert.deepEqual(seen, ["a", "quit"]);
  assert.deepEqual(sink.letters.map((l) => l.message), ["b"]);
  assert.equal(ref.stopped, true);
  await system.shutdown();
});

Deno.test("stopping a parent stops its children in reverse start order, then itself", async () => {
  const trace: string[] = [];
  const system = new ActorSystem({ logger: silentLogger });
  let context: ActorContext<number> | undefined;
  const parent = system.spawn<number>(() => ({
    preStart(ctx) {
      context = ctx;
      for (const name of ["c1", "c2", "c3"]) ctx.spawn(traced(trace, name), { name });
    },
    receive() {},
    postStop: () => void trace.push("parent:postStop"),
  }), { name: "parent" });
  assert.deepEqual(context!.children().map((c) => c.name), ["c1", "c2", "c3"]);
  assert.equal(context!.self, parent);
  await parent.stop();
  assert.deepEqual(trace.filter((e) => e.endsWith("postStop")), [
    "c3:postStop",
    "c2:postStop",
    "c1:postStop",
    "parent:postStop",
  ]);
  assert.deepEqual(context!.children(), []);
  assert.throws(() => context!.spawn(traced(trace)), {
    message: "Cannot spawn a child of actor 'parent' as it is stopping",
  });
  await system.shutdown();
});

Deno.test("grandchildren stop before their parents", async () => {
  const trace: string[] = [];
  const system = new ActorSystem({ logger: silentLogger });
  const tree = (name: string, depth: number) => (): Actor<number> => ({
    preStart(ctx) {
      if (depth > 0) {
        ctx.spawn(tree(`${name}.a`, depth - 1));
        ctx.spawn(tree(`${name}.b`, depth - 1));
      }
    },
    receive() {},
    postStop: () => void trace.push(name),
  });
  system.spawn(tree("r", 2));
  await system.shutdown();
  assert.deepEqual(trace, ["r.b.b", "r.b.a", "r.b", "r.a.b", "r.a.a", "r.a", "r"]);
});

Deno.test("shutdown() stops top-level actors newest first and tell() then returns false", async () => {
  const trace: string[] = [];
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const refs = ["a", "b", "c"].map((name) => system.spawn(traced(trace, name)));
  await system.shutdown();
  assert.deepEqual(trace.filter((e) => e.endsWith("postStop")), [
    "c:postStop",
    "b:postStop",
    "a:postStop",
  ]);
  assert.deepEqual(refs.map((r) => r.tell(1)), [false, false, false]);
  assert.equal(sink.letters.length, 3);
  assert.ok(sink.letters.every((l) => l.reason === "stopped"));
});
