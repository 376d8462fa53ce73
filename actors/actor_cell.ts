import type {
  Actor,
  ActorContext,
  ActorFactory,
  ActorRef,
  ActorStats,
  DeadLetter,
  SpawnOptions,
  StopOptions,
} from "./actor.ts";
import type { TimerHandle } from "./clock.ts";
import { BoundedMailbox, OVERFLOW_POLICIES, type OverflowPolicy } from "./mailbox.ts";
import type { Runnable, Runtime } from "./_runtime.ts";
import { backoffDelay, type ResolvedStrategy, resolveStrategy } from "./supervision.ts";

const IDLE = 0; // nothing queued, not in the dispatcher
const SCHEDULED = 1; // queued in the dispatcher
const AWAITING = 2; // an async handler is in flight
const SUSPENDED = 3; // failed; waiting for its supervisor's directive or a restart
const FINISHING = 4; // stopping children and running postStop
const STOPPED = 5;

const DEFAULT_MAILBOX_SIZE = 1000;

interface Stopping {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

/**
 * The runtime side of one actor: mailbox, state machine and supervision of
 * its children. It is both the actor's {@linkcode ActorRef} and its
 * {@linkcode ActorContext}, so handling a message allocates nothing.
 * Rarely used state (children, restart log, timers) is created lazily so an
 * idle actor stays small.
 */
export class ActorCell<M> implements ActorRef<M>, ActorContext<M>, Runnable {
  readonly kind: string;
  readonly #runtime: Runtime;
  readonly #parent: ActorCell<unknown> | undefined;
  readonly #factory: ActorFactory<M>;
  readonly #mailbox: BoundedMailbox<M>;
  readonly #overflow: OverflowPolicy;
  readonly #id: number;
  readonly #givenName: string | undefined;
  readonly #inline: boolean;
  #actor: Actor<M> | undefined;
  #state = IDLE;
  #closed = false;
  #received = 0;
  #processed = 0;
  #dropped = 0;
  #failed = 0;
  #restarts = 0;
  #children: Set<ActorCell<unknown>> | undefined;
  #strategy: ResolvedStrategy | undefined;
  #restartTimes: number[] | undefined;
  #restartTimer: TimerHandle | undefined;
  #stopping: Stopping | undefined;

  constructor(
    runtime: Runtime,
    parent: ActorCell<unknown> | undefined,
    factory: ActorFactory<M>,
    options: SpawnOptions = {},
  ) {
    const mailboxSize = options.mailboxSize ?? DEFAULT_MAILBOX_SIZE;
    if (!Number.isInteger(mailboxSize) || mailboxSize < 1) {
      throw new RangeError(
        `Cannot spawn actor as 'mailboxSize' must be a positive integer: current value is ${mailboxSize}`,
      );
    }
    const overflow = options.overflow ?? "dropNewest";
    if (!OVERFLOW_POLICIES.includes(overflow)) {
      throw new RangeError(
        `Cannot spawn actor as 'overflow' must be one of ${
          OVERFLOW_POLICIES.join(", ")
        }: current value is ${String(overflow)}`,
      );
    }
    this.kind = options.kind ?? "actor";
    this.#runtime = runtime;
    this.#parent = parent;
    this.#factory = factory;
    this.#mailbox = new BoundedMailbox(mailboxSize);
    this.#overflow = overflow;
    this.#id = runtime.nextId();
    this.#givenName = options.name;
    const dispatch = options.dispatch ?? "queued";
    if (dispatch !== "queued" && dispatch !== "inline") {
      throw new RangeError(
        `Cannot spawn actor as 'dispatch' must be "queued" or "inline": current value is ${
          String(dispatch)
        }`,
      );
    }
    this.#inline = dispatch === "inline";
    if (options.supervisor) this.#strategy = resolveStrategy(options.supervisor);
  }

  get name(): string {
    return this.#givenName ?? `$${this.#id}`;
  }

  get self(): ActorRef<M> {
    return this;
  }

  get stopped(): boolean {
    return this.#closed;
  }

  /** Builds the first instance and registers with the parent. */
  start(): this {
    // Build first: a factory that throws must not leave a half-made child behind.
    this.#actor = this.#factory();
    if (this.#parent) this.#parent.#adopt(this as ActorCell<unknown>);
    this.#preStart();
    return this;
  }

  tell(message: M): boolean {
    if (this.#closed) {
      this.#drop(message, "stopped");
      return false;
    }
    const mailbox = this.#mailbox;
    if (mailbox.depth >= mailbox.capacity) {
      if (this.#overflow === "dropOldest") {
        this.#drop(mailbox.shift(), "dropped oldest");
      } else {
        this.#drop(message, this.#overflow === "reject" ? "rejected" : "mailbox full");
        return false;
      }
    }
    if (this.#state === IDLE && this.#inline) {
      // Idle with an empty mailbox: handle it now, on the caller's stack.
      // Whatever is told meanwhile queues behind it, as it would otherwise.
      this.#received++;
      this.#state = SCHEDULED;
      if (this.#handle(message)) this.#continue();
      return true;
    }
    mailbox.push(message);
    this.#received++;
    if (this.#state === IDLE) {
      this.#state = SCHEDULED;
      this.#runtime.schedule(this);
    }
    return true;
  }

  run(budget: number): number {
    if (this.#state !== SCHEDULED) return 0;
    const mailbox = this.#mailbox;
    let taken = 0;
    while (taken < budget && mailbox.depth > 0) {
      taken++;
      if (!this.#handle(mailbox.shift() as M)) return taken;
    }
    this.#continue();
    return taken;
  }

  /**
   * Runs the handler on one message. Returns whether processing may go on
   * at once: not when the handler failed, is still running asynchronously,
   * or stopped its own actor.
   */
  #handle(message: M): boolean {
    let result: void | Promise<void>;
    try {
      result = this.#actor!.receive(message, this);
    } catch (error) {
      this.#processed++;
      this.#fail(error);
      return false;
    }
    if (result !== undefined && typeof result.then === "function") {
      this.#state = AWAITING;
      result.then(() => this.#settled(), (error) => this.#settled(error, true));
      return false;
    }
    this.#processed++;
    return this.#state === SCHEDULED;
  }

  spawn<C>(factory: ActorFactory<C>, options?: SpawnOptions): ActorRef<C> {
    if (this.#closed) {
      throw new Error(`Cannot spawn a child of actor '${this.name}' as it is stopping`);
    }
    return new ActorCell<C>(this.#runtime, this as ActorCell<unknown>, factory, options).start();
  }

  children(): ActorRef<unknown>[] {
    return this.#children ? [...this.#children] : [];
  }

  get depth(): number {
    return this.#mailbox.depth;
  }

  stats(): ActorStats {
    return {
      received: this.#received,
      processed: this.#processed,
      dropped: this.#dropped,
      failed: this.#failed,
      restarts: this.#restarts,
      depth: this.#mailbox.depth,
      highWater: this.#mailbox.highWater,
    };
  }

  /** Visits this actor and all its descendants. */
  walk(visit: (cell: ActorCell<unknown>) => void): void {
    visit(this as ActorCell<unknown>);
    if (this.#children) { for (const child of this.#children) child.walk(visit); }
  }

  stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopping) {
      if (!options.drain) this.#discardMailbox();
      return this.#stopping.promise;
    }
    let resolve!: () => void;
    const promise = new Promise<void>((r) => resolve = r);
    this.#stopping = { promise, resolve };
    this.#closed = true;
    if (this.#restartTimer !== undefined) {
      this.#runtime.clock.clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
    }
    if (!options.drain || this.#state === SUSPENDED) this.#discardMailbox();
    // A queued or in-flight run finishes the stop once the mailbox is empty.
    if (this.#state === IDLE || this.#state === SUSPENDED) this.#finishStop();
    else if (this.#state === SCHEDULED && this.#mailbox.depth === 0) this.#finishStop();
    return promise;
  }

  // --- processing ---------------------------------------------------------

  #settled(error?: unknown, failed = false): void {
    this.#processed++;
    if (this.#state !== AWAITING) return;
    if (failed) this.#fail(error);
    else this.#continue();
  }

  /** After a run, an async handler, a resume or a restart: what next. */
  #continue(): void {
    if (this.#mailbox.depth > 0) {
      this.#state = SCHEDULED;
      this.#runtime.schedule(this);
    } else {
      this.#state = IDLE;
      if (this.#stopping) this.#finishStop();
    }
  }

  /** Runs `preStart`; a throw is a failure like any other. Returns whether it succeeded. */
  #preStart(): boolean {
    try {
      this.#actor!.preStart?.(this);
      return true;
    } catch (error) {
      this.#fail(error);
      return false;
    }
  }

  #drop(message: unknown, reason: DeadLetter["reason"]): void {
    this.#dropped++;
    this.#runtime.deadLetter({ recipient: this.name, kind: this.kind, message, reason });
  }

  #discardMailbox(): void {
    for (const message of this.#mailbox.clear()) this.#drop(message, "stopped");
  }

  async #finishStop(): Promise<void> {
    this.#state = FINISHING;
    if (this.#children) {
      for (const child of [...this.#children].reverse()) await child.stop();
    }
    try {
      await this.#actor?.postStop?.(this);
    } catch (error) {
      this.#runtime.logger.error("actor postStop failed", { actor: this.name, error });
    }
    this.#state = STOPPED;
    if (this.#parent) this.#parent.#children?.delete(this as ActorCell<unknown>);
    this.#runtime.retire(this.kind, this.stats());
    this.#stopping!.resolve();
  }

  // --- supervision --------------------------------------------------------

  #adopt(child: ActorCell<unknown>): void {
    (this.#children ??= new Set()).add(child);
  }

  #fail(error: unknown): void {
    this.#failed++;
    this.#state = SUSPENDED;
    if (this.#closed) {
      // A failure while draining ends the drain: the rest become dead letters.
      this.#discardMailbox();
      this.#finishStop();
      return;
    }
    if (this.#parent) this.#parent.#childFailed(this as ActorCell<unknown>, error);
    else {
      this.#runtime.logger.error("root actor failed", { actor: this.name, error });
      this.stop();
    }
  }

  #childFailed(child: ActorCell<unknown>, error: unknown): void {
    const strategy = this.#strategy ?? this.#runtime.defaultStrategy;
    let directive;
    try {
      directive = strategy.decider(error);
    } catch {
      directive = "escalate";
    }
    if (directive === "resume") return child.#resume();
    if (directive === "stop") {
      this.#runtime.logger.warn("actor stopped by its supervisor", { actor: child.name, error });
      child.stop();
      return;
    }
    if (directive === "restart") {
      const attempt = child.#recordRestart(strategy);
      if (attempt > 0) {
        const delay = backoffDelay(strategy, attempt, () => this.#runtime.random());
        this.#runtime.logger.warn("actor restarting", {
          actor: child.name,
          attempt,
          delayMs: Math.round(delay),
          error,
        });
        for (const target of this.#restartTargets(strategy, child)) target.#restart(error, delay);
        return;
      }
      this.#runtime.logger.error("actor exceeded its restart intensity; escalating", {
        actor: child.name,
        maxRestarts: strategy.maxRestarts,
        withinMs: strategy.withinMs,
      });
    }
    this.#escalate(child, error);
  }

  #escalate(child: ActorCell<unknown>, error: unknown): void {
    if (this.#parent === undefined) {
      // The root guardian has nobody to escalate to: the failure stops here.
      this.#runtime.logger.error("actor failure escalated to the root; stopping it", {
        actor: child.name,
        error,
      });
      child.stop();
      return;
    }
    if (this.#state !== SUSPENDED && !this.#closed) this.#fail(error);
  }

  #restartTargets(strategy: ResolvedStrategy, failed: ActorCell<unknown>): ActorCell<unknown>[] {
    if (strategy.scope === "oneForOne" || !this.#children) return [failed];
    const siblings = [...this.#children];
    if (strategy.scope === "oneForAll") return siblings;
    return siblings.slice(siblings.indexOf(failed));
  }

  /** Returns the restart attempt number within the window, or 0 when over budget. */
  #recordRestart(strategy: ResolvedStrategy): number {
    const now = this.#runtime.clock.now();
    const times = this.#restartTimes ??= [];
    while (times.length > 0 && now - times[0] > strategy.withinMs) times.shift();
    if (times.length >= strategy.maxRestarts) return 0;
    times.push(now);
    return times.length;
  }

  #resume(): void {
    if (this.#state !== SUSPENDED || this.#closed) return;
    if (this.#children) { for (const child of this.#children) child.#resume(); }
    this.#continue();
  }

  #restart(error: unknown, delay: number): void {
    if (this.#closed || this.#restartTimer !== undefined) return;
    this.#state = SUSPENDED;
    const restart = (): void => {
      this.#restartTimer = undefined;
      if (this.#closed) return;
      this.#restarts++;
      try {
        this.#actor?.preRestart?.(error, this);
      } catch (hookError) {
        this.#runtime.logger.error("actor preRestart failed", { actor: this.name, hookError });
      }
      if (this.#children) { for (const child of [...this.#children]) child.stop(); }
      try {
        this.#actor = this.#factory();
      } catch (factoryError) {
        this.#fail(factoryError);
        return;
      }
      if (this.#preStart()) this.#continue();
    };
    if (delay > 0) this.#restartTimer = this.#runtime.clock.setTimeout(restart, delay);
    else restart();
  }
}
