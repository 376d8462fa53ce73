import { createNatsBroker } from "../../gateway/nats_broker.ts";
import { runBrokerConformance } from "../broker_conformance.ts";
import type { Logger } from "../../actors/logger.ts";

const NATS_HOST = "127.0.0.1";
const NATS_PORT = 4222;

async function natsReachable(): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: NATS_HOST, port: NATS_PORT });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

const quiet: Logger = { error() {}, warn() {}, info() {}, debug() {} };

if (await natsReachable()) {
  runBrokerConformance("nats", () => {
    // A unique subject prefix per cluster keeps runs and steps apart on one NATS.
    const subjectPrefix = `ft-test-${crypto.randomUUID().slice(0, 8)}`;
    return Promise.resolve({
      broker: (gatewayId: string) =>
        createNatsBroker({
          servers: `nats://${NATS_HOST}:${NATS_PORT}`,
          gatewayId,
          subjectPrefix,
          logger: quiet,
        }),
      close: () => Promise.resolve(),
    });
  });
} else {
  Deno.test({
    name:
      `nats broker satisfies the broker contract (ignored: no NATS at ${NATS_HOST}:${NATS_PORT})`,
    ignore: true,
    fn() {},
  });
}
