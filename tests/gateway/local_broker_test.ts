import { createLocalBroker, LocalBus } from "../../gateway/local_broker.ts";
import { runBrokerConformance } from "../broker_conformance.ts";

runBrokerConformance("local", () => {
  const bus = new LocalBus();
  return Promise.resolve({
    broker: (gatewayId: string) => createLocalBroker({ bus, gatewayId }),
    close: () => Promise.resolve(),
  });
});
