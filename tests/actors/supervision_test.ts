import assert from "node:assert/strict";
import {
  type Actor,
  type ActorContext,
  type ActorRef,
  ActorSystem,
  type Directive,
  ManualClock,
  silentLogger,
  type SupervisorStrategy,
} from "../../mod.ts";
import { deadLetterSink, flush, recordingLogger } from "./_support.ts";

/** An actor that records what it saw and throws on negative numbers. */
function crashy(instances: number[][], hooks: Partial<Actor<number>> = {}): () => Actor<number> {
  return () => {
    const seen: number[] = [];
    instances.push(seen);
    return {
      ...hooks,
      receive(n) {
        if (n < 0) throw new Error(`bad ${n}`);
        seen.push(n);
      },
    };
  };
}

Deno.test("a crash restarts the actor with fresh state and keeps its mailbox", async () => {
  const clock = new ManualClock();
  const system = new ActorSystem({ logger: silentLogger, clock, random: () => 0 });
  const instances: number[][] = [];
  const preRestartErrors: unknown[] = [];
  const ref = system.spawn(
    crashy(instances, { preRestart: (error) => void preRestartErrors.push(error) }),
  );
  const bystanderSeen: string[] = [];
  const bystander = system.spawn<string>(() => ({ receive: (m) => void bystanderSeen.push(m) }));

  for (const n of [1, 2, -1, 3, 4]) ref.tell(n);
  await flush();
  assert.deepEqual(instances, [[1, 2]]);
  assert.deepEqual(ref.stats().depth, 2, "the failing message is gone, the rest wait");
  assert.deepEqual(clock.pendingDelays(), [10], "default backoff: 10 ms before the restart");

  bystander.tell("still");
  bystander.tell("working");
  ref.tell(5);
  await flush();
  assert.deepEqual(bystanderSeen, ["still", "working"]);
  assert.equal(instances.length, 1, "no restart before the backoff elapses");

  clock.advance(10);
  await flush();
  assert.equal(instances.length, 2, "the factory ran again");
  assert.deepEqual(instances[1], [3, 4, 5]);
  assert.equal(preRestartErrors.length, 1);
  assert.equal((preRestartErrors[0] as Error).message, "bad -1");
  assert.deepEqual(ref.stats(), {
    received: 6,
    processed: 6,
    dropped: 0,
    failed: 1,
    restarts: 1,
    depth: 0,
    highWater: 5,
  });
  assert.deepEqual(clock.pendingDelays(), []);
  await system.shutdown();
});

Deno.test("the decider's directive is applied to the failed actor", async (t) => {
  const spawnWith = (directive: Directive) => {
    const sink = deadLetterSink();
    const decided: unknown[] = [];
    const system = new ActorSystem({
      logger: silentLogger,
      clock: new ManualClock(),
      onDeadLetter: sink.onDeadLetter,
      supervisor: {
        decider: (error) => {
          decided.push(error);
          return directive;
        },
      },
    });
    let factoryCalls = 0;
    let stops = 0;
    const totals: number[] = [];
    const ref = system.spawn<number>(() => {
      factoryCalls++;
      let total = 0;
      return {
        receive(n) {
          if (n < 0) throw new Error("negative");
          total += n;
          totals.push(total);
        },
        postStop: () => void stops++,
      };
    }, { name: "counter" });
    return {
      system,
      ref,
      letters: sink.letters,
      decided,
      totals,
      factoryCalls: () => factoryCalls,
      stops: () => stops,
    };
  };

  await t.step("resume keeps the state and skips the failing message", async () => {
    const a = spawnWith("resume");
    for (const n of [1, 2, -1, 3]) a.ref.tell(n);
    await flush();
    assert.deepEqual(a.totals, [1, 3, 6]);
    assert.equal(a.factoryCalls(), 1);
    assert.equal(a.decided.length, 1);
    assert.equal(a.ref.stats().failed, 1);
    assert.equal(a.ref.stats().restarts, 0);
    assert.equal(a.ref.stats().processed, 4);
    await a.system.shutdown();
  });

  await t.step("stop stops the actor and dead-letters its queue", async () => {
    const a = spawnWith("stop");
    for (const n of [1, -1, 2, 3]) a.ref.tell(n);
    await flush();
    assert.equal(a.ref.stopped, true);
    assert.equal(a.stops(), 1, "postStop ran");
    assert.deepEqual(a.totals, [1]);
    assert.deepEqual(a.letters.map((l) => [l.message, l.reason]), [[2, "stopped"], [3, "stopped"]]);
    assert.equal(a.ref.tell(4), false);
    assert.equal(a.factoryCalls(), 1);
    await a.system.shutdown();
  });

  await t.step("escalate from a top-level actor stops it; the process lives on", async () => {
    const a = spawnWith("escalate");
    for (const n of [1, -1, 2]) a.ref.tell(n);
    await flush();
    assert.equal(a.ref.stopped, true);
    assert.equal(a.stops(), 1);
    assert.deepEqual(a.letters.map((l) => l.message), [2]);
    await a.system.shutdown();
  });
});

Deno.test("a decider that throws escalates", async () => {
  const { logger, events } = recordingLogger();
  const system = new ActorSystem({
    logger,
    supervisor: {
      decider: () => {
        throw new Error("decider bug");
      },
    },
  });
  const ref = system.spawn(crashy([]), { name: "victim" });
  ref.tell(-1);
  await flush();
  assert.equal(ref.stopped, true);
  assert.ok(events.some((e) => e.message === "actor failure escalated to the root; stopping it"));
  await system.shutdown();
});

Deno.test("exceeding the restart intensity escalates to the parent's supervisor", async () => {
  const clock = new ManualClock();
  const rootSaw: unknown[] = [];
  const system = new ActorSystem({
    logger: silentLogger,
    clock,
    random: () => 0,
    supervisor: {
      decider: (error) => {
        rootSaw.push(error);
        return "restart";
      },
      backoff: { minMs: 0, maxMs: 0 },
    },
  });
  let parentFactoryCalls = 0;
  let childFactoryCalls = 0;
  let child: ActorRef<string> | undefined;
  let parentContext: ActorContext<string> | undefined;
  const parent = system.spawn<string>(() => {
    parentFactoryCalls++;
    return {
      preStart(context: ActorContext<string>) {
        parentContext = context;
        child = context.spawn<string>(() => {
          childFactoryCalls++;
          return {
            receive(msg) {
              throw new Error(msg);
            },
          };
        }, { name: "child" });
      },
      receive() {},
    };
  }, {
    name: "parent",
    supervisor: { maxRestarts: 2, withinMs: 1_000, backoff: { minMs: 1, maxMs: 1, jitter: 0 } },
  });

  const firstChild = child!;
  for (const attempt of [1, 2]) {
    firstChild.tell(`boom ${attempt}`);
    await flush();
    assert.deepEqual(clock.pendingDelays(), [1]);
    clock.advance(1);
    assert.equal(firstChild.stats().restarts, attempt);
  }
  assert.deepEqual(rootSaw, [], "restarts within the budget stay with the parent");

  firstChild.tell("boom 3");
  await flush();
  assert.equal(rootSaw.length, 1, "the parent's supervisor saw the failure");
  assert.equal((rootSaw[0] as Error).message, "boom 3");
  assert.equal(parentFactoryCalls, 2, "the parent was restarted");
  assert.equal(parent.stats().restarts, 1);
  assert.equal(firstChild.stopped, true, "restarting the parent stopped its old child");
  assert.notEqual(child, firstChild);
  assert.equal(childFactoryCalls, 4, "1 spawn + 2 restarts + 1 spawn by the new parent");
  assert.deepEqual(parentContext!.children(), [child]);
  await system.shutdown();
});

Deno.test("a root actor over its restart intensity is stopped; others keep working", async () => {
  const clock = new ManualClock();
  const { logger, events } = recordingLogger();
  const system = new ActorSystem({
    logger,
    clock,
    supervisor: { maxRestarts: 1, backoff: { minMs: 0, maxMs: 0 } },
  });
  const instances: number[][] = [];
  let stops = 0;
  const ref = system.spawn(crashy(instances, { postStop: () => void stops++ }));
  const otherSeen: number[] = [];
  const other = system.spawn<number>(() => ({ receive: (n) => void otherSeen.push(n) }));
  ref.tell(-1);
  ref.tell(-2);
  ref.tell(7);
  await flush();
  assert.equal(instances.length, 2, "one restart allowed");
  assert.equal(ref.stopped, true);
  assert.equal(stops, 1);
  assert.ok(events.some((e) => e.message === "actor exceeded its restart intensity; escalating"));
  assert.ok(events.some((e) => e.message === "actor failure escalated to the root; stopping it"));
  other.tell(1);
  await flush();
  assert.deepEqual(otherSeen, [1]);
  await system.shutdown();
});

/** A parent that spawns children a, b, c with `strategy`; counts factory calls per child. */
function family(strategy: SupervisorStrategy) {
  const clock = new ManualClock();
  const system = new ActorSystem({ logger: silentLogger, clock });
  const calls: Record<string, number> = { a: 0, b: 0, c: 0 };
  const refs: Record<string, ActorRef<number>> = {};
  system.spawn<never>(() => ({
    preStart(context) {
      for (const name of ["a", "b", "c"]) {
        refs[name] = context.spawn<number>(() => {
          calls[name]++;
          return {
            receive(n) {
              if (n < 0) throw new Error(`${name} failed`);
            },
          };
        }, { name });
      }
    },
    receive() {},
  }), { supervisor: { ...strategy, backoff: { minMs: 5, maxMs: 5, jitter: 0 } } });
  return { clock, system, calls, refs };
}

Deno.test("oneForAll restarts every sibling of the failed child", async () => {
  const f = family({ scope: "oneForAll" });
  f.refs.b.tell(-1);
  await flush();
  assert.deepEqual(f.clock.pendingDelays(), [5, 5, 5]);
  f.clock.advance(5);
  assert.deepEqual(f.calls, { a: 2, b: 2, c: 2 });
  assert.deepEqual(
    ["a", "b", "c"].map((n) => f.refs[n].stats().restarts),
    [1, 1, 1],
  );
  f.refs.a.tell(1);
  await flush();
  assert.equal(f.refs.a.stats().processed, 1, "restarted siblings keep working");
  await f.system.shutdown();
});

Deno.test("restForOne restarts the failed child and those started after it", async (t) => {
  const cases: [string, Record<string, number>][] = [
    ["a", { a: 2, b: 2, c: 2 }],
    ["b", { a: 1, b: 2, c: 2 }],
    ["c", { a: 1, b: 1, c: 2 }],
  ];
  for (const [failing, expected] of cases) {
    await t.step(`${failing} fails`, async () => {
      const f = family({ scope: "restForOne" });
      f.refs[failing].tell(-1);
      await flush();
      f.clock.advance(5);
      assert.deepEqual(f.calls, expected);
      await f.system.shutdown();
    });
  }
});

Deno.test("oneForOne restarts only the failed child", async () => {
  const f = family({ scope: "oneForOne" });
  f.refs.b.tell(-1);
  await flush();
  f.clock.advance(5);
  assert.deepEqual(f.calls, { a: 1, b: 2, c: 1 });
  await f.system.shutdown();
});
