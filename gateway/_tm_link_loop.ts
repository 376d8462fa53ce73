/**
 * The connect side of a TM link: connect and authenticate, read frames and
 * keep heartbeats until the link breaks, then reconnect with exponential
 * backoff and jitter. Private to the `tm` broker.
 *
 * @module
 */
import type { Logger } from "../actors/logger.ts";
import {
  connectToTopicManager,
  HandshakeRefusedError,
  type TmSession,
} from "../topic_manager/client.ts";
import { decodeFrame, encodeFrame, type Frame, ProtocolError } from "../topic_manager/wire.ts";
import type { ClusterCommand, Publication } from "./broker.ts";

/** Settings of a link's connect loop. */
export interface LinkLoopConfig {
  address: string;
  gatewayId: string;
  secret: string;
  logger: Logger;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  connectTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  maxFrameBytes: number;
  random: () => number;
  /** A publication from the TM. */
  deliver(publication: Publication): void;
  /** A command from the TM, with its cluster-unique id. */
  command(id: string, command: ClusterCommand): void;
  /** The link went up or down. */
  linkChanged(up: boolean, detail: string): void;
}

/** What the loop tells its link actor. */
export interface LoopEvents {
  up(session: TmSession): void;
  down(): void;
  /** Any other frame; returns whether it was expected. */
  frame(frame: Frame): boolean;
}

/** The exponential backoff with jitter before reconnect attempt `attempt` (0-based). */
export function reconnectDelay(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number,
): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return base / 2 + (base / 2) * random();
}

/** Runs from construction until {@linkcode LinkLoop.close}. */
export class LinkLoop {
  /** Resolves when the link first comes up. */
  readonly firstUp: Promise<void>;
  readonly #config: LinkLoopConfig;
  readonly #events: LoopEvents;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>;
  #markUp!: () => void;
  #session: TmSession | undefined;
  #sleepTimer: ReturnType<typeof setTimeout> | undefined;
  #wake: (() => void) | undefined;

  /** Starts connecting at once. */
  constructor(config: LinkLoopConfig, events: LoopEvents) {
    this.#config = config;
    this.#events = events;
    this.firstUp = new Promise((resolve) => this.#markUp = resolve);
    this.#done = this.#run();
  }

  /** Stops reconnecting and closes the current socket; resolves when the loop has ended. */
  async close(): Promise<void> {
    this.#abort.abort();
    clearTimeout(this.#sleepTimer);
    this.#wake?.();
    this.#session?.link.close();
    await this.#done;
  }

  async #run(): Promise<void> {
    const c = this.#config;
    let attempt = 0;
    let lastFailure = "";
    while (!this.#abort.signal.aborted) {
      let session: TmSession;
      try {
        session = await connectToTopicManager({
          address: c.address,
          gatewayId: c.gatewayId,
          secret: c.secret,
          timeoutMs: c.connectTimeoutMs,
          maxFrameBytes: c.maxFrameBytes,
          signal: this.#abort.signal,
        });
      } catch (error) {
        if (this.#abort.signal.aborted) break;
        const reason = error instanceof Error ? error.message : String(error);
        const delay = reconnectDelay(attempt++, c.backoffMinMs, c.backoffMaxMs, c.random);
        // A refused handshake (wrong secret, version) is a configuration
        // error: say so every time. An unreachable TM is said once per cause.
        const log = error instanceof HandshakeRefusedError
          ? c.logger.error
          : reason === lastFailure
          ? c.logger.debug
          : c.logger.warn;
        log("TM link connect failed", { tm: c.address, reason, retryInMs: Math.round(delay) });
        lastFailure = reason;
        await this.#sleep(delay);
        continue;
      }
      if (this.#abort.signal.aborted) {
        session.link.close();
        break;
      }
      attempt = 0;
      lastFailure = "";
      this.#session = session;
      this.#events.up(session);
      this.#markUp();
      c.linkChanged(true, `connected to TM ${c.address}`);
      const reason = await this.#serve(session);
      this.#session = undefined;
      this.#events.down();
      c.linkChanged(false, `link to TM ${c.address} down: ${reason}`);
      if (this.#abort.signal.aborted) break;
      c.logger.warn("TM link down", { tm: c.address, reason });
      await this.#sleep(reconnectDelay(attempt++, c.backoffMinMs, c.backoffMaxMs, c.random));
    }
  }

  async #serve(session: TmSession): Promise<string> {
    const c = this.#config;
    const interval = Math.min(c.heartbeatMs, session.heartbeat.intervalMs);
    const timeout = Math.max(c.heartbeatTimeoutMs, 2 * session.heartbeat.intervalMs);
    const heartbeat = encodeFrame({ t: "hb" });
    let lastSeen = performance.now();
    let reason = "closed by the TM";
    const ticker = setInterval(() => {
      if (performance.now() - lastSeen > timeout) {
        reason = `no frame from the TM for ${timeout} ms (heartbeat timeout)`;
        session.link.close();
      } else session.link.write(heartbeat);
    }, interval);
    try {
      for await (const raw of session.frames) {
        lastSeen = performance.now();
        this.#dispatch(decodeFrame(raw));
      }
    } catch (error) {
      if (error instanceof ProtocolError) {
        reason = `bad frame from the TM: ${error.message}`;
        c.logger.warn("bad cluster frame from the TM; closing the link", {
          tm: c.address,
          reason: error.message,
        });
      } else if (!session.link.closed) {
        reason = error instanceof Error ? error.message : String(error);
      }
    } finally {
      clearInterval(ticker);
      session.link.close();
    }
    return this.#abort.signal.aborted ? "closed" : reason;
  }

  #dispatch(frame: Frame): void {
    const c = this.#config;
    switch (frame.t) {
      case "hb":
        return;
      case "pub":
        return this.#guard("deliver", () =>
          c.deliver({
            topic: frame.topic,
            data: frame.data,
            id: frame.id,
            time: frame.time,
            clientId: frame.cid,
            userId: frame.uid,
            origin: frame.o,
          }));
      case "cmd":
        return this.#guard("command", () => c.command(frame.id, frame.cmd));
      case "error":
        c.logger.warn("TM reported an error", {
          tm: c.address,
          code: frame.code,
          message: frame.message,
        });
        return;
      default:
        if (!this.#events.frame(frame)) {
          throw new ProtocolError("malformed", `unexpected frame type '${frame.t}' from a TM`);
        }
    }
  }

  #guard(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#config.logger.error(`broker handler ${what}() threw`, {
        tm: this.#config.address,
        error,
      });
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
    });
  }
}
