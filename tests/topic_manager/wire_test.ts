import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import {
  decodeFrame,
  encodeFrame,
  type Frame,
  FrameDecoder,
  ProtocolError,
} from "../../topic_manager/wire.ts";

const SAMPLES: Frame[] = [
  { t: "hello", nonce: new Uint8Array([1, 2, 3]) },
  { t: "auth", gw: "gw-1", mac: new Uint8Array(32).fill(7) },
  { t: "welcome", hb: 5000, hbTimeout: 15000 },
  { t: "refuse", reason: "no" },
  { t: "hb" },
  { t: "subs", counts: [["a", 1], ["b", 0]] },
  {
    t: "pub",
    topic: "news",
    data: { x: [1, "ü", null] },
    id: "m1",
    time: 1_700_000_000_000,
    cid: "c",
    uid: "u",
    o: "gw",
  },
  { t: "count", id: 1, topic: "a" },
  { t: "countReply", id: 1, count: 3 },
  { t: "exists", id: 2, topic: "a" },
  { t: "existsReply", id: 2, exists: true },
  { t: "cmd", id: "gw/1", cmd: { kind: "disconnectUser", userId: "u" } },
  { t: "cmdAck", id: "gw/1" },
  { t: "error", code: "malformed", message: "bad" },
];

function rawFrame(value: unknown): Uint8Array {
  const body = encode(value);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

Deno.test("every frame type survives an encode/decode round trip", () => {
  for (const frame of SAMPLES) {
    assert.deepEqual(decodeFrame(encodeFrame(frame)), { v: 1, ...frame });
  }
});

Deno.test("FrameDecoder reassembles frames from split and coalesced reads", async (t) => {
  const stream = new Uint8Array(SAMPLES.flatMap((frame) => [...encodeFrame(frame)]));
  await t.step("one byte at a time", () => {
    const decoder = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
    assert.deepEqual(frames.map((f) => decodeFrame(f).t), SAMPLES.map((f) => f.t));
    assert.equal(decoder.pending, 0);
  });
  await t.step("everything in one read", () => {
    const frames = new FrameDecoder().push(stream);
    assert.deepEqual(frames.map((f) => decodeFrame(f).t), SAMPLES.map((f) => f.t));
  });
  await t.step("uneven chunks straddling headers", () => {
    const decoder = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < stream.length; i += 7) {
      frames.push(...decoder.push(stream.subarray(i, i + 7)));
    }
    assert.equal(frames.length, SAMPLES.length);
  });
  await t.step("returned frames are copies that later reads do not overwrite", () => {
    const decoder = new FrameDecoder();
    const [first] = decoder.push(encodeFrame({ t: "refuse", reason: "first" }));
    decoder.push(encodeFrame({ t: "refuse", reason: "second" }));
    assert.deepEqual(decodeFrame(first), { v: 1, t: "refuse", reason: "first" });
  });
});

Deno.test("FrameDecoder refuses a frame larger than the maximum", () => {
  const decoder = new FrameDecoder(1024);
  const header = new Uint8Array([0, 0, 4, 1]); // 1025 bytes announced
  assert.throws(
    () => decoder.push(header),
    (e: unknown) =>
      e instanceof ProtocolError && e.kind === "oversized" && /1025 bytes/.test(e.message),
  );
});

Deno.test("encodeFrame refuses a body larger than the maximum", () => {
  assert.throws(
    () => encodeFrame({ t: "refuse", reason: "x".repeat(2000) }, 1024),
    /Cannot encode frame 'refuse' as its body must be at most 1024 bytes/,
  );
});

Deno.test("decodeFrame rejects garbage with a reason", async (t) => {
  const cases: [string, Uint8Array, RegExp, ProtocolError["kind"]][] = [
    ["invalid msgpack", new Uint8Array([0, 0, 0, 2, 0xc1, 0xc1]), /not valid msgpack/, "malformed"],
    ["not a map", rawFrame([1, 2]), /not a msgpack map/, "malformed"],
    [
      "another version",
      rawFrame({ v: 2, t: "hb" }),
      /unsupported cluster protocol version 2/,
      "version",
    ],
    ["no version", rawFrame({ t: "hb" }), /unsupported cluster protocol version/, "version"],
    ["unknown type", rawFrame({ v: 1, t: "nope" }), /unknown frame type "nope"/, "malformed"],
    [
      "missing field",
      rawFrame({ v: 1, t: "pub", topic: "x" }),
      /'pub' has a missing or invalid field 'data'/,
      "malformed",
    ],
    [
      "mistyped count",
      rawFrame({ v: 1, t: "subs", counts: [["a", -1]] }),
      /field 'counts'/,
      "malformed",
    ],
    [
      "bad command",
      rawFrame({ v: 1, t: "cmd", id: "1", cmd: { kind: "explode" } }),
      /field 'cmd'/,
      "malformed",
    ],
  ];
  for (const [name, bytes, message, kind] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => decodeFrame(bytes),
        (e: unknown) => e instanceof ProtocolError && e.kind === kind && message.test(e.message),
      );
    });
  }
});
