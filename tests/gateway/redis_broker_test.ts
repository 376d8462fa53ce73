import assert from "node:assert/strict";
import { createClient } from "redis";
import { createRedisBroker } from "../../gateway/redis_broker.ts";
import { silentLogger } from "../../actors/logger.ts";
import {
  eventually,
  publication,
  RecordingHandler,
  runBrokerConformance,
} from "../broker_conformance.ts";

const REDIS_URL = "redis://127.0.0.1:6379";

/** Whether a Redis server answers at `REDIS_URL`. */
async function redisReachable(): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: 6379 });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(64);
      const timer = setTimeout(() => conn.close(), 1000);
      const n = await conn.read(buffer).finally(() => clearTimeout(timer));
      return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG");
    } finally {
      try {
        conn.close();
      } catch {
        // closed by the timer
      }
    }
  } catch {
    return false;
  }
}

/** Deletes every key under `prefix`. */
async function cleanUp(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const key of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 100 })) {
      keys.push(key);
    }
    if (keys.length > 0) await client.del(keys);
  } finally {
    await client.quit();
  }
}

if (await redisReachable()) {
  runBrokerConformance("redis", () => {
    const keyPrefix = `firetower-test-${crypto.randomUUID()}`;
    return Promise.resolve({
      broker: (gatewayId: string) =>
        createRedisBroker({ url: REDIS_URL, gatewayId, keyPrefix, logger: silentLogger }),
      close: () => cleanUp(keyPrefix),
    });
  });

  Deno.test("redis broker reconnects and re-announces its counts after the link breaks", async () => {
    const keyPrefix = `firetower-test-${crypto.randomUUID()}`;
    const gatewayId = `b-${crypto.randomUUID().slice(0, 8)}`;
    const links: boolean[] = [];
    const handler = new (class extends RecordingHandler {
      linkChanged(up: boolean): void {
        links.push(up);
      }
    })();
    handler.counts.set("room", 4);
    const a = createRedisBroker({ gatewayId: "a", keyPrefix, logger: silentLogger });
    const b = createRedisBroker({ gatewayId, keyPrefix, logger: silentLogger });
    const admin = createClient({ url: REDIS_URL });
    admin.on("error", () => {});
    try {
      await a.start(new RecordingHandler());
      await b.start(handler);
      await admin.connect();
      await eventually(async () => assert.equal(await a.subscriberCount("room"), 4));
      assert.deepEqual(links, [true]);
      // The link breaks and b's counts are lost, as after a Redis restart.
      handler.counts.set("room", 6);
      const list = await admin.sendCommand<string>(["CLIENT", "LIST"]);
      const ids = list.split("\n").filter((line) => line.includes(` name=firetower:${gatewayId} `))
        .map((line) => /\bid=(\d+)/.exec(line)![1]);
      assert.equal(ids.length, 2, "a command and a subscriber connection");
      await admin.del(`${keyPrefix}:gw:${gatewayId}`);
      for (const id of ids) await admin.sendCommand(["CLIENT", "KILL", "ID", id]);
      await eventually(() => assert.deepEqual(links, [true, false, true]), 5000);
      await eventually(async () => assert.equal(await a.subscriberCount("room"), 6));
      await a.publish(publication("a", "room", "after the break"));
      await eventually(() => assert.equal(handler.delivered.length, 1));
      assert.equal(handler.delivered[0].data, "after the break");
    } finally {
      await a.close();
      await b.close();
      if (admin.isOpen) await admin.quit();
      await cleanUp(keyPrefix);
    }
  });
} else {
  Deno.test({
    name: `redis broker satisfies the broker contract (ignored: no Redis answers at ${REDIS_URL})`,
    ignore: true,
    fn: () => {},
  });
}
