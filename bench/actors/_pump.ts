/**
 * A message pump shared by the actor benchmarks: one actor, told messages in
 * batches that fit its mailbox, each batch awaited until processed.
 * Private to `bench/actors/`.
 *
 * @module
 */

import { ActorSystem, silentLogger } from "../../mod.ts";

/** Messages told per batch; also the actor's mailbox size, so nothing is dropped. */
export const BATCH = 1000;

/** A running system with one counting actor. */
export interface Pump {
  /** Tells `count` messages and resolves once the actor has processed them all. */
  send(count: number): Promise<void>;
  /** Stops the actor and the system. */
  shutdown(): Promise<void>;
}

/** Starts a system with one actor whose handler is sync or async. */
export function createPump(handler: "sync" | "async"): Pump {
  const system = new ActorSystem({ logger: silentLogger });
  let processed = 0;
  let target = 0;
  let wake: () => void = () => {};
  const done = (): void => {
    if (++processed === target) wake();
  };
  // The async handler awaits an already-settled promise: the cheapest real await.
  const settled = Promise.resolve();
  const awaiting = async (): Promise<void> => {
    await settled;
    done();
  };
  const ref = system.spawn<number>(
    () => handler === "sync" ? { receive: done } : { receive: awaiting },
    { mailboxSize: BATCH, kind: "bench" },
  );
  return {
    async send(count: number): Promise<void> {
      for (let sent = 0; sent < count;) {
        const n = Math.min(BATCH, count - sent);
        target = processed + n;
        const batchDone = new Promise<void>((resolve) => wake = resolve);
        for (let i = 0; i < n; i++) ref.tell(i);
        await batchDone;
        sent += n;
      }
      const { dropped, failed } = ref.stats();
      if (dropped !== 0 || failed !== 0) {
        throw new Error(`Benchmark lost messages: dropped=${dropped} failed=${failed}`);
      }
    },
    shutdown: () => system.shutdown(),
  };
}
