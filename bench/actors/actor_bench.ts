/**
 * Messages through one actor: `tell()` plus processing, sync and async
 * handlers. Each iteration sends {@linkcode MESSAGES} messages; messages per
 * second = MESSAGES / (time per iteration).
 *
 * Run: `deno bench -A bench/actors/actor_bench.ts`
 *
 * @module
 */

import { createPump } from "./_pump.ts";

// `fn` must be an `async function`: deno bench awaits only AsyncFunction bodies.
const MESSAGES = 100_000;
const sync = createPump("sync");
const async = createPump("async");

Deno.bench({
  name: `tell + process ${MESSAGES} messages, sync handler`,
  group: "one actor",
  baseline: true,
  async fn() {
    await sync.send(MESSAGES);
  },
});

Deno.bench({
  name: `tell + process ${MESSAGES} messages, async handler`,
  group: "one actor",
  async fn() {
    await async.send(MESSAGES);
  },
});
