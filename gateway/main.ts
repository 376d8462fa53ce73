/**
 * `deno task gateway`: the turnkey Firetower gateway. Options come from
 * flags, FIRETOWER_* environment variables or a TOML file (`--config`);
 * run with `--help` to list them.
 *
 * @module
 */
import { createConsoleLogger, type LogLevel } from "../actors/logger.ts";
import { loadOptions, OptionError, usage } from "../config/options.ts";
import type { Broker } from "./broker.ts";
import { GATEWAY_OPTIONS } from "./cli_options.ts";
import { createLocalBroker } from "./local_broker.ts";
import { type Authenticate, type GatewayHooks, serveGateway } from "./server.ts";
import { createTmBroker } from "./tm_broker.ts";

function fail(message: string): never {
  console.error(`firetower gateway: ${message}`);
  Deno.exit(2);
}

if (Deno.args.includes("--help")) {
  console.log(usage("deno task gateway", GATEWAY_OPTIONS));
  Deno.exit(0);
}

let options;
try {
  options = loadOptions(GATEWAY_OPTIONS, { args: Deno.args, env: Deno.env.toObject() });
} catch (error) {
  if (error instanceof OptionError) fail(error.message);
  throw error;
}

if (options.workers > 1) {
  const { runWorkers } = await import("./workers.ts");
  Deno.exit(await runWorkers(options.workers, options));
}

const logger = createConsoleLogger(options["log-level"] as LogLevel);
const workerIndex = Number(Deno.env.get("FIRETOWER_WORKER_INDEX") ?? "0");
const gatewayId = `gw${options["cluster-id"]}.${workerIndex}-${crypto.randomUUID().slice(0, 6)}`;

let hooks: GatewayHooks | undefined;
let authenticate: Authenticate | undefined;
if (options.hooks !== "") {
  const url = new URL(options.hooks, `file://${Deno.cwd()}/`).href;
  let module;
  try {
    module = await import(url);
  } catch (error) {
    fail(
      `cannot load hooks module '${options.hooks}': ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
  hooks = module.hooks ?? module.default;
  authenticate = module.authenticate;
  if (hooks === undefined && authenticate === undefined) {
    fail(`hooks module '${options.hooks}' exports neither 'hooks' nor 'authenticate'`);
  }
}

let broker: Broker;
if (options.broker === "tm") {
  if (options.tm.length === 0) fail("--broker tm needs --tm host:port[,host:port...]");
  broker = createTmBroker({ addresses: options.tm, secret: options.secret, gatewayId, logger });
} else if (options.broker === "redis") {
  // Loaded only when chosen: the default gateway carries no Redis or NATS client.
  const { createRedisBroker } = await import("./redis_broker.ts");
  broker = createRedisBroker({ url: options.redis, gatewayId, logger });
} else if (options.broker === "nats") {
  const { createNatsBroker } = await import("./nats_broker.ts");
  const servers = options.nats.split(",").map((url) => url.trim()).filter((url) => url !== "");
  broker = createNatsBroker({ servers, gatewayId, logger });
} else {
  broker = createLocalBroker({ gatewayId });
}

let server;
try {
  server = await serveGateway({
    hostname: options.host,
    port: options.port,
    path: options.path,
    reusePort: Deno.env.get("FIRETOWER_WORKER_INDEX") !== undefined,
    broker,
    logger,
    legacy: options.legacy,
    heartbeatIntervalMs: options["heartbeat-ms"],
    idleTimeoutSeconds: options["idle-timeout-s"],
    allowedOrigins: options["allowed-origins"].length > 0 ? options["allowed-origins"] : undefined,
    hooks,
    authenticate,
  });
} catch (error) {
  if (error instanceof Deno.errors.AddrInUse) {
    fail(`cannot listen on ${options.host}:${options.port}: the address is already in use`);
  }
  fail(`cannot start: ${error instanceof Error ? error.message : error}`);
}

const { hostname, port } = server.addr;
console.log(
  `firetower gateway ready: ws://${hostname}:${port}${options.path} broker=${options.broker} id=${server.gateway.id}`,
);

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  logger.info("draining: closing clients with 1012 (reconnect)");
  await server.shutdown();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
