/**
 * A topic manager process killed with SIGKILL and restarted on the same
 * ports: the gateways reconnect and re-announce, nothing else notices.
 */
import assert from "node:assert/strict";
import { Rendezvous } from "../../gateway/_tm_shard.ts";
import {
  cleanUp,
  Client,
  eventually,
  type GatewayProcess,
  startGateway,
  startTm,
  type TmProcess,
} from "./_cluster.ts";

const RESTORE_LIMIT_MS = 5000;

/** Publishes `data` to `topic` from `from` and waits until every client in `to` has it. */
async function roundTrip(from: Client, to: readonly Client[], topic: string, data: string) {
  from.publish(topic, data);
  await Promise.all(to.map((client) =>
    client.waitFor(
      (f) => f.type === "publish" && f.topic === topic && f.data === data,
      `${data} on ${topic}`,
    )
  ));
}

Deno.test("a TM killed with SIGKILL and restarted on its port gets every subscription back within 5 s and routes again", async () => {
  const clients: Client[] = [];
  const tms: (TmProcess | undefined)[] = [];
  const gateways: GatewayProcess[] = [];
  try {
    for (let i = 0; i < 2; i++) tms.push(await startTm());
    const [victim, survivor] = tms as TmProcess[];
    for (let g = 0; g < 3; g++) gateways.push(await startGateway([victim, survivor]));
    // One topic owned by each TM.
    const ring = new Rendezvous([victim.address, survivor.address]);
    let onVictim = "", onSurvivor = "";
    for (let i = 0; onVictim === "" || onSurvivor === ""; i++) {
      const topic = `/restart/${i}`;
      if (ring.owner(topic) === 0) onVictim ||= topic;
      else onSurvivor ||= topic;
    }
    for (const gateway of gateways) {
      for (const topics of [[onVictim, onSurvivor], [onVictim], [onSurvivor]]) {
        const client = await Client.connect(gateway.url);
        clients.push(client);
        await client.subscribe(topics);
      }
    }
    const holders = (topic: string): Client[] =>
      clients.filter((_, i) => i % 3 === 0 || (i % 3 === 1) === (topic === onVictim));
    const before = { [onVictim]: 6 };
    await eventually(async () => assert.deepEqual(await victim.topicCounts(), before));
    await eventually(async () =>
      assert.deepEqual(await survivor.topicCounts(), { [onSurvivor]: 6 })
    );
    await roundTrip(clients[0], holders(onVictim), onVictim, "before");

    victim.kill("SIGKILL");
    assert.equal((await victim.child.status).signal, "SIGKILL");
    await Promise.all(gateways.map((g) => g.waitLine(/WARN TM link down/)));

    await roundTrip(clients[3], holders(onSurvivor), onSurvivor, "during the outage");

    const restartedAt = Date.now();
    const restarted = await startTm({ port: victim.port, httpPort: victim.httpPort });
    tms[0] = restarted;
    await eventually(async () => {
      assert.deepEqual(await restarted.topicCounts(), before);
      assert.deepEqual(await restarted.gatewayIds(), gateways.map((g) => g.id).sort());
    }, RESTORE_LIMIT_MS);
    const restoredMs = Date.now() - restartedAt;
    assert.ok(restoredMs <= RESTORE_LIMIT_MS, `restored after ${restoredMs} ms`);

    for (const [g, from] of [clients[0], clients[4], clients[8]].entries()) {
      await roundTrip(from, holders(onVictim), onVictim, `after the restart from ${g}`);
      await roundTrip(from, holders(onSurvivor), onSurvivor, `after the restart from ${g}`);
    }
    for (const gateway of gateways) assert.equal(gateway.exited, false, `${gateway.id} exited`);
  } finally {
    await cleanUp([...tms, ...gateways], clients);
  }
});
