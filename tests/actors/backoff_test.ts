import assert from "node:assert/strict";
import {
  ActorSystem,
  backoffDelay,
  ManualClock,
  resolveStrategy,
  silentLogger,
} from "../../mod.ts";
import { flush } from "./_support.ts";

/** A deterministic stand-in for Math.random (mulberry32). */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Spawns an actor that always fails and returns the delay scheduled before
 * each of `failures` restarts, advancing the clock by `gapMs` after each.
 */
async function restartDelays(
  backoff: { minMs: number; maxMs: number; jitter: number },
  random: () => number,
  failures: number,
  options: { withinMs?: number; gapMs?: number } = {},
): Promise<number[]> {
  const clock = new ManualClock();
  const system = new ActorSystem({
    logger: silentLogger,
    clock,
    random,
    supervisor: { maxRestarts: 1_000, withinMs: options.withinMs ?? 1e9, backoff },
  });
  let factoryCalls = 0;
  const ref = system.spawn<string>(() => {
    factoryCalls++;
    return {
      receive() {
        throw new Error("always");
      },
    };
  });
  const delays: number[] = [];
  for (let i = 0; i < failures; i++) {
    ref.tell("boom");
    await flush();
    const pending = clock.pendingDelays();
    assert.equal(pending.length, 1, "exactly one restart timer per failure");
    delays.push(pending[0]);
    clock.advance(pending[0] + (options.gapMs ?? 0));
    assert.equal(factoryCalls, i + 2);
  }
  assert.deepEqual(clock.pendingDelays(), []);
  await system.shutdown();
  return delays;
}

Deno.test("backoff between restarts doubles from minMs and is capped at maxMs", async () => {
  const delays = await restartDelays({ minMs: 10, maxMs: 200, jitter: 0 }, Math.random, 8);
  assert.deepEqual(delays, [10, 20, 40, 80, 160, 200, 200, 200]);
});

Deno.test("jittered backoff stays within [min*(1-jitter), max] and follows the doubling", async () => {
  const jitter = 0.5;
  const random = seeded(42);
  const delays = await restartDelays({ minMs: 10, maxMs: 500, jitter }, random, 12);
  const expectedRandom = seeded(42);
  for (const [i, delay] of delays.entries()) {
    const nominal = Math.min(500, 10 * 2 ** i);
    assert.ok(delay >= 10 * (1 - jitter) && delay <= 500, `delay ${delay} out of bounds`);
    assert.ok(delay >= nominal * (1 - jitter) && delay <= nominal, `delay ${i}: ${delay}`);
    assert.equal(delay, nominal * (1 - jitter * expectedRandom()));
  }
  // Growth survives the jitter: the sixth delay (nominal 320) is well over 4x the first (<= 10).
  assert.ok(delays[5] > delays[0] * 4);
});

Deno.test("backoff starts over once the intensity window has passed", async () => {
  const delays = await restartDelays(
    { minMs: 10, maxMs: 1_000, jitter: 0 },
    Math.random,
    4,
    { withinMs: 100, gapMs: 200 },
  );
  assert.deepEqual(delays, [10, 10, 10, 10]);
});

Deno.test("backoffDelay computes min*2^(n-1), capped, reduced by jitter*random", async (t) => {
  const strategy = resolveStrategy({ backoff: { minMs: 10, maxMs: 100, jitter: 0.2 } });
  await t.step("without randomness the nominal delay", () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(strategy, n, () => 0)), [
      10,
      20,
      40,
      80,
      100,
    ]);
  });
  await t.step("with the largest random the delay shrinks by the jitter fraction", () => {
    assert.equal(backoffDelay(strategy, 1, () => 1), 8);
    assert.equal(backoffDelay(strategy, 5, () => 1), 80);
  });
  await t.step("huge attempt numbers do not overflow", () => {
    assert.equal(backoffDelay(strategy, 10_000, () => 0), 100);
  });
});
