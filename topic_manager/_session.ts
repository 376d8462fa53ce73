/**
 * One gateway connection on the topic manager: handshake, heartbeats, then
 * frames into the router until the link ends. A bad frame closes this link
 * only. Private to `topic_manager/`.
 *
 * @module
 */
import type { Logger } from "../actors/logger.ts";
import type { ActorSystem } from "../actors/system.ts";
import { createNonce, verifyNonce } from "./auth.ts";
import { FramedConn } from "./framed_conn.ts";
import { RemoteGateway, type RemoteGatewayLimits } from "./remote_gateway.ts";
import type { Router } from "./router.ts";
import { decodeFrame, encodeFrame, type Frame, ProtocolError } from "./wire.ts";

/** What a session needs from its topic manager. */
export interface SessionContext {
  readonly router: Router;
  readonly system: ActorSystem;
  readonly logger: Logger;
  readonly secret: string;
  readonly maxFrameBytes: number;
  readonly handshakeTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly limits: RemoteGatewayLimits;
}

const MAX_GATEWAY_ID_LENGTH = 256;

/** Serves one accepted connection until it closes; never throws. */
export async function serveGateway(conn: Deno.Conn, ctx: SessionContext): Promise<void> {
  const addr = conn.remoteAddr as Deno.NetAddr;
  const address = `${addr.hostname}:${addr.port}`;
  const link = new FramedConn(conn, ctx.maxFrameBytes);
  const frames = link.frames();
  let gateway: RemoteGateway | undefined;
  let ticker: ReturnType<typeof setInterval> | undefined;
  try {
    const auth = await handshake(link, frames, ctx, address);
    if (auth === undefined) return;
    gateway = new RemoteGateway(ctx.system, { id: auth, address, link }, ctx.limits, (slow) => {
      ctx.router.counters.slowDisconnects++;
      ctx.logger.warn("gateway too slow; disconnecting", {
        gateway: slow.id,
        address,
        dropped: slow.dropped,
        overMs: ctx.limits.slowGatewayMs,
      });
      slow.disconnect();
    });
    gateway.sendNow(
      encodeFrame({ t: "welcome", hb: ctx.heartbeatMs, hbTimeout: ctx.heartbeatTimeoutMs }),
    );
    ctx.router.register(gateway);
    ctx.logger.info("gateway link up", { gateway: auth, address });
    let lastSeen = performance.now();
    const heartbeat = encodeFrame({ t: "hb" });
    const live = gateway;
    ticker = setInterval(() => {
      if (performance.now() - lastSeen > ctx.heartbeatTimeoutMs) {
        ctx.router.counters.heartbeatTimeouts++;
        ctx.logger.warn("gateway heartbeat timeout; disconnecting", {
          gateway: live.id,
          address,
          timeoutMs: ctx.heartbeatTimeoutMs,
        });
        live.disconnect();
      } else live.sendNow(heartbeat);
    }, ctx.heartbeatMs);
    for await (const raw of frames) {
      lastSeen = performance.now();
      ctx.router.handle(gateway, decodeFrame(raw), raw);
    }
    ctx.logger.info("gateway link down", { gateway: auth, address, reason: "closed" });
  } catch (error) {
    if (error instanceof ProtocolError) {
      ctx.router.counters.badFrames++;
      ctx.logger.warn("bad cluster frame; closing the link", {
        gateway: gateway?.id ?? "(handshake)",
        address,
        reason: error.message,
      });
      await sendAndClose(link, { t: "error", code: error.kind, message: error.message });
    } else if (!link.closed) {
      ctx.logger.info("gateway link down", { gateway: gateway?.id, address, reason: error });
    }
  } finally {
    clearInterval(ticker);
    link.close();
    if (gateway !== undefined) {
      ctx.router.unregister(gateway);
      await gateway.stop();
    }
  }
}

/** Runs the handshake; returns the gateway id, or undefined after a refusal. */
async function handshake(
  link: FramedConn,
  frames: AsyncGenerator<Uint8Array>,
  ctx: SessionContext,
  address: string,
): Promise<string | undefined> {
  const nonce = createNonce();
  link.write(encodeFrame({ t: "hello", nonce }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ctx.handshakeTimeoutMs);
  });
  const first = await Promise.race([frames.next(), timedOut]).finally(() => clearTimeout(timer));
  const refuse = async (reason: string): Promise<undefined> => {
    ctx.router.counters.refusedHandshakes++;
    ctx.logger.warn("gateway handshake refused", { address, reason });
    await sendAndClose(link, { t: "refuse", reason });
    return undefined;
  };
  if (first === "timeout") {
    return refuse(`no 'auth' frame within the handshake timeout of ${ctx.handshakeTimeoutMs} ms`);
  }
  if (first.done) return undefined;
  let frame: Frame;
  try {
    frame = decodeFrame(first.value);
  } catch (error) {
    if (error instanceof ProtocolError) return refuse(error.message);
    throw error;
  }
  if (frame.t !== "auth") return refuse(`expected an 'auth' frame first, got '${frame.t}'`);
  if (frame.gw.length === 0 || frame.gw.length > MAX_GATEWAY_ID_LENGTH) {
    return refuse(`gateway id must be 1 to ${MAX_GATEWAY_ID_LENGTH} characters`);
  }
  if (!(await verifyNonce(ctx.secret, nonce, frame.mac))) {
    return refuse("authentication failed: the cluster secret does not match");
  }
  return frame.gw;
}

/** Writes a last frame, waits briefly for it to leave, and closes. */
async function sendAndClose(link: FramedConn, frame: Frame): Promise<void> {
  link.write(encodeFrame(frame));
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    link.drained(),
    new Promise<void>((resolve) => timer = setTimeout(resolve, 200)),
  ]);
  clearTimeout(timer);
  link.close();
}
