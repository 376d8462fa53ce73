import type { ActorFactory, ActorRef, ActorStats, DeadLetter, SpawnOptions } from "./actor.ts";
import { ActorCell } from "./actor_cell.ts";
import { type Clock, systemClock } from "./clock.ts";
import { Dispatcher } from "./dispatcher.ts";
import { createConsoleLogger, type Logger } from "./logger.ts";
import type { Runnable, Runtime } from "./_runtime.ts";
import { type ResolvedStrategy, resolveStrategy, type SupervisorStrategy } from "./supervision.ts";

/** Options of an {@linkcode ActorSystem}. */
export interface ActorSystemOptions {
  /**
   * Time source for backoff and restart intensity.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Source of randomness for backoff jitter, returning a number in [0, 1).
   *
   * @default {Math.random}
   */
  random?: () => number;
  /**
   * Where supervision events (restarts, escalations) are logged.
   *
   * @default {createConsoleLogger("info")}
   */
  logger?: Logger;
  /** Called with every message that was not processed. Must not throw. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /**
   * How top-level actors are supervised; also the default for every actor
   * spawned without its own `supervisor`.
   *
   * @default {{ scope: "oneForOne", maxRestarts: 10, withinMs: 10000 }}
   */
  supervisor?: SupervisorStrategy;
  /**
   * Keep unhandled promise rejections from terminating the process: they are
   * logged as errors instead.
   *
   * @default {true}
   */
  guardUnhandledRejections?: boolean;
  /**
   * Messages one actor processes before others get a turn.
   *
   * @default {300}
   */
  throughput?: number;
  /**
   * Messages processed in one wake-up before yielding to I/O.
   *
   * @default {50000}
   */
  turnBudget?: number;
}

/** Aggregated counters of a group of actors. */
export interface ActorGroupStats extends ActorStats {
  /** Live actors in the group. */
  actors: number;
}

/** Counters of a whole system, for metrics. */
export interface SystemSnapshot {
  /** Totals over every actor, live and stopped (depth and high-water: live only). */
  total: ActorGroupStats;
  /** The same, per actor kind. */
  kinds: Record<string, ActorGroupStats>;
  /** Messages reported to the dead-letter hook. */
  deadLetters: number;
}

/**
 * The home of a tree of actors: spawns top-level actors, supervises them,
 * schedules their mailboxes, and collects their counters.
 *
 * @example Spawning an actor and telling it something
 * ```ts
 * import { ActorSystem } from "@firetower/firetower";
 * const system = new ActorSystem();
 * const seen: string[] = [];
 * const echo = system.spawn<string>(() => ({ receive: (msg) => void seen.push(msg) }));
 * echo.tell("hello");
 * await system.shutdown();
 * console.log(seen); // ["hello"]
 * ```
 */
export class ActorSystem {
  readonly #root: ActorCell<never>;
  readonly #runtime: Runtime;
  readonly #retired = new Map<string, ActorStats>();
  readonly #guard: ((event: PromiseRejectionEvent) => void) | undefined;
  #deadLetters = 0;

  /** Creates a system; throws a `RangeError` naming any invalid option. */
  constructor(options: ActorSystemOptions = {}) {
    const clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    const logger = options.logger ?? createConsoleLogger("info");
    const throughput = positiveInteger("throughput", options.throughput ?? 300);
    const turnBudget = positiveInteger("turnBudget", options.turnBudget ?? 50_000);
    const dispatcher = new Dispatcher(throughput, turnBudget);
    const defaultStrategy: ResolvedStrategy = resolveStrategy(options.supervisor ?? {});
    const onDeadLetter = options.onDeadLetter;
    let ids = 0;
    this.#runtime = {
      clock,
      logger,
      defaultStrategy,
      random,
      nextId: () => ++ids,
      schedule: (cell: Runnable) => dispatcher.schedule(cell),
      deadLetter: (letter) => {
        this.#deadLetters++;
        if (onDeadLetter === undefined) return;
        try {
          onDeadLetter(letter);
        } catch (error) {
          logger.error("dead-letter hook threw", { error });
        }
      },
      retire: (kind, stats) => this.#retire(kind, stats),
    };
    this.#root = new ActorCell<never>(this.#runtime, undefined, () => ({ receive() {} }), {
      name: "root",
      kind: "root",
      supervisor: options.supervisor,
    }).start();
    if (options.guardUnhandledRejections ?? true) {
      this.#guard = (event) => {
        event.preventDefault();
        logger.error("unhandled promise rejection", { error: event.reason });
      };
      globalThis.addEventListener("unhandledrejection", this.#guard);
    }
  }

  /** The logger supervision events go to. */
  get logger(): Logger {
    return this.#runtime.logger;
  }

  /** The system's clock. */
  get clock(): Clock {
    return this.#runtime.clock;
  }

  /**
   * Starts a top-level actor. Throws a `RangeError` naming an invalid option.
   */
  spawn<M>(factory: ActorFactory<M>, options?: SpawnOptions): ActorRef<M> {
    return this.#root.spawn(factory, options);
  }

  /** Counters of every actor, grouped by kind. */
  snapshot(): SystemSnapshot {
    const kinds: Record<string, ActorGroupStats> = {};
    for (const [kind, stats] of this.#retired) kinds[kind] = { ...stats, actors: 0 };
    this.#root.walk((cell) => {
      if (cell.kind === "root") return;
      const group = kinds[cell.kind] ??= emptyGroup();
      const stats = cell.stats();
      group.actors++;
      addStats(group, stats);
      group.depth += stats.depth;
      group.highWater = Math.max(group.highWater, stats.highWater);
    });
    const total = emptyGroup();
    for (const group of Object.values(kinds)) {
      total.actors += group.actors;
      addStats(total, group);
      total.depth += group.depth;
      total.highWater = Math.max(total.highWater, group.highWater);
    }
    return { total, kinds, deadLetters: this.#deadLetters };
  }

  /** Stops every actor (newest first, children before parents) and releases the system. */
  async shutdown(): Promise<void> {
    await this.#root.stop();
    if (this.#guard) globalThis.removeEventListener("unhandledrejection", this.#guard);
  }

  #retire(kind: string, stats: ActorStats): void {
    if (kind === "root") return;
    const total = this.#retired.get(kind);
    if (total === undefined) {
      this.#retired.set(kind, { ...stats, depth: 0, highWater: 0 });
    } else addStats(total, stats);
  }
}

function emptyGroup(): ActorGroupStats {
  return {
    actors: 0,
    received: 0,
    processed: 0,
    dropped: 0,
    failed: 0,
    restarts: 0,
    depth: 0,
    highWater: 0,
  };
}

function addStats(into: ActorStats, from: ActorStats): void {
  into.received += from.received;
  into.processed += from.processed;
  into.dropped += from.dropped;
  into.failed += from.failed;
  into.restarts += from.restarts;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(
      `Cannot create actor system as '${name}' must be a positive integer: current value is ${value}`,
    );
  }
  return value;
}
