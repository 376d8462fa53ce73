/**
 * Messages per second through one actor (tell + process), sync and async
 * handler: the median of {@linkcode RUNS} runs of {@linkcode MESSAGES}
 * messages each, after one warm-up run. Prints one JSON line.
 *
 * Run: `deno run -A bench/actors/throughput.ts`
 *
 * @module
 */

import { BATCH, createPump } from "./_pump.ts";

const RUNS = 5;
const MESSAGES = 5_000_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(handler: "sync" | "async"): Promise<{ median: number; runs: number[] }> {
  const pump = createPump(handler);
  await pump.send(MESSAGES / 10); // warm-up: let the JIT settle
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await pump.send(MESSAGES);
    runs.push(Math.round(MESSAGES / ((performance.now() - started) / 1000)));
  }
  await pump.shutdown();
  return { median: median(runs), runs };
}

const sync = await measure("sync");
const async = await measure("async");
console.log(JSON.stringify({
  benchmark: "actor throughput",
  messages: MESSAGES,
  batch: BATCH,
  msgsPerSecond: sync.median,
  sync,
  async,
}));
