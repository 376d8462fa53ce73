import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { encodeFrame } from "../../topic_manager/wire.ts";
import {
  eventually,
  pub,
  rawAuthenticated,
  RawGateway,
  readUntilClosed,
  recordingLogger,
  startTestTm,
} from "./_support.ts";

function withLength(body: Uint8Array, announced = body.length): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, announced);
  out.set(body, 4);
  return out;
}

Deno.test("a bad frame closes only the link that sent it while good gateways keep routing", async (t) => {
  const { logger, events } = recordingLogger();
  const tm = await startTestTm({ logger, maxFrameBytes: 64 * 1024 });
  const a = await RawGateway.connect(tm, "a");
  const b = await RawGateway.connect(tm, "b");
  b.send({ t: "subs", counts: [["room", 1]] });
  await eventually(() => assert.equal(tm.table.count("room"), 1));
  let sent = 0;
  const stillRouting = async (): Promise<void> => {
    a.send(pub("a", "room", ++sent));
    await eventually(() => assert.equal(b.of("pub").length, sent));
  };
  const cases: [string, (conn: Deno.Conn) => Promise<void>, RegExp][] = [
    ["random bytes", async (conn) => {
      const noise = crypto.getRandomValues(new Uint8Array(512));
      noise[0] |= 0x80; // announces a huge length, like most noise does
      await conn.write(noise);
    }, /larger than the maximum/],
    ["a length prefix with msgpack garbage", async (conn) => {
      await conn.write(withLength(new Uint8Array([0xc1, 0xc1, 0xc1])));
    }, /not valid msgpack/],
    ["an unknown frame type", async (conn) => {
      await conn.write(withLength(encode({ v: 1, t: "launch" })));
    }, /unknown frame type "launch"/],
    ["a frame type only a TM may send", async (conn) => {
      await conn.write(encodeFrame({ t: "welcome", hb: 1, hbTimeout: 2 }));
    }, /unexpected frame type 'welcome' from a gateway/],
    ["an oversized frame", async (conn) => {
      await conn.write(withLength(new Uint8Array(8), 10 * 1024 * 1024));
    }, /larger than the maximum of 65536 bytes/],
  ];
  try {
    for (const [name, misbehave, reason] of cases) {
      await t.step(`${name}: that link is closed with a logged reason`, async () => {
        const conn = await rawAuthenticated(tm, `bad-${name}`);
        try {
          await misbehave(conn);
          await readUntilClosed(conn);
        } finally {
          conn.close();
        }
        const warning = events.findLast((e) => e.message === "bad cluster frame; closing the link");
        assert.ok(warning, "a warning is logged");
        assert.match(String(warning.fields?.reason), reason);
        await eventually(() => assert.deepEqual(tm.gatewayIds().sort(), ["a", "b"]));
        await stillRouting();
      });
    }
    await t.step("a truncated frame followed by a hang-up closes only that link", async () => {
      const conn = await rawAuthenticated(tm, "truncated");
      const frame = encodeFrame(pub("truncated", "room", "never complete"));
      await conn.write(frame.subarray(0, frame.length - 5));
      conn.close();
      await eventually(() => assert.deepEqual(tm.gatewayIds().sort(), ["a", "b"]));
      await stillRouting();
      assert.equal(b.of("pub").some((p) => p.data === "never complete"), false);
    });
    assert.equal(tm.counters.badFrames, cases.length);
  } finally {
    await a.close();
    await b.close();
    await tm.close();
  }
});
