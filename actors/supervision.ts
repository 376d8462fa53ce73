/**
 * Supervision: what a parent does when a child's handler throws or rejects.
 * A strategy is a decider (error -> directive), a scope (which children the
 * directive applies to), a restart budget and a backoff between restarts.
 *
 * @module
 */

/**
 * What to do with a failed actor.
 *
 * - `restart`: discard the actor's state and build a fresh one from its
 *   factory; the mailbox (minus the failing message) is kept.
 * - `resume`: keep the state, skip the failing message, go on.
 * - `stop`: stop the actor; its queued messages become dead letters.
 * - `escalate`: fail the parent with the same error.
 */
export type Directive = "restart" | "resume" | "stop" | "escalate";

/**
 * Which children a directive applies to.
 *
 * - `oneForOne`: only the failed child.
 * - `oneForAll`: every child of the parent.
 * - `restForOne`: the failed child and every child started after it.
 */
export type SupervisionScope = "oneForOne" | "oneForAll" | "restForOne";

/** Delay between consecutive restarts of one actor. */
export interface BackoffOptions {
  /**
   * Delay before the first restart within the intensity window, in ms;
   * each further restart doubles it.
   *
   * @default {10}
   */
  minMs?: number;
  /**
   * The longest delay, in ms.
   *
   * @default {5000}
   */
  maxMs?: number;
  /**
   * Fraction of the delay that is randomised (0 = none, 1 = anywhere from 0
   * to the full delay), so actors that failed together do not restart together.
   *
   * @default {0.2}
   */
  jitter?: number;
}

/** How a parent supervises its children. */
export interface SupervisorStrategy {
  /**
   * Which children a directive applies to.
   *
   * @default {"oneForOne"}
   */
  scope?: SupervisionScope;
  /**
   * Maps a failure to a directive.
   *
   * @default {() => "restart"}
   */
  decider?: (error: unknown) => Directive;
  /**
   * Restart intensity: at most this many restarts of one child within
   * `withinMs`; one more escalates to the parent instead.
   *
   * @default {10}
   */
  maxRestarts?: number;
  /**
   * The intensity window, in ms.
   *
   * @default {10000}
   */
  withinMs?: number;
  /** Backoff between restarts. */
  backoff?: BackoffOptions;
}

/** A strategy with every default filled in. */
export interface ResolvedStrategy {
  /** Which children a directive applies to. */
  readonly scope: SupervisionScope;
  /** Maps a failure to a directive. */
  readonly decider: (error: unknown) => Directive;
  /** Most restarts of one child within `withinMs` before escalating. */
  readonly maxRestarts: number;
  /** The intensity window, in ms. */
  readonly withinMs: number;
  /** Delay before the first restart in the window, in ms. */
  readonly minMs: number;
  /** The longest delay between restarts, in ms. */
  readonly maxMs: number;
  /** Fraction of each delay that is randomised. */
  readonly jitter: number;
}

const SCOPES: readonly SupervisionScope[] = ["oneForOne", "oneForAll", "restForOne"];

/** The strategy used when none is given: restart one-for-one, 10 in 10 s. */
export const DEFAULT_STRATEGY: ResolvedStrategy = resolveStrategy({});

/**
 * Fills in defaults and validates a strategy.
 *
 * @throws {RangeError} when a number is out of range or the scope is unknown.
 */
export function resolveStrategy(strategy: SupervisorStrategy): ResolvedStrategy {
  const resolved: ResolvedStrategy = {
    scope: strategy.scope ?? "oneForOne",
    decider: strategy.decider ?? (() => "restart"),
    maxRestarts: strategy.maxRestarts ?? 10,
    withinMs: strategy.withinMs ?? 10_000,
    minMs: strategy.backoff?.minMs ?? 10,
    maxMs: strategy.backoff?.maxMs ?? 5_000,
    jitter: strategy.backoff?.jitter ?? 0.2,
  };
  if (!SCOPES.includes(resolved.scope)) {
    throw new RangeError(
      `Cannot supervise as 'scope' must be one of ${SCOPES.join(", ")}: current value is ${
        String(resolved.scope)
      }`,
    );
  }
  requireNumber("maxRestarts", resolved.maxRestarts, 0, Number.MAX_SAFE_INTEGER);
  requireNumber("withinMs", resolved.withinMs, 0, Number.MAX_SAFE_INTEGER);
  requireNumber("backoff.minMs", resolved.minMs, 0, Number.MAX_SAFE_INTEGER);
  requireNumber("backoff.maxMs", resolved.maxMs, resolved.minMs, Number.MAX_SAFE_INTEGER);
  requireNumber("backoff.jitter", resolved.jitter, 0, 1);
  return resolved;
}

function requireNumber(name: string, value: number, min: number, max: number): void {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot supervise as '${name}' must be a number from ${min} to ${max}: current value is ${value}`,
    );
  }
}

/**
 * The delay before restart number `attempt` (1-based, counted within the
 * intensity window): `minMs * 2^(attempt-1)` capped at `maxMs`, then reduced
 * by up to `jitter` of itself using `random` (a number in [0, 1)).
 *
 * @example Delays double and stay within bounds
 * ```ts
 * import { backoffDelay, resolveStrategy } from "@firetower/firetower";
 * const strategy = resolveStrategy({ backoff: { minMs: 10, maxMs: 100, jitter: 0 } });
 * console.log([1, 2, 3, 4, 5].map((n) => backoffDelay(strategy, n, Math.random)));
 * // [10, 20, 40, 80, 100]
 * ```
 */
export function backoffDelay(
  strategy: ResolvedStrategy,
  attempt: number,
  random: () => number,
): number {
  const exponential = strategy.minMs * 2 ** Math.min(attempt - 1, 30);
  const capped = Math.min(strategy.maxMs, exponential);
  return capped * (1 - strategy.jitter * random());
}
