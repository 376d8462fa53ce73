/**
 * How many publishes one topic manager routes per second. Starts a TM as a
 * subprocess (`topic_manager/main.ts`), connects one publisher link and four
 * receiver links with the cluster client, and measures two cases: each
 * publish routed to one gateway, and to all four. Prints one JSON line.
 *
 * Usage: `deno run -A bench/tm_route.ts [--publishes 200000] [--payload 100]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { connectToTopicManager, type TmSession } from "../topic_manager/client.ts";
import { encodeFrame } from "../topic_manager/wire.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    publishes: { type: "string", default: "200000" },
    payload: { type: "string", default: "100" },
    window: { type: "string", default: "4000" },
  },
});
const PUBLISHES = Number(values.publishes);
const PAYLOAD = "x".repeat(Number(values.payload));
const WINDOW = Number(values.window);
const SECRET = "bench";
const BATCH = 500;

const tm = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL("../topic_manager/main.ts", import.meta.url).pathname,
    ...["--host", "127.0.0.1", "--port", "0", "--http-port", "0", "--secret", SECRET],
    ...["--log-level", "warn", "--slow-gateway-ms", "60000"],
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const reader = tm.stdout.getReader();
const decoder = new TextDecoder();
let ready = "";
while (!ready.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) throw new Error("the TM exited before it was ready");
  ready += decoder.decode(value, { stream: true });
}
reader.releaseLock();
const [, clusterPort, httpPort] = /tcp:\/\/[^:]+:(\d+) http http:\/\/[^:]+:(\d+)/.exec(ready)!;
const address = `127.0.0.1:${clusterPort}`;

const connect = (gatewayId: string): Promise<TmSession> =>
  connectToTopicManager({ address, gatewayId, secret: SECRET });
const publisher = await connect("publisher");
const receivers = await Promise.all([0, 1, 2, 3].map((i) => connect(`receiver-${i}`)));
const counts = [0, 0, 0, 0];
const readers = receivers.map(async (session, i) => {
  try {
    for await (const frame of session.frames) if (frame.length > 32) counts[i]++; // not a heartbeat
  } catch {
    // closed at the end
  }
});
const drainPublisher = (async () => {
  try {
    for await (const _ of publisher.frames); // heartbeats
  } catch {
    // closed at the end
  }
})();

async function scenario(topic: string, targets: number[]): Promise<number> {
  for (const i of targets) {
    receivers[i].link.write(encodeFrame({ t: "subs", counts: [[topic, 1]] }));
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const frame = encodeFrame({
    t: "pub",
    topic,
    data: PAYLOAD,
    id: "bench",
    time: Date.now(),
    cid: "c",
    uid: "u",
    o: "publisher",
  });
  const batch = new Uint8Array(frame.length * BATCH);
  for (let i = 0; i < BATCH; i++) batch.set(frame, i * frame.length);
  const base = targets.map((i) => counts[i]);
  const received = (): number => Math.min(...targets.map((i, k) => counts[i] - base[k]));
  const started = performance.now();
  let sent = 0;
  while (sent < PUBLISHES) {
    while (sent - received() > WINDOW) await new Promise((resolve) => setTimeout(resolve, 0));
    publisher.link.write(batch);
    sent += BATCH;
    await publisher.link.drained();
  }
  while (received() < sent) await new Promise((resolve) => setTimeout(resolve, 1));
  const seconds = (performance.now() - started) / 1000;
  for (const i of targets) {
    receivers[i].link.write(encodeFrame({ t: "subs", counts: [[topic, 0]] }));
  }
  return Math.round(sent / seconds);
}

const toOne = await scenario("bench/one", [0]);
const toAll = await scenario("bench/all", [0, 1, 2, 3]);
const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
const dropped = Number(/^firetower_tm_dropped_frames_total (\d+)$/m.exec(metrics)?.[1] ?? NaN);

for (const session of [publisher, ...receivers]) session.link.close();
await Promise.all([...readers, drainPublisher]);
tm.kill("SIGTERM");
await tm.status;
await tm.stdout.cancel();

console.log(JSON.stringify({
  bench: "tm_route",
  publishes: PUBLISHES,
  payloadBytes: PAYLOAD.length,
  frameBytes: encodeFrame({
    t: "pub",
    topic: "bench/one",
    data: PAYLOAD,
    id: "bench",
    time: Date.now(),
    cid: "c",
    uid: "u",
    o: "publisher",
  }).length,
  routedPerSecondToOneGateway: toOne,
  routedPerSecondToFourGateways: toAll,
  deliveriesPerSecondToFourGateways: toAll * 4,
  droppedFrames: dropped,
  deno: Deno.version.deno,
}));
