import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { connectToTopicManager, HandshakeRefusedError } from "../../topic_manager/client.ts";
import { decodeFrame, FrameDecoder } from "../../topic_manager/wire.ts";
import {
  addressOf,
  eventually,
  pub,
  RawGateway,
  readUntilClosed,
  recordingLogger,
  startTestTm,
} from "./_support.ts";

Deno.test("a gateway without the right secret is refused and the TM keeps serving others", async (t) => {
  const { logger, events } = recordingLogger();
  const tm = await startTestTm({ logger });
  const a = await RawGateway.connect(tm, "good-a");
  const b = await RawGateway.connect(tm, "good-b");
  try {
    for (const [name, secret] of [["no secret", ""], ["a wrong secret", "guess"]]) {
      await t.step(`${name}: refused with a reason`, async () => {
        await assert.rejects(
          connectToTopicManager({ address: addressOf(tm), gatewayId: "intruder", secret }),
          (e: unknown) =>
            e instanceof HandshakeRefusedError &&
            /the cluster secret does not match/.test(e.message),
        );
      });
    }
    await t.step("the refusals are counted and logged; the intruder never joined", () => {
      assert.equal(tm.counters.refusedHandshakes, 2);
      assert.ok(
        events.some((e) => e.level === "warn" && e.message === "gateway handshake refused"),
      );
      assert.deepEqual(tm.gatewayIds().sort(), ["good-a", "good-b"]);
    });
    await t.step("the good gateways still route", async () => {
      b.send({ t: "subs", counts: [["room", 1]] });
      await eventually(() => assert.equal(tm.table.count("room"), 1));
      a.send(pub("good-a", "room", "hi"));
      await eventually(() => assert.equal(b.of("pub").length, 1));
    });
  } finally {
    await a.close();
    await b.close();
    await tm.close();
  }
});

Deno.test("a gateway speaking another protocol version gets a clear refusal", async () => {
  const tm = await startTestTm();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: tm.address.port });
  try {
    const body = encode({ v: 2, t: "auth", gw: "future", mac: new Uint8Array(32) });
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length);
    frame.set(body, 4);
    await conn.write(frame);
    const frames = new FrameDecoder().push(await readUntilClosed(conn)).map(decodeFrame);
    assert.equal(frames[0].t, "hello");
    const refusal = frames[1];
    assert.equal(refusal.t, "refuse");
    assert.match(
      refusal.t === "refuse" ? refusal.reason : "",
      /unsupported cluster protocol version 2; this peer speaks version 1/,
    );
  } finally {
    conn.close();
    await tm.close();
  }
});

Deno.test("a connection that never authenticates is refused after the handshake timeout", async () => {
  const tm = await startTestTm({ handshakeTimeoutMs: 150 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: tm.address.port });
  try {
    const started = performance.now();
    const frames = new FrameDecoder().push(await readUntilClosed(conn)).map(decodeFrame);
    assert.ok(performance.now() - started < 2000);
    assert.deepEqual(frames.map((f) => f.t), ["hello", "refuse"]);
    assert.equal(tm.counters.refusedHandshakes, 1);
  } finally {
    conn.close();
    await tm.close();
  }
});

Deno.test("a TM without a secret accepts gateways and warns at start", async () => {
  const { logger, events } = recordingLogger();
  const tm = await startTestTm({ secret: "", logger });
  try {
    const gateway = await RawGateway.connect(tm, "open", "anything");
    assert.deepEqual(tm.gatewayIds(), ["open"]);
    assert.ok(events.some((e) => e.level === "warn" && /NO cluster secret/.test(e.message)));
    await gateway.close();
  } finally {
    await tm.close();
  }
});
