/**
 * Cluster benchmark: what the topic manager costs a fan-out. For each size N it runs, fresh
 * processes every time, three setups of one topic with N subscribers and one publisher
 * (10 publishes in flight):
 *
 * - `local`: one gateway with the embedded local broker (no TM);
 * - `tm_single`: one TM, gateways A and B, every subscriber and the publisher on A;
 * - `tm_split`: the same processes, subscribers alternating over A and B, the publisher on A.
 *
 * In both TM setups every publish goes from A to the TM (which routes it to B only when B
 * holds subscribers), so only the split differs. The publisher's own echo comes from A, which
 * paces it (10 in flight). Then
 * the latency of `tm_split` at half its median maximum publish rate, and `bench/tm_route.ts`
 * (publishes one TM routes per second to 1 and to 4 gateways). Every run prints one JSON line;
 * summary lines (medians) come last. Diagnostics go to stderr.
 *
 * `deno run -A bench/cluster.ts [--sizes 1000,5000] [--runs 3] [--duration 5] [--warmup 1]
 * [--no-tm-route]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readLines } from "./load/line_reader.ts";
import type { LoadResult } from "./load/load_result.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;
/** A run longer than this is killed: the benchmark is bounded whatever happens. */
const RUN_TIMEOUT_MS = 180_000;

type Setup = "local" | "tm_single" | "tm_split";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string", default: "1000,5000" },
    runs: { type: "string", default: "3" },
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "1" },
    "no-tm-route": { type: "boolean", default: false },
  },
});
const SIZES = values.sizes.split(",").map(Number);
const RUNS = Number(values.runs);
const TIMING = ["--duration", values.duration, "--warmup", values.warmup];
for (
  const [flag, ok] of [["sizes", SIZES.every((n) => Number.isInteger(n) && n > 0)], [
    "runs",
    Number.isInteger(RUNS) && RUNS > 0,
  ]] as const
) {
  if (!ok) {
    throw new Error(`Cannot run as '--${flag}' is invalid: current value is ${values[flag]}`);
  }
}

/** A spawned server process with its ready line. */
interface Server {
  child: Deno.ChildProcess;
  ready: string;
  output: Promise<void>;
}

/** Spawns `deno run -A <args>` in the repository root and waits for a line matching `ready`. */
async function spawn(args: string[], ready: RegExp): Promise<Server> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let resolve!: (line: string) => void;
  const found = new Promise<string>((r) => resolve = r);
  const pump = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    for await (const line of readLines(stream)) {
      if (ready.test(line)) resolve(line);
      else if (/WARN|ERROR/.test(line)) console.error(`  [${child.pid}] ${line}`);
    }
  };
  const output = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const line = await Promise.race([
      found,
      child.status.then((s) => {
        throw new Error(`${args[0]} exited with code ${s.code} before it was ready`);
      }),
      new Promise<never>((_, reject) =>
        timer = setTimeout(
          () => reject(new Error(`${args[0]} not ready in time`)),
          READY_TIMEOUT_MS,
        )
      ),
    ]);
    return { child, ready: line, output };
  } catch (error) {
    await stop([{ child, ready: "", output }]);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function stop(servers: Server[]): Promise<void> {
  await Promise.all(servers.map(async ({ child, output }) => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await output;
  }));
}

const GATEWAY_READY = /^firetower gateway ready: ws:\/\/[^ ]+:(\d+)\//;
const portOf = (server: Server, pattern: RegExp): number => Number(pattern.exec(server.ready)![1]);

/** Starts the processes of `setup`; returns them and the load generator's port flags. */
async function startSetup(setup: Setup): Promise<{ servers: Server[]; flags: string[] }> {
  const gateway = ["gateway/main.ts", "--port", "0", "--log-level", "warn", "--heartbeat-ms", "0"];
  if (setup === "local") {
    const gw = await spawn(gateway, GATEWAY_READY);
    return { servers: [gw], flags: ["--port", `${portOf(gw, GATEWAY_READY)}`] };
  }
  const servers: Server[] = [];
  try {
    const tm = await spawn([
      "topic_manager/main.ts",
      ...["--host", "127.0.0.1", "--port", "0", "--http-port", "-1", "--secret", "bench"],
      ...["--log-level", "warn"],
    ], /^firetower tm ready: cluster tcp:\/\/[^ ]+:(\d+)/);
    servers.push(tm);
    const tmAddress = `127.0.0.1:${portOf(tm, /tcp:\/\/[^ ]+:(\d+)/)}`;
    for (let i = 0; i < 2; i++) {
      servers.push(
        await spawn(
          [...gateway, "--broker", "tm", "--tm", tmAddress, "--secret", "bench"],
          GATEWAY_READY,
        ),
      );
    }
    const [a, b] = servers.slice(1).map((s) => portOf(s, GATEWAY_READY));
    const ports = setup === "tm_split" ? `${a},${b}` : `${a}`;
    return { servers, flags: ["--ports", ports, "--publish-port", `${a}`] };
  } catch (error) {
    await stop(servers);
    throw error;
  }
}

let runCounter = 0;

/** One load-generator run against fresh processes of `setup`. */
async function runOnce(setup: Setup, n: number, extra: string[]): Promise<LoadResult> {
  const { servers, flags } = await startSetup(setup);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), RUN_TIMEOUT_MS);
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-A", "bench/load/main.ts", "--scenario", `${setup} n=${n}`],
        ...["--subscribers", `${n}`, "--publishers", "1", ...TIMING, ...flags, ...extra],
        ...["--server-pid", servers.map((s) => s.child.pid).join(",")],
        ...["--address-offset", `${(runCounter++ * 2) % 250}`],
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "inherit",
      signal: abort.signal,
    }).spawn();
    let line = "";
    for await (const l of readLines(child.stdout)) if (l.startsWith("{")) line = l;
    const status = await child.status;
    if (!status.success || line === "") {
      throw new Error(`load generator failed (exit code ${status.code})`);
    }
    const result = JSON.parse(line) as LoadResult;
    console.log(JSON.stringify({ bench: "cluster_run", setup, ...result }));
    return result;
  } finally {
    clearTimeout(timer);
    await stop(servers);
  }
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const loadAverage = (): string => Deno.readTextFileSync("/proc/loadavg").split(" ", 3).join(" ");

console.error(`cluster bench: load average at start ${loadAverage()}`);
const summaries: Record<string, unknown>[] = [];
for (const n of SIZES) {
  const runs: Record<Setup, LoadResult[]> = { local: [], tm_single: [], tm_split: [] };
  for (let r = 1; r <= RUNS; r++) {
    // Interleaved, so a slow spell of the machine hits every setup alike.
    for (const setup of ["local", "tm_single", "tm_split"] as Setup[]) {
      console.error(`cluster bench: ${setup} n=${n}, run ${r}/${RUNS} (load ${loadAverage()})`);
      runs[setup].push(await runOnce(setup, n, ["--inflight", "10"]));
    }
  }
  const rate = (setup: Setup): number => median(runs[setup].map((x) => x.deliveries_per_s));
  const problems = (setup: Setup): number =>
    runs[setup].reduce((s, x) => s + x.lost + x.duplicated + x.out_of_order + x.misrouted, 0);
  const maxPublishRate = median(runs.tm_split.map((x) => x.published / x.duration_s));
  const half = Math.max(1, Math.round(maxPublishRate / 2));
  const latency: LoadResult[] = [];
  for (let r = 1; r <= RUNS; r++) {
    console.error(`cluster bench: tm_split n=${n} at ${half} pub/s, run ${r}/${RUNS}`);
    latency.push(await runOnce("tm_split", n, ["--rate", `${half}`, "--inflight", "1000"]));
  }
  summaries.push({
    bench: "cluster_fanout",
    subscribers: n,
    deliveries_per_s: {
      local: rate("local"),
      tm_single: rate("tm_single"),
      tm_split: rate("tm_split"),
    },
    ratio_split_over_single: Number((rate("tm_split") / rate("tm_single")).toFixed(3)),
    ratio_single_over_local: Number((rate("tm_single") / rate("local")).toFixed(3)),
    lost_dup_ooo_misrouted: {
      local: problems("local"),
      tm_single: problems("tm_single"),
      tm_split: problems("tm_split"),
    },
    half_rate_pub_per_s: half,
    split_half_rate_latency_ms: {
      p50: median(latency.map((x) => x.latency_ms.p50)),
      p99: median(latency.map((x) => x.latency_ms.p99)),
    },
    split_half_rate_deliveries_per_s: median(latency.map((x) => x.deliveries_per_s)),
    split_half_rate_lost: latency.reduce((s, x) => s + x.lost, 0),
    runs: RUNS,
  });
}

if (!values["no-tm-route"]) {
  const routes: Record<string, number>[] = [];
  for (let r = 1; r <= RUNS; r++) {
    console.error(`cluster bench: tm_route run ${r}/${RUNS} (load ${loadAverage()})`);
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/tm_route.ts"],
      cwd: ROOT,
      stderr: "inherit",
      signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
    }).output();
    const line = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
    if (!success || !line.startsWith("{")) throw new Error("bench/tm_route.ts failed");
    console.log(line);
    routes.push(JSON.parse(line));
  }
  summaries.push({
    bench: "cluster_tm_route",
    routed_per_s_to_one_gateway: median(routes.map((x) => x.routedPerSecondToOneGateway)),
    routed_per_s_to_four_gateways: median(routes.map((x) => x.routedPerSecondToFourGateways)),
    runs: RUNS,
  });
}
for (const summary of summaries) {
  console.log(
    JSON.stringify({ ...summary, load_average_end: loadAverage(), deno: Deno.version.deno }),
  );
}
