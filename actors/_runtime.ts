import type { ActorStats, DeadLetter } from "./actor.ts";
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import type { ResolvedStrategy } from "./supervision.ts";

/** Something the dispatcher can run: an actor cell with queued messages. */
export interface Runnable {
  /** Processes up to `budget` messages; returns how many it took. */
  run(budget: number): number;
}

/** What an actor cell needs from its system. Private to `actors/`. */
export interface Runtime {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly defaultStrategy: ResolvedStrategy;
  random(): number;
  nextId(): number;
  schedule(cell: Runnable): void;
  deadLetter(letter: DeadLetter): void;
  /** Folds a stopped actor's counters into the system totals. */
  retire(kind: string, stats: ActorStats): void;
}
