/**
 * Process-level versions of the topic manager's handshake and bad-frame
 * tests (`tests/topic_manager/` covers them in-process, reason by reason):
 * gateways without the secret are refused, and garbage on the TM's TCP port
 * closes that connection only, while real gateway processes keep routing.
 */
import assert from "node:assert/strict";
import { signNonce } from "../../topic_manager/auth.ts";
import { decodeFrame, encodeFrame, FrameDecoder } from "../../topic_manager/wire.ts";
import {
  cleanUp,
  Client,
  eventually,
  type GatewayProcess,
  SECRET,
  startGateway,
  startTm,
  type TmProcess,
} from "./_cluster.ts";

const TOPIC = "/intruders/room";

/** Reads until the TM closes the connection; fails after `timeoutMs`. */
async function readUntilClosed(conn: Deno.Conn, timeoutMs = 3000): Promise<void> {
  const buf = new Uint8Array(4096);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    conn.close();
  }, timeoutMs);
  try {
    while (await conn.read(buf) !== null);
  } catch (error) {
    if (timedOut) throw new Error(`the TM did not close the connection within ${timeoutMs} ms`);
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A raw TCP connection to the TM, authenticated by hand as `gatewayId` when asked. */
async function rawConnection(tm: TmProcess, gatewayId?: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: tm.port });
  if (gatewayId === undefined) return conn;
  const decoder = new FrameDecoder();
  const buf = new Uint8Array(4096);
  const next = async () => {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("the TM closed the connection during the handshake");
      const frames = decoder.push(buf.subarray(0, n));
      if (frames.length > 0) return decodeFrame(frames[0]);
    }
  };
  const hello = await next();
  assert.equal(hello.t, "hello");
  if (hello.t !== "hello") throw new Error("unreachable");
  await conn.write(
    encodeFrame({ t: "auth", gw: gatewayId, mac: await signNonce(SECRET, hello.nonce) }),
  );
  assert.equal((await next()).t, "welcome");
  return conn;
}

function withLength(body: Uint8Array, announced = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, announced);
  out.set(body, 4);
  return out;
}

Deno.test("gateways without the cluster secret are refused and the others keep routing", async () => {
  const processes: (TmProcess | GatewayProcess)[] = [];
  const clients: Client[] = [];
  try {
    const tm = await startTm();
    processes.push(tm);
    const good: GatewayProcess[] = [];
    for (let g = 0; g < 2; g++) {
      good.push(await startGateway([tm]));
      processes.push(good[g]);
      clients.push(await Client.connect(good[g].url));
      await clients[g].subscribe([TOPIC]);
    }
    // Both wait out the gateway's start timeout (3 s) before printing their ready line.
    const settled = await Promise.allSettled([
      startGateway([tm], { secret: "not-the-secret" }),
      startGateway([tm], { secret: "" }),
    ]);
    for (const s of settled) if (s.status === "fulfilled") processes.push(s.value);
    const [wrong, none] = settled.map((s) => {
      if (s.status === "rejected") throw s.reason;
      return s.value;
    });
    for (const intruder of [wrong, none]) {
      await intruder.waitLine(
        /ERROR TM link connect failed .*authentication failed: the cluster secret does not match/,
      );
    }
    await tm.waitLine(/WARN gateway handshake refused .*the cluster secret does not match/);
    assert.ok(await tm.metric("firetower_tm_refused_handshakes_total") >= 2);

    // An intruder's client can subscribe locally, but the TM never learns of it.
    const outsider = await Client.connect(wrong.url);
    clients.push(outsider);
    await outsider.subscribe([TOPIC]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(await tm.gatewayIds(), good.map((g) => g.id).sort());
    assert.deepEqual(await tm.topicCounts(), { [TOPIC]: 2 });

    clients[0].publish(TOPIC, "members only");
    await clients[1].waitFor((f) => f.data === "members only", "members only");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(outsider.publications().length, 0, "the refused gateway got a publish");
    assert.ok(processes.every((p) => !p.exited), "a process exited");
  } finally {
    await cleanUp(processes, clients);
  }
});

Deno.test("garbage on the TM's TCP port closes only that connection while gateways keep routing", async (t) => {
  const processes: (TmProcess | GatewayProcess)[] = [];
  const clients: Client[] = [];
  try {
    const tm = await startTm();
    processes.push(tm);
    const gateways: GatewayProcess[] = [];
    for (let g = 0; g < 2; g++) {
      gateways.push(await startGateway([tm]));
      processes.push(gateways[g]);
    }
    for (const gateway of gateways) {
      const client = await Client.connect(gateway.url);
      clients.push(client);
      await client.subscribe([TOPIC]);
    }
    await eventually(async () => assert.deepEqual(await tm.topicCounts(), { [TOPIC]: 2 }));
    let sent = 0;
    const stillRouting = async (): Promise<void> => {
      const data = `still routing ${++sent}`;
      clients[0].publish(TOPIC, data);
      await clients[1].waitFor((f) => f.data === data, data);
    };
    const noise = (): Uint8Array => {
      const bytes = crypto.getRandomValues(new Uint8Array(512));
      bytes[0] |= 0x80; // announces a length over the maximum, as most noise does
      return bytes;
    };
    const truncated = encodeFrame({ t: "subs", counts: [[TOPIC, 5]] }).subarray(0, 9);
    const cases: [name: string, authenticated: boolean, misbehave: (c: Deno.Conn) => unknown][] = [
      ["random bytes before the handshake", false, (c) => c.write(noise())],
      ["a truncated frame and a hang-up before the handshake", false, async (c) => {
        await c.write(truncated);
        await c.closeWrite();
      }],
      ["random bytes from an authenticated gateway", true, (c) => c.write(noise())],
      [
        "msgpack garbage in a well-framed body",
        true,
        (c) => c.write(withLength(new Uint8Array([0xc1, 0xc1]))),
      ],
      ["a truncated frame and a hang-up from an authenticated gateway", true, async (c) => {
        await c.write(truncated);
        await c.closeWrite();
      }],
    ];
    for (const [name, authenticated, misbehave] of cases) {
      await t.step(
        `${name}: that connection is closed, the TM and the gateways carry on`,
        async () => {
          const id = authenticated ? `intruder-${sent}` : undefined;
          const conn = await rawConnection(tm, id);
          try {
            if (id !== undefined) {
              await eventually(async () => assert.ok((await tm.gatewayIds()).includes(id)));
            }
            await misbehave(conn);
            await readUntilClosed(conn);
          } finally {
            conn.close();
          }
          await eventually(async () => {
            assert.deepEqual(await tm.gatewayIds(), gateways.map((g) => g.id).sort());
            assert.deepEqual(await tm.topicCounts(), { [TOPIC]: 2 });
          });
          await stillRouting();
          assert.ok(processes.every((p) => !p.exited), "a process exited");
        },
      );
    }
    assert.ok(await tm.metric("firetower_tm_bad_frames_total") >= 3);
  } finally {
    await cleanUp(processes, clients);
  }
});
