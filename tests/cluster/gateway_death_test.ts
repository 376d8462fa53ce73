/**
 * Gateways that die or freeze: the topic manager forgets their routes within
 * its heartbeat timeout while the other gateways keep routing.
 */
import assert from "node:assert/strict";
import {
  cleanUp,
  Client,
  eventually,
  type GatewayProcess,
  startGateway,
  startTm,
  type TmProcess,
} from "./_cluster.ts";

const HEARTBEAT_MS = 200;
const HEARTBEAT_TIMEOUT_MS = 1000;
/** Slack for process scheduling on a loaded machine. */
const SLACK_MS = 1000;
const TOPIC = "/death/room";

interface Cluster {
  tm: TmProcess;
  gateways: GatewayProcess[];
  clients: Client[];
}

/** A TM and three gateways, each with one client on TOPIC and one on its own topic. */
async function startCluster(processes: (TmProcess | GatewayProcess)[], clients: Client[]) {
  const tm = await startTm({ heartbeatMs: HEARTBEAT_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS });
  processes.push(tm);
  const gateways: GatewayProcess[] = [];
  for (let g = 0; g < 3; g++) {
    const gateway = await startGateway([tm]);
    processes.push(gateway);
    gateways.push(gateway);
    for (const topics of [[TOPIC], [`/death/only-${g}`]]) {
      const client = await Client.connect(gateway.url);
      clients.push(client);
      await client.subscribe(topics);
    }
  }
  await eventually(async () =>
    assert.deepEqual(await tm.topicCounts(), {
      [TOPIC]: 3,
      "/death/only-0": 1,
      "/death/only-1": 1,
      "/death/only-2": 1,
    })
  );
  return { tm, gateways, clients } satisfies Cluster;
}

/** Waits until the TM lists neither gateway 1 nor its routes; returns how long that took. */
async function waitForgotten({ tm, gateways }: Cluster, since: number): Promise<number> {
  await eventually(async () => {
    assert.deepEqual(await tm.gatewayIds(), [gateways[0].id, gateways[2].id].sort());
    assert.deepEqual(await tm.topicCounts(), {
      [TOPIC]: 2,
      "/death/only-0": 1,
      "/death/only-2": 1,
    });
  }, HEARTBEAT_TIMEOUT_MS + SLACK_MS);
  return Date.now() - since;
}

/** A publish from gateway 0's client reaches gateway 2's client. */
async function stillRoutes({ clients }: Cluster, data: string): Promise<void> {
  clients[0].publish(TOPIC, data);
  await clients[4].waitFor((f) => f.type === "publish" && f.data === data, data);
}

Deno.test("a gateway killed with SIGKILL is forgotten by the TM within the heartbeat timeout", async () => {
  const processes: (TmProcess | GatewayProcess)[] = [];
  const clients: Client[] = [];
  try {
    const cluster = await startCluster(processes, clients);
    const killedAt = Date.now();
    cluster.gateways[1].kill("SIGKILL");
    const tookMs = await waitForgotten(cluster, killedAt);
    assert.ok(tookMs <= HEARTBEAT_TIMEOUT_MS + SLACK_MS, `forgotten after ${tookMs} ms`);
    await stillRoutes(cluster, "after the kill");
    assert.equal(cluster.gateways[0].exited || cluster.gateways[2].exited, false);
  } finally {
    await cleanUp(processes, clients);
  }
});

Deno.test("a frozen gateway (SIGSTOP) is dropped after the heartbeat timeout and rejoins with its routes after SIGCONT", async () => {
  const processes: (TmProcess | GatewayProcess)[] = [];
  const clients: Client[] = [];
  let frozen: GatewayProcess | undefined;
  try {
    const cluster = await startCluster(processes, clients);
    frozen = cluster.gateways[1];
    const stoppedAt = Date.now();
    frozen.kill("SIGSTOP");
    const tookMs = await waitForgotten(cluster, stoppedAt);
    // The link stays open, so only the missing heartbeats can have told the TM.
    // The TM counts from the last frame it heard, which may have come up to
    // one heartbeat interval before the stop.
    assert.ok(
      tookMs >= HEARTBEAT_TIMEOUT_MS - HEARTBEAT_MS - 100,
      `dropped after only ${tookMs} ms`,
    );
    assert.ok(await cluster.tm.metric("firetower_tm_heartbeat_timeouts_total") >= 1);
    await stillRoutes(cluster, "while frozen");

    frozen.kill("SIGCONT");
    frozen = undefined;
    await eventually(async () => {
      assert.deepEqual(await cluster.tm.gatewayIds(), cluster.gateways.map((g) => g.id).sort());
      assert.equal((await cluster.tm.topicCounts())[TOPIC], 3);
    }, 5000);
    cluster.clients[0].publish(TOPIC, "after the thaw");
    await cluster.clients[2].waitFor((f) => f.data === "after the thaw", "after the thaw");
  } finally {
    frozen?.kill("SIGCONT");
    await cleanUp(processes, clients);
  }
});
