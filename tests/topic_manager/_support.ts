/**
 * Helpers shared by the topic manager tests. Private to `tests/topic_manager/`.
 *
 * @module
 */
import { connectToTopicManager, type TmSession } from "../../topic_manager/client.ts";
import {
  startTopicManager,
  type TopicManager,
  type TopicManagerOptions,
} from "../../topic_manager/server.ts";
import { decodeFrame, encodeFrame, type Frame, FrameDecoder } from "../../topic_manager/wire.ts";
import { signNonce } from "../../topic_manager/auth.ts";

export { eventually } from "../broker_conformance.ts";

import { type LogEvent, recordingLogger } from "../_recording_logger.ts";
export { type LogEvent, recordingLogger };

/** The cluster secret of the test TMs. */
export const SECRET = "test-secret";

/** Starts a TM on 127.0.0.1 with free ports and the test secret. */
export function startTestTm(options: TopicManagerOptions = {}): Promise<TopicManager> {
  return startTopicManager({
    host: "127.0.0.1",
    port: 0,
    httpPort: -1,
    secret: SECRET,
    logger: recordingLogger().logger,
    ...options,
  });
}

/** The `host:port` gateways dial. */
export function addressOf(tm: TopicManager): string {
  return `127.0.0.1:${tm.address.port}`;
}

/** A gateway made of a raw authenticated session that records every frame it reads. */
export class RawGateway {
  readonly received: Frame[] = [];
  readonly session: TmSession;
  readonly done: Promise<void>;
  ended = false;

  private constructor(session: TmSession) {
    this.session = session;
    this.done = (async () => {
      try {
        for await (const raw of session.frames) this.received.push(decodeFrame(raw));
      } catch {
        // the test closed it, or the TM did
      } finally {
        this.ended = true;
      }
    })();
  }

  /** Connects and authenticates as `gatewayId`. */
  static async connect(tm: TopicManager, gatewayId: string, secret = SECRET): Promise<RawGateway> {
    return new RawGateway(
      await connectToTopicManager({ address: addressOf(tm), gatewayId, secret }),
    );
  }

  /** Sends one frame. */
  send(frame: Frame): void {
    this.session.link.write(encodeFrame(frame));
  }

  /** Frames of one type received so far. */
  of<T extends Frame["t"]>(type: T): Extract<Frame, { t: T }>[] {
    return this.received.filter((f): f is Extract<Frame, { t: T }> => f.t === type);
  }

  /** Closes the socket and waits for the reader. */
  async close(): Promise<void> {
    this.session.link.close();
    await this.done;
  }
}

/** A publish frame from `origin`. */
export function pub(origin: string, topic: string, data: unknown): Frame {
  return {
    t: "pub",
    topic,
    data,
    id: `${origin}-${Math.random()}`,
    time: Date.now(),
    cid: "c",
    uid: "u",
    o: origin,
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads from a raw socket until the peer closes it; returns the bytes read. */
export async function readUntilClosed(conn: Deno.Conn, timeoutMs = 3000): Promise<Uint8Array> {
  const chunks: number[] = [];
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(...buf.subarray(0, n));
    }
  } catch {
    throw new Error(`the TM did not close the connection within ${timeoutMs} ms`);
  } finally {
    clearTimeout(timer);
  }
  return new Uint8Array(chunks);
}

/** Opens a raw socket and completes the handshake by hand. */
export async function rawAuthenticated(tm: TopicManager, gatewayId: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: tm.address.port });
  const decoder = new FrameDecoder();
  const buf = new Uint8Array(4096);
  const next = async () => {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("closed during handshake");
      const frames = decoder.push(buf.subarray(0, n));
      if (frames.length > 0) return decodeFrame(frames[0]);
    }
  };
  const hello = await next();
  if (hello.t !== "hello") throw new Error("expected hello");
  await conn.write(
    encodeFrame({ t: "auth", gw: gatewayId, mac: await signNonce(SECRET, hello.nonce) }),
  );
  if ((await next()).t !== "welcome") throw new Error("expected welcome");
  return conn;
}
