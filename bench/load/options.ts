/**
 * Flags of the load generator, validated up front so a typo fails before any connection is
 * opened. Every numeric flag is checked for range and named in the error.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** Everything one load-generator run needs. */
export interface LoadOptions {
  /** Label copied into the result line. @default {"custom"} */
  scenario: string;
  /** Server address; 127.0.0.1 is spread over 127.0.0.x per worker. @default {"127.0.0.1"} */
  host: string;
  /** Server port; with `ports`, the first of them. @default {9990} */
  port: number;
  /** Several gateways: subscriber k connects to `ports[k % ports.length]`. @default {[port]} */
  ports: number[];
  /** Port publishers connect to. @default {port} */
  publish_port: number;
  /** WebSocket path. @default {"/ws"} */
  path: string;
  /** Subscriber connections (publishers come on top). @default {1000} */
  subscribers: number;
  /** Topics; subscriber k and publisher j use topic k % T and j % T. @default {1} */
  topics: number;
  /** Publisher connections. @default {1} */
  publishers: number;
  /** Total publishes per second over all publishers; 0 = limited by `inflight` only. @default {0} */
  rate: number;
  /** Max publishes per publisher not yet echoed back to it. @default {1} */
  inflight: number;
  /** Bytes of each publish's `data` JSON. @default {100} */
  payload: number;
  /** Measured seconds. @default {10} */
  duration: number;
  /** Unmeasured seconds of load before the measurement. @default {2} */
  warmup: number;
  /** New connections per second during setup, 0 = as fast as possible. @default {0} */
  connect_rate: number;
  /** Extra connect+disconnect cycles per second while publishing. @default {0} */
  churn: number;
  /** Ask for the `firetower.batch` subprotocol. @default {false} */
  batch: boolean;
  /** Server processes to measure (RSS, CPU). @default {[]} */
  server_pids: number[];
  /** Hold connections without publishing; count heartbeats. @default {false} */
  idle: boolean;
  /** Worker processes; 0 = as many as needed for `max_per_worker`. @default {0} */
  workers: number;
  /** Connections per worker process (20,000 open files per process). @default {18000} */
  max_per_worker: number;
  /** WebSocket client implementation. @default {"raw"} */
  client: "raw" | "native";
  /** Stop after this many publishes per publisher (then drain and report); 0 = run for
   * `duration`. With it, every delivery after the warmup counts. @default {0} */
  messages: number;
  /** Added to the 127.0.0.x index so back-to-back runs use fresh address pairs. @default {0} */
  address_offset: number;
}

const NUMERIC: [keyof LoadOptions, string, number, number][] = [
  ["port", "port", 1, 65535],
  ["subscribers", "subscribers", 0, 10_000_000],
  ["topics", "topics", 1, 10_000_000],
  ["publishers", "publishers", 0, 1_000_000],
  ["rate", "rate", 0, 1e9],
  ["inflight", "inflight", 1, 1_000_000],
  ["payload", "payload", 0, 16_000_000],
  ["duration", "duration", 0.1, 86_400],
  ["warmup", "warmup", 0, 86_400],
  ["connect_rate", "connect-rate", 0, 1e9],
  ["churn", "churn", 0, 1e6],
  ["workers", "workers", 0, 1000],
  ["max_per_worker", "max-per-worker", 1, 19_000],
  ["address_offset", "address-offset", 0, 253],
  ["messages", "messages", 0, 1e12],
];

/** Parses `args` into options; throws an error naming the bad flag and its value. */
export function parseLoadOptions(args: string[]): LoadOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      scenario: { type: "string", default: "custom" },
      url: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "9990" },
      ports: { type: "string", default: "" },
      "publish-port": { type: "string", default: "" },
      path: { type: "string", default: "/ws" },
      subscribers: { type: "string", default: "1000" },
      topics: { type: "string", default: "1" },
      publishers: { type: "string", default: "1" },
      rate: { type: "string", default: "0" },
      inflight: { type: "string", default: "1" },
      payload: { type: "string", default: "100" },
      duration: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      "connect-rate": { type: "string", default: "0" },
      churn: { type: "string", default: "0" },
      batch: { type: "boolean", default: false },
      "server-pid": { type: "string", default: "" },
      idle: { type: "boolean", default: false },
      workers: { type: "string", default: "0" },
      "max-per-worker": { type: "string", default: "18000" },
      client: { type: "string", default: "raw" },
      "address-offset": { type: "string", default: "0" },
      messages: { type: "string", default: "0" },
    },
  });
  const raw = values as Record<string, string | boolean | undefined>;
  const out: Record<string, unknown> = {
    scenario: values.scenario,
    host: values.host,
    path: values.path,
    batch: values.batch,
    idle: values.idle,
    client: values.client,
  };
  if (values.url !== undefined) Object.assign(out, parseUrl(values.url));
  for (const [key, flag, min, max] of NUMERIC) {
    if (key === "port" && values.url !== undefined) continue;
    const value = Number(raw[flag]);
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new Error(
        `Cannot run as '--${flag}' must be a number in ${min}..${max}: current value is ${
          raw[flag]
        }`,
      );
    }
    out[key] = value;
  }
  if (values.client !== "raw" && values.client !== "native") {
    throw new Error(
      `Cannot run as '--client' must be raw or native: current value is ${values.client}`,
    );
  }
  out.server_pids = values["server-pid"] === "" ? [] : values["server-pid"].split(",").map((p) => {
    const pid = Number(p);
    if (!Number.isInteger(pid) || pid <= 0) {
      throw new Error(`Cannot run as '--server-pid' must list process ids: current value is ${p}`);
    }
    return pid;
  });
  const portList = (flag: string, text: string): number[] =>
    text.split(",").map((p) => {
      const port = Number(p);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new Error(`Cannot run as '--${flag}' must list ports: current value is ${text}`);
      }
      return port;
    });
  out.ports = values.ports === "" ? [out.port] : portList("ports", values.ports);
  out.port = (out.ports as number[])[0];
  out.publish_port = values["publish-port"] === ""
    ? out.port
    : portList("publish-port", values["publish-port"])[0];
  const options = out as unknown as LoadOptions;
  if (!options.idle && options.publishers === 0) {
    throw new Error(
      "Cannot run as '--publishers' must be at least 1 unless --idle: current value is 0",
    );
  }
  return options;
}

function parseUrl(url: string): Pick<LoadOptions, "host" | "port" | "path"> {
  const parsed = new URL(url);
  if (parsed.protocol !== "ws:") {
    throw new Error(`Cannot run as '--url' must be a ws:// URL: current value is ${url}`);
  }
  return {
    host: parsed.hostname,
    port: Number(parsed.port || "80"),
    path: parsed.pathname || "/",
  };
}
