/**
 * The benchmark runner (`deno task bench`): for each scenario variant and each server in
 * servers.ts, start the server, run the load generator as a separate process, stop the
 * server, and print medians plus ratios against the reference server.
 *
 * `deno task bench [--full] [--scenario fanout,rooms] [--server reference] [--runs N]
 * [--json FILE] [--port-base 20100]`
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readLines } from "./load/line_reader.ts";
import type { LoadResult } from "./load/load_result.ts";
import { formatTable, median, type ResultGroup } from "./_results_table.ts";
import { startServer } from "./_server_process.ts";
import { selectVariants, type Variant } from "./scenarios.ts";
import { SERVERS, type ServerSpec } from "./servers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const LOADGEN = new URL("./load/main.ts", import.meta.url).pathname;

/** Runner flags. */
interface RunOptions {
  full: boolean;
  scenarios: string[];
  servers: string[];
  runs: number;
  json: string | null;
  port_base: number;
}

function parseRunOptions(args: string[]): RunOptions {
  const { values } = parseArgs({
    args,
    options: {
      full: { type: "boolean", default: false },
      scenario: { type: "string", default: "" },
      server: { type: "string", default: "" },
      runs: { type: "string" },
      json: { type: "string" },
      "port-base": { type: "string", default: "20100" },
    },
  });
  const runs = Number(values.runs ?? (values.full ? 3 : 1));
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
    throw new Error(
      `Cannot run as '--runs' must be an integer in 1..20: current value is ${values.runs}`,
    );
  }
  const port_base = Number(values["port-base"]);
  if (!Number.isInteger(port_base) || port_base < 1024 || port_base > 64_000) {
    throw new Error(
      `Cannot run as '--port-base' must be a port: current value is ${values["port-base"]}`,
    );
  }
  const list = (v: string): string[] => v.split(",").filter((s) => s.length > 0);
  return {
    full: values.full,
    scenarios: list(values.scenario),
    servers: list(values.server),
    runs,
    json: values.json ?? null,
    port_base,
  };
}

/** Each run gets the next port (and address pair), so TIME_WAIT never collides. */
let run_counter = 0;
let port_base = 20100;

function nextPort(): number {
  const port = port_base + (run_counter % Math.max(1, 20_999 - port_base));
  run_counter++;
  return port;
}

async function runOnce(
  server: ServerSpec,
  variant: Variant,
  extra: string[],
): Promise<LoadResult> {
  const port = nextPort();
  const offset = run_counter % 200;
  const processes = variant.server_processes ?? 1;
  const running = await startServer(server.name, server.commands(port, processes), port, ROOT);
  try {
    const args = [
      "run",
      "--allow-all",
      LOADGEN,
      ...variant.args,
      ...extra,
      ...["--port", `${port}`, "--server-pid", running.pids.join(",")],
      ...["--scenario", variant.label, "--address-offset", `${offset}`],
    ];
    const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "inherit" })
      .spawn();
    let line = "";
    for await (const l of readLines(child.stdout)) if (l.startsWith("{")) line = l;
    const status = await child.status;
    if (!status.success || line === "") {
      throw new Error(`load generator failed (exit code ${status.code})`);
    }
    return JSON.parse(line) as LoadResult;
  } finally {
    await running.stop();
  }
}

/** Rate argument for a half-load variant, from the yardstick's runs of the base variant. */
function halfRate(variant: Variant, groups: ResultGroup[]): string[] | null {
  if (variant.half_rate_of === undefined) return [];
  const base = groups.filter((g) => g.label === variant.half_rate_of);
  const group = base.find((g) => g.server === SERVERS[0].name) ?? base[0];
  const rate = group && median(group.runs.map((r) => r.published / r.duration_s));
  if (!rate) return null;
  return ["--rate", `${Math.max(1, Math.round(rate / 2))}`];
}

async function main(): Promise<number> {
  const options = parseRunOptions(Deno.args);
  port_base = options.port_base;
  const variants = selectVariants(options.full, options.scenarios);
  const servers = SERVERS.filter((s) =>
    options.servers.length === 0 || options.servers.includes(s.name)
  );
  const groups: ResultGroup[] = [];
  let failures = 0;
  for (const server of servers) {
    try {
      Deno.statSync(`${ROOT}${server.entry}`);
    } catch {
      console.error(`bench: skipping ${server.name}: ${server.entry} does not exist yet`);
      continue;
    }
    for (const variant of variants) {
      // A server without the batched format gets the same load and answers
      // with one frame per message: the ratio is batched against unbatched.
      const extra = halfRate(variant, groups);
      if (extra === null) {
        console.error(`bench: skipping ${variant.label}: ${variant.half_rate_of} has no result`);
        continue;
      }
      const group: ResultGroup = { label: variant.label, server: server.name, runs: [] };
      for (let r = 1; r <= options.runs; r++) {
        console.error(`bench: ${variant.label} on ${server.name}, run ${r}/${options.runs}`);
        try {
          group.runs.push(await runOnce(server, variant, extra));
        } catch (err) {
          failures++;
          console.error(
            `bench: ${variant.label} on ${server.name} failed: ${(err as Error).message}`,
          );
        }
      }
      if (group.runs.length > 0) groups.push(group);
    }
  }
  console.log(formatTable(groups, SERVERS[0].name));
  if (options.json !== null) {
    await Deno.writeTextFile(options.json, JSON.stringify(groups, null, 2) + "\n");
    console.error(`bench: results written to ${options.json}`);
  }
  return failures > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (err) {
    console.error(`bench: ${(err as Error).message}`);
    Deno.exit(2);
  }
}
