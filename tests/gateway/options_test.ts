import assert from "node:assert/strict";
import { createGateway } from "../../gateway/gateway.ts";
import { DEFAULT_LIMITS, type GatewayLimits } from "../../gateway/limits.ts";
import { connect, silentLogger, startGateway, wsUrl } from "./_client.ts";

const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as (keyof GatewayLimits)[];

function rangeError(message: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof RangeError, `expected a RangeError, got ${error}`);
    assert.equal(error.message, message);
    return true;
  };
}

Deno.test("a limit that is not a positive integer is refused with a RangeError naming it", async (t) => {
  for (const name of LIMIT_NAMES) {
    await t.step(name, async () => {
      for (const value of [0, -1, 1.5, NaN, Infinity]) {
        await assert.rejects(
          createGateway({ logger: silentLogger, limits: { [name]: value } }),
          rangeError(
            `Cannot create gateway as 'limits.${name}' must be a positive integer: current value is ${value}`,
          ),
        );
      }
    });
  }

  await t.step("a value of the wrong type", async () => {
    await assert.rejects(
      createGateway({
        logger: silentLogger,
        limits: { maxFrameBytes: "4096" as unknown as number },
      }),
      rangeError(
        "Cannot create gateway as 'limits.maxFrameBytes' must be a positive integer: current value is 4096",
      ),
    );
  });
});

Deno.test("an unknown limit is refused with a RangeError naming it", async () => {
  await assert.rejects(
    createGateway({ logger: silentLogger, limits: { maxFrames: 5 } as Partial<GatewayLimits> }),
    rangeError("Cannot create gateway as 'limits.maxFrames' is not a known limit"),
  );
});

Deno.test("a bad heartbeatIntervalMs is refused with a RangeError naming it", async () => {
  for (const value of [-1, 0.5, NaN]) {
    await assert.rejects(
      createGateway({ logger: silentLogger, heartbeatIntervalMs: value }),
      rangeError(
        `Cannot create gateway as 'heartbeatIntervalMs' must be a non-negative integer: current value is ${value}`,
      ),
    );
  }
});

Deno.test("serveGateway refuses bad options before it listens", async () => {
  await assert.rejects(
    startGateway({ limits: { readQueueSize: 0 } }),
    rangeError(
      "Cannot create gateway as 'limits.readQueueSize' must be a positive integer: current value is 0",
    ),
  );
});

Deno.test("serveGateway refuses a bad idleTimeoutSeconds, naming it", async () => {
  for (const value of [-1, 1.5]) {
    await assert.rejects(
      startGateway({ idleTimeoutSeconds: value }),
      rangeError(
        `Cannot serve gateway as 'idleTimeoutSeconds' must be a non-negative integer: current value is ${value}`,
      ),
    );
  }
});

Deno.test("a limit given as undefined takes its default", async () => {
  const server = await startGateway({ limits: { maxFrameBytes: undefined, sendQueueSize: 5 } });
  const client = await connect(wsUrl(server));
  try {
    client.send(JSON.stringify({ type: "publish", topic: "t", data: "x".repeat(70_000) }));
    const error = await client.expect({ type: "error" });
    assert.equal(error.code, "frame_too_large");
    assert.match(error.message as string, /65536 bytes/);
    assert.equal(await client.waitClosed(), 1009);
  } finally {
    await client.close();
    await server.shutdown();
  }
});
