/**
 * Heap bytes per idle actor of runtime overhead. Spawns
 * {@linkcode ACTORS} idle actors from one shared factory (a trivial shared
 * `receive`, so user state is one tiny object per actor), forces GC, and
 * subtracts the measured cost of the bare actor objects the factory returns.
 * Prints one JSON line.
 *
 * Run: `deno run -A --v8-flags=--expose-gc bench/actors/idle_memory.ts`
 *
 * @module
 */

import { type Actor, type ActorRef, ActorSystem, silentLogger } from "../../mod.ts";

const ACTORS = 100_000;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  throw new Error("Cannot measure memory as GC is not exposed: run with --v8-flags=--expose-gc");
}

function heapAfterGc(): number {
  for (let i = 0; i < 5; i++) gc!();
  return Deno.memoryUsage().heapUsed;
}

const receive = (): void => {};
const factory = (): Actor<number> => ({ receive });

/** A preallocated array of `ACTORS` slots, as the benchmark holds its refs. */
const holder = <T>(fill: T): T[] => new Array(ACTORS).fill(fill);

/** Heap bytes of a holder array, and of `ACTORS` factory results net of it. */
function measureBaseline(): { holderBytes: number; bareBytes: number } {
  const empty = heapAfterGc();
  const actors = holder(factory());
  const withHolder = heapAfterGc();
  for (let i = 0; i < ACTORS; i++) actors[i] = factory();
  const withActors = heapAfterGc();
  if (actors.length !== ACTORS) throw new Error("unreachable"); // keeps the array alive
  return { holderBytes: withHolder - empty, bareBytes: withActors - withHolder };
}

const { holderBytes, bareBytes } = measureBaseline();

const system = new ActorSystem({ logger: silentLogger });
const before = heapAfterGc();
const refs = holder<ActorRef<number> | undefined>(undefined);
for (let i = 0; i < ACTORS; i++) refs[i] = system.spawn(factory, { kind: "idle" });
const spawned = heapAfterGc();

// Idle again after work: each actor handles one message, then sits empty.
for (const ref of refs) ref!.tell(1);
// The dispatcher yields to I/O every `turnBudget` messages: wait for all of them.
while (system.snapshot().kinds.idle.processed < ACTORS) {
  await new Promise((resolve) => setTimeout(resolve, 0));
}
const worked = heapAfterGc();
const { actors, processed, depth } = system.snapshot().kinds.idle;
if (actors !== ACTORS || processed !== ACTORS || depth !== 0) throw new Error("actors missing");

const barePerActor = bareBytes / ACTORS;
const overhead = (heap: number): number =>
  Math.round((heap - before - holderBytes) / ACTORS - barePerActor);
console.log(JSON.stringify({
  benchmark: "idle actor memory",
  actors: ACTORS,
  holderArrayBytesPerActor: Math.round(holderBytes / ACTORS),
  bareActorObjectBytes: Math.round(barePerActor),
  runtimeOverheadBytesPerActor: overhead(spawned),
  runtimeOverheadBytesPerActorAfterOneMessage: overhead(worked),
}));
await system.shutdown();
