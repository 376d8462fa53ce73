/**
 * Runs a load test across worker processes. One process may hold 20,000 open files and one
 * (source, destination) address pair has ~28,000 ephemeral ports, so each worker holds at
 * most `max_per_worker` connections and dials its own 127.0.0.x (the server listens on
 * 0.0.0.0). The coordinator itself holds no connection: it sequences the phases, samples the
 * server from /proc and aborts the run when the server or a worker dies.
 *
 * @module
 */
import { nowMs, sleep } from "./clock.ts";
import { LatencyHistogram } from "./latency_histogram.ts";
import type { LoadResult } from "./load_result.ts";
import type { LoadOptions } from "./options.ts";
import { cpuSeconds, isAlive, readMemoryKb, treeCpuSeconds } from "./proc_stats.ts";
import { WorkerLink } from "./worker_link.ts";
import type { WorkerConfig, WorkerReport } from "./worker_protocol.ts";

const GO_DELAY_MS = 300;
const SAMPLE_MS = 250;

/** Runs the whole test and returns its result; throws with a clear message on failure. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const total = options.subscribers + (options.idle ? 0 : options.publishers);
  const count = options.workers || Math.max(1, Math.ceil(total / options.max_per_worker));
  const pids = options.server_pids;
  const mem_start = readMemoryKb(pids);
  let rss_peak = mem_start.rss;
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => fail = reject);
  failed.catch(() => {});
  const monitor = setInterval(() => {
    rss_peak = Math.max(rss_peak, readMemoryKb(pids).rss);
    const dead = pids.find((pid) => !isAlive(pid));
    if (dead !== undefined) fail(new Error(`server process ${dead} exited during the run`));
  }, SAMPLE_MS);
  const links = workerConfigs(options, count).map((config) => new WorkerLink(config));
  const all = <T>(step: (link: WorkerLink) => Promise<T>): Promise<T[]> =>
    Promise.race([Promise.all(links.map(step)), failed]);
  try {
    const connect_limit = 60_000 +
      total * (options.connect_rate > 0 ? 1500 / options.connect_rate : 2);
    const connected = await all((l) => l.expect("connected", connect_limit));
    const connect_s = Math.max(...connected.map((c) => c.connect_ms)) / 1000;
    const mem_connected = readMemoryKb(pids);
    log(`connected ${total} in ${connect_s.toFixed(1)} s over ${count} worker(s)`);

    const start_at = nowMs() + GO_DELAY_MS;
    const warmup_ms = options.idle ? 0 : options.warmup * 1000;
    const duration_ms = options.duration * 1000;
    for (const l of links) l.send({ cmd: "go", start_at, warmup_ms, duration_ms });
    const window = new WindowSampler(pids, start_at + warmup_ms);
    const stop_limit = GO_DELAY_MS + warmup_ms + duration_ms + 30_000;
    if (options.messages > 0 && !options.idle) {
      // Message-limited: the window ends when every publisher got its last echo.
      const holders = links.filter((_, w) => w < options.publishers);
      await Promise.race([Promise.all(holders.map((l) => l.expect("done", stop_limit))), failed]);
    } else {
      await Promise.race([sleep(start_at + warmup_ms + duration_ms - nowMs()), failed]);
    }
    const cpu = window.end();
    for (const l of links) l.send({ cmd: "stop" });
    const stopped = await all((l) => l.expect("stopped", stop_limit));
    const window_s = Math.max(...stopped.map((s) => s.window_ms)) / 1000;
    const published = new Array<number>(options.publishers).fill(0);
    for (const s of stopped) s.published.forEach((n, j) => published[j] += n);
    for (const l of links) l.send({ cmd: "finish", published });
    const reports = (await all((l) => l.expect("report", 60_000))).map((r) => r.report);
    const mem_end = readMemoryKb(pids);
    rss_peak = Math.max(rss_peak, mem_end.rss, mem_end.hwm);
    return summarize(options, count, reports, {
      window_s,
      connect_per_s: total / Math.max(connect_s, 1e-3),
      cpu,
      mem: pids.length === 0 ? null : {
        start: mem_start.rss / 1024,
        peak: rss_peak / 1024,
        end: mem_end.rss / 1024,
        per_conn: total > 0 ? (mem_connected.rss - mem_start.rss) * 1024 / total : 0,
      },
    });
  } finally {
    clearInterval(monitor);
    await Promise.all(links.map((l) => l.stop()));
  }
}

function workerConfigs(options: LoadOptions, count: number): WorkerConfig[] {
  const spread = options.host === "127.0.0.1" || options.host === "localhost";
  return Array.from({ length: count }, (_, w) => {
    const first = Math.floor(options.subscribers * w / count);
    const next = Math.floor(options.subscribers * (w + 1) / count);
    const ids = [];
    for (let j = w; j < options.publishers; j += count) ids.push(j);
    return {
      index: w,
      target: {
        hostname: spread ? `127.0.0.${1 + (options.address_offset + w) % 254}` : options.host,
        port: options.publish_port,
        path: options.path,
        protocols: options.batch ? ["firetower.batch"] : [],
      },
      subscriber_ports: options.ports,
      client: options.client,
      first_subscriber: first,
      subscriber_count: next - first,
      topics: options.topics,
      publishers: options.publishers,
      publisher_ids: ids,
      rate_per_publisher: options.publishers > 0 ? options.rate / options.publishers : 0,
      inflight: options.inflight,
      payload: options.payload,
      connect_rate: options.connect_rate / count,
      churn: options.churn / count,
      idle: options.idle,
      messages: options.messages,
    };
  });
}

interface WindowCpu {
  /** Server CPU share over the window (1 = one core), null without pids. */
  server: number | null;
  /** Coordinator CPU seconds in the window. */
  self_s: number;
}

/** CPU of the server and the coordinator between the window start and `end()`. */
class WindowSampler {
  #pids: number[];
  #at = 0;
  #server = 0;
  #self = 0;
  #timer: ReturnType<typeof setTimeout>;

  constructor(pids: number[], start: number) {
    this.#pids = pids;
    this.#timer = setTimeout(() => {
      this.#at = nowMs();
      this.#server = treeCpuSeconds(pids);
      this.#self = cpuSeconds("self");
    }, Math.max(0, start - nowMs()));
  }

  end(): WindowCpu {
    clearTimeout(this.#timer);
    const elapsed_s = this.#at === 0 ? 0 : (nowMs() - this.#at) / 1000;
    return {
      server: this.#pids.length === 0 || elapsed_s === 0
        ? null
        : (treeCpuSeconds(this.#pids) - this.#server) / elapsed_s,
      self_s: this.#at === 0 ? 0 : cpuSeconds("self") - this.#self,
    };
  }
}

interface Extras {
  window_s: number;
  connect_per_s: number;
  cpu: WindowCpu;
  mem: { start: number; peak: number; end: number; per_conn: number } | null;
}

function summarize(
  options: LoadOptions,
  workers: number,
  reports: WorkerReport[],
  extras: Extras,
): LoadResult {
  const sum = (key: keyof WorkerReport): number =>
    reports.reduce((n, r) => n + (r[key] as number), 0);
  const latency = new LatencyHistogram();
  for (const r of reports) latency.merge_sparse(r.latency, r.latency_max_ms);
  const deliveries = sum("deliveries");
  const loadgen_cpu_s = sum("cpu_s") + extras.cpu.self_s;
  const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
  return {
    scenario: options.scenario,
    subscribers: options.subscribers,
    topics: options.topics,
    publishers: options.idle ? 0 : options.publishers,
    payload: options.payload,
    duration_s: round(extras.window_s),
    batch: options.batch,
    workers,
    published: sum("published_in_window"),
    deliveries,
    deliveries_per_s: Math.round(deliveries / extras.window_s),
    latency_ms: {
      p50: round(latency.quantile(0.5)),
      p99: round(latency.quantile(0.99)),
      max: round(latency.max_ms),
    },
    connect_per_s: Math.round(extras.connect_per_s),
    lost: sum("lost"),
    duplicated: sum("duplicated"),
    out_of_order: sum("out_of_order"),
    misrouted: sum("misrouted"),
    closed_unexpectedly: sum("closed_unexpectedly"),
    heartbeats: sum("heartbeats"),
    churn_cycles: sum("churn_cycles"),
    churn_failures: sum("churn_failures"),
    server_rss_mb: extras.mem === null ? null : {
      start: round(extras.mem.start, 1),
      peak: round(extras.mem.peak, 1),
      end: round(extras.mem.end, 1),
    },
    server_rss_per_conn_bytes: extras.mem === null ? null : Math.round(extras.mem.per_conn),
    server_cpu_pct: extras.cpu.server === null ? null : round(extras.cpu.server * 100, 1),
    loadgen_cpu_pct: round(loadgen_cpu_s / extras.window_s * 100, 1),
    loadgen_cpu_us_per_delivery: deliveries > 0 ? round(loadgen_cpu_s * 1e6 / deliveries) : null,
  };
}

function log(message: string): void {
  console.error(`loadgen: ${message}`);
}
