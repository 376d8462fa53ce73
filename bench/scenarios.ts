/**
 * The named benchmark scenarios, each with a quick set (all of them together take about three
 * minutes, for `deno task bench`) and a full set (`--full`, the sizes the docs quote). A
 * variant is just load-generator flags plus what the runner must arrange around them.
 *
 * @module
 */

/** One concrete load-generator run of a scenario. */
export interface Variant {
  /** Row label in the results table, unique across all scenarios. */
  label: string;
  /** Load-generator flags (`--port`, `--server-pid` and `--scenario` are added by the runner). */
  args: string[];
  /** Offer half the publish rate measured by this other variant (same server set). */
  half_rate_of?: string;
  /** Server processes needed (one process may hold ~18,000 sockets). @default {1} */
  server_processes?: number;
  /** Needs the `firetower.batch` subprotocol; skipped for servers without it. */
  batch?: boolean;
}

/** A named scenario. */
export interface Scenario {
  /** Name used by `--scenario`. */
  name: string;
  /** What it measures, for the README and `--help`. */
  about: string;
  /** Runs of `deno task bench`. */
  quick: Variant[];
  /** Runs of `deno task bench --full`. */
  full: Variant[];
}

const QUICK = ["--duration", "5", "--warmup", "1"];
const FULL = ["--duration", "15", "--warmup", "3"];

function fanout(n: number, timing: string[], inflight = 10): Variant {
  return {
    label: `fanout n=${n}`,
    args: [...timing, "--subscribers", `${n}`, "--publishers", "1", "--inflight", `${inflight}`],
  };
}

function fanoutHalf(n: number, timing: string[]): Variant {
  return {
    label: `fanout_half n=${n}`,
    args: [...timing, "--subscribers", `${n}`, "--publishers", "1", "--inflight", "1000"],
    half_rate_of: `fanout n=${n}`,
  };
}

function batch(n: number, inflight: number, timing: string[]): Variant {
  return {
    label: `fanout_batch${inflight === 1 ? "_light" : ""} n=${n}`,
    args: [
      ...timing,
      ...["--subscribers", `${n}`, "--publishers", "1", "--inflight", `${inflight}`, "--batch"],
    ],
    batch: true,
  };
}

function rooms(n: number, timing: string[]): Variant {
  const rooms = n / 10;
  return {
    label: `rooms n=${n}`,
    args: [
      ...timing,
      ...["--subscribers", `${n}`, "--topics", `${rooms}`, "--publishers", `${rooms}`],
      ...["--inflight", "2"],
    ],
  };
}

function churn(n: number, per_s: number, timing: string[]): Variant {
  return {
    label: `churn n=${n} ${per_s}/s`,
    args: [
      ...timing,
      ...["--subscribers", `${n}`, "--topics", "10", "--publishers", "10"],
      ...["--rate", "1000", "--inflight", "100", "--churn", `${per_s}`],
    ],
  };
}

function idle(n: number, seconds: number): Variant {
  return {
    label: `idle n=${n}`,
    args: ["--idle", "--subscribers", `${n}`, "--topics", "100", "--duration", `${seconds}`],
    server_processes: Math.max(1, Math.ceil(n / 18_000)),
  };
}

/** Every scenario, in the order the runner runs them. */
export const SCENARIOS: Scenario[] = [
  {
    name: "fanout",
    about: "1 topic, N subscribers, 1 publisher: max deliveries/s (10 in flight), then " +
      "latency at half of the reference server's max publish rate",
    quick: [fanout(1000, QUICK), fanoutHalf(1000, QUICK), fanout(10_000, QUICK)],
    full: [
      fanout(1000, FULL),
      fanoutHalf(1000, FULL),
      fanout(10_000, FULL),
      fanoutHalf(10_000, FULL),
    ],
  },
  {
    name: "fanout_batch",
    about: "fanout with the firetower.batch subprotocol offered: 100 publishes in flight " +
      "for throughput, 1 in flight for latency; a server without it sends one frame per message",
    quick: [batch(1000, 100, QUICK), batch(1000, 1, QUICK)],
    full: [
      batch(1000, 100, FULL),
      batch(5000, 100, FULL),
      batch(1000, 1, FULL),
      batch(5000, 1, FULL),
    ],
  },
  {
    name: "rooms",
    about: "N/10 topics of 10 subscribers, one publisher per room, every room publishing",
    quick: [rooms(1000, QUICK)],
    full: [rooms(10_000, FULL)],
  },
  {
    name: "churn",
    about: "1,000 publishes/s over 10 topics while connections come and go; steady " +
      "subscribers must lose nothing",
    quick: [churn(1000, 100, QUICK)],
    full: [churn(10_000, 500, FULL)],
  },
  {
    name: "idle",
    about: "many idle connections held open: server RSS per connection, idle CPU, heartbeats",
    quick: [idle(5000, 8)],
    full: [idle(100_000, 60)],
  },
];

/** The variants to run, optionally only of the named scenarios. */
export function selectVariants(full: boolean, names: string[]): Variant[] {
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `Cannot run as '--scenario' must be one of ${SCENARIOS.map((s) => s.name).join(", ")}: ` +
        `current value is ${unknown.join(",")}`,
    );
  }
  return SCENARIOS.filter((s) => names.length === 0 || names.includes(s.name))
    .flatMap((s) => full ? s.full : s.quick);
}
