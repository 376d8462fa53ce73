import assert from "node:assert/strict";
import { ActorSystem, type OverflowPolicy, silentLogger } from "../../mod.ts";
import { BoundedMailbox } from "../../actors/mailbox.ts";
import { deadLetterSink, flush } from "./_support.ts";

/** Tells 1..5 to a stopped-in-time actor with a mailbox of 3, then lets it run. */
async function overflow(policy: OverflowPolicy) {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const seen: number[] = [];
  const ref = system.spawn<number>(() => ({ receive: (n) => void seen.push(n) }), {
    name: "box",
    kind: "test",
    mailboxSize: 3,
    overflow: policy,
  });
  const accepted = [1, 2, 3, 4, 5].map((n) => ref.tell(n));
  const queued = ref.stats();
  await flush();
  const drained = ref.stats();
  const snapshot = system.snapshot();
  await system.shutdown();
  return { accepted, queued, drained, seen, letters: sink.letters, snapshot };
}

Deno.test("tell() drops the newest message when the mailbox is full", async () => {
  const r = await overflow("dropNewest");
  assert.deepEqual(r.accepted, [true, true, true, false, false]);
  assert.deepEqual(r.queued, {
    received: 3,
    processed: 0,
    dropped: 2,
    failed: 0,
    restarts: 0,
    depth: 3,
    highWater: 3,
  });
  assert.deepEqual(r.letters, [
    { recipient: "box", kind: "test", message: 4, reason: "mailbox full" },
    { recipient: "box", kind: "test", message: 5, reason: "mailbox full" },
  ]);
  assert.deepEqual(r.seen, [1, 2, 3]);
  assert.equal(r.drained.processed, 3);
  assert.equal(r.drained.depth, 0);
  assert.equal(r.drained.highWater, 3);
  assert.equal(r.snapshot.deadLetters, 2);
});

Deno.test("tell() drops the oldest queued message to make room under dropOldest", async () => {
  const r = await overflow("dropOldest");
  assert.deepEqual(r.accepted, [true, true, true, true, true]);
  assert.equal(r.queued.received, 5);
  assert.equal(r.queued.dropped, 2);
  assert.equal(r.queued.depth, 3);
  assert.equal(r.queued.highWater, 3);
  assert.deepEqual(r.letters, [
    { recipient: "box", kind: "test", message: 1, reason: "dropped oldest" },
    { recipient: "box", kind: "test", message: 2, reason: "dropped oldest" },
  ]);
  assert.deepEqual(r.seen, [3, 4, 5]);
  assert.equal(r.drained.processed, 3);
  assert.equal(r.snapshot.deadLetters, 2);
});

Deno.test("tell() refuses the message and returns false under reject", async () => {
  const r = await overflow("reject");
  assert.deepEqual(r.accepted, [true, true, true, false, false]);
  assert.equal(r.queued.received, 3);
  assert.equal(r.queued.dropped, 2);
  assert.equal(r.queued.depth, 3);
  assert.deepEqual(r.letters.map((l) => [l.message, l.reason]), [[4, "rejected"], [5, "rejected"]]);
  assert.deepEqual(r.seen, [1, 2, 3]);
});

Deno.test("a mailbox accepts again once it has drained", async () => {
  const sink = deadLetterSink();
  const system = new ActorSystem({ logger: silentLogger, onDeadLetter: sink.onDeadLetter });
  const seen: number[] = [];
  const ref = system.spawn<number>(() => ({ receive: (n) => void seen.push(n) }), {
    mailboxSize: 2,
  });
  assert.deepEqual([1, 2, 3].map((n) => ref.tell(n)), [true, true, false]);
  await flush();
  assert.deepEqual([4, 5, 6].map((n) => ref.tell(n)), [true, true, false]);
  await flush();
  assert.deepEqual(seen, [1, 2, 4, 5]);
  assert.deepEqual(sink.letters.map((l) => l.message), [3, 6]);
  const stats = ref.stats();
  assert.equal(stats.received, 4);
  assert.equal(stats.dropped, 2);
  assert.equal(stats.highWater, 2);
  await system.shutdown();
});

Deno.test("a throwing dead-letter hook is logged and does not break tell()", async () => {
  const errors: string[] = [];
  const system = new ActorSystem({
    logger: { ...silentLogger, error: (message) => void errors.push(message) },
    onDeadLetter: () => {
      throw new Error("hook failed");
    },
  });
  const ref = system.spawn<number>(() => ({ receive() {} }), { mailboxSize: 1 });
  assert.equal(ref.tell(1), true);
  assert.equal(ref.tell(2), false);
  assert.deepEqual(errors, ["dead-letter hook threw"]);
  assert.equal(system.snapshot().deadLetters, 1);
  await system.shutdown();
});

Deno.test("BoundedMailbox is a FIFO that tracks depth and high water", async (t) => {
  await t.step("holds no array while empty and reports depth", () => {
    const mailbox = new BoundedMailbox<number>(3);
    assert.equal(mailbox.depth, 0);
    assert.equal(mailbox.shift(), undefined);
    assert.deepEqual(mailbox.clear(), []);
    mailbox.push(1);
    mailbox.push(2);
    assert.equal(mailbox.depth, 2);
    assert.equal(mailbox.full, false);
    mailbox.push(3);
    assert.equal(mailbox.full, true);
    assert.equal(mailbox.shift(), 1);
    assert.deepEqual(mailbox.clear(), [2, 3]);
    assert.equal(mailbox.depth, 0);
    assert.equal(mailbox.highWater, 3);
  });

  await t.step("keeps order across compaction of a long-lived busy queue", () => {
    const mailbox = new BoundedMailbox<number>(10_000);
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 700; i++) mailbox.push(next++);
      for (let i = 0; i < 500; i++) out.push(mailbox.shift()!);
    }
    while (mailbox.depth > 0) out.push(mailbox.shift()!);
    assert.equal(out.length, next);
    assert.ok(out.every((value, index) => value === index));
    assert.equal(mailbox.highWater, 20 * 200 + 500);
  });
});
