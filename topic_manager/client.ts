/**
 * The gateway end of a cluster link: connect to a topic manager and
 * authenticate. Used by the `tm` broker engine and by benchmarks.
 *
 * @module
 */
import { signNonce } from "./auth.ts";
import { FramedConn } from "./framed_conn.ts";
import { decodeFrame, DEFAULT_MAX_FRAME_BYTES, encodeFrame } from "./wire.ts";

/** Options of {@linkcode connectToTopicManager}. */
export interface ConnectOptions {
  /** The TM's cluster address, `host:port`. */
  address: string;
  /** This gateway's id in the cluster. */
  gatewayId: string;
  /** The cluster secret (empty when the TM runs without one). @default {""} */
  secret?: string;
  /** Time allowed for connect plus handshake, in ms. @default {5000} */
  timeoutMs?: number;
  /** Largest frame body accepted, in bytes. @default {1048576} */
  maxFrameBytes?: number;
  /** Aborts the connect and handshake (the promise rejects). */
  signal?: AbortSignal;
}

/** An authenticated link to a topic manager. */
export interface TmSession {
  /** The framed connection; write frames with `link.write(encodeFrame(...))`. */
  readonly link: FramedConn;
  /** The frames the TM sends after its welcome. */
  readonly frames: AsyncGenerator<Uint8Array>;
  /** The TM's heartbeat interval and timeout, in ms. */
  readonly heartbeat: { readonly intervalMs: number; readonly timeoutMs: number };
}

/** Why a TM turned a gateway away; not worth a fast retry. */
export class HandshakeRefusedError extends Error {
  /** Creates an error carrying the TM's reason. */
  constructor(reason: string) {
    super(reason);
    this.name = "HandshakeRefusedError";
  }
}

/** Splits `host:port` (IPv6 in brackets) or throws a `RangeError` naming the value. */
export function parseAddress(address: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot use topic manager address as it must be host:port: current value is '${address}'`,
    );
  }
  return { hostname: match[1] ?? match[2], port };
}

/**
 * Connects to a TM and runs the handshake.
 *
 * @throws {HandshakeRefusedError} when the TM refuses (bad secret, bad version);
 * other errors for an unreachable TM or a timeout.
 */
export async function connectToTopicManager(options: ConnectOptions): Promise<TmSession> {
  const { hostname, port } = parseAddress(options.address);
  const timeoutMs = options.timeoutMs ?? 5000;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const cancel = (): void => abort.abort();
  options.signal?.addEventListener("abort", cancel);
  if (options.signal?.aborted) abort.abort();
  let link: FramedConn | undefined;
  try {
    const conn = await Deno.connect({ hostname, port, signal: abort.signal });
    link = new FramedConn(conn, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    abort.signal.addEventListener("abort", () => link!.close());
    const frames = link.frames();
    const next = async (): Promise<ReturnType<typeof decodeFrame>> => {
      const result = await frames.next();
      if (result.done) {
        throw new Error(
          abort.signal.aborted
            ? `handshake with ${options.address} timed out after ${timeoutMs} ms`
            : `topic manager ${options.address} closed the link during the handshake`,
        );
      }
      return decodeFrame(result.value);
    };
    const hello = await next();
    if (hello.t !== "hello") throw new Error(`expected 'hello' from the TM, got '${hello.t}'`);
    const mac = await signNonce(options.secret ?? "", hello.nonce);
    link.write(encodeFrame({ t: "auth", gw: options.gatewayId, mac }));
    const answer = await next();
    if (answer.t === "refuse") throw new HandshakeRefusedError(answer.reason);
    if (answer.t !== "welcome") {
      throw new Error(`expected 'welcome' from the TM, got '${answer.t}'`);
    }
    return { link, frames, heartbeat: { intervalMs: answer.hb, timeoutMs: answer.hbTimeout } };
  } catch (error) {
    link?.close();
    if (abort.signal.aborted && !(error instanceof HandshakeRefusedError)) {
      throw new Error(
        options.signal?.aborted
          ? `Cannot connect to topic manager ${options.address} as the attempt was cancelled`
          : `Cannot connect to topic manager ${options.address}: timed out after ${timeoutMs} ms`,
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", cancel);
  }
}
