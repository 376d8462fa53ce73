/**
 * `deno task tm`: runs a topic manager. Options come from flags, then
 * `FIRETOWER_*` environment variables, then the `--config` TOML file.
 * Prints one ready line on stdout; exits 2 on a bad option, 1 when it cannot
 * start (busy port), 0 after SIGTERM/SIGINT.
 *
 * @module
 */
import { createConsoleLogger, LOG_LEVELS } from "../actors/logger.ts";
import { loadOptions, OptionError, type OptionsSpec, usage } from "../config/options.ts";
import { startTopicManager } from "./server.ts";

/** The options of `deno task tm`. */
export const TM_OPTIONS = {
  host: { type: "string", default: "0.0.0.0", doc: "interface of both ports" },
  port: { type: "integer", default: 6666, min: 0, max: 65535, doc: "cluster TCP port" },
  "http-port": {
    type: "integer",
    default: 6667,
    min: -1,
    max: 65535,
    doc: "HTTP port (/topic, /gateways, /metrics, /healthz); -1 disables it",
  },
  secret: {
    type: "string",
    default: "",
    doc: "cluster secret gateways must prove; empty = no authentication (warned)",
  },
  "heartbeat-ms": {
    type: "integer",
    default: 5000,
    min: 10,
    max: 3_600_000,
    doc: "heartbeat interval in ms",
  },
  "heartbeat-timeout-ms": {
    type: "integer",
    default: 15000,
    min: 20,
    max: 3_600_000,
    doc: "a gateway silent this long is dropped (ms)",
  },
  "slow-gateway-ms": {
    type: "integer",
    default: 5000,
    min: 0,
    max: 3_600_000,
    doc: "a gateway whose queue stays full this long is dropped (ms)",
  },
  "log-level": {
    type: "enum",
    default: "info",
    values: LOG_LEVELS,
    doc: "error, warn, info or debug",
  },
} satisfies OptionsSpec;

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage("deno task tm", TM_OPTIONS));
    return 0;
  }
  let options;
  try {
    options = loadOptions(TM_OPTIONS, { args, env: Deno.env.toObject() });
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    console.error(`firetower tm: ${error.message}`);
    return 2;
  }
  const logger = createConsoleLogger(options["log-level"] as (typeof LOG_LEVELS)[number]);
  let tm;
  try {
    tm = await startTopicManager({
      host: options.host,
      port: options.port,
      httpPort: options["http-port"],
      secret: options.secret,
      heartbeatMs: options["heartbeat-ms"],
      heartbeatTimeoutMs: options["heartbeat-timeout-ms"],
      slowGatewayMs: options["slow-gateway-ms"],
      logger,
    });
  } catch (error) {
    console.error(`firetower tm: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
  const cluster = `${tm.address.hostname}:${tm.address.port}`;
  const http = tm.httpAddress
    ? `http://${tm.httpAddress.hostname}:${tm.httpAddress.port}`
    : "disabled";
  console.log(`firetower tm ready: cluster tcp://${cluster} http ${http}`);
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      Deno.removeSignalListener("SIGTERM", stop);
      Deno.removeSignalListener("SIGINT", stop);
      resolve();
    };
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  });
  await stopped;
  await tm.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
