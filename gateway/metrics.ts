import type { GatewayStats } from "./gateway.ts";

type Metric = readonly [name: string, type: "gauge" | "counter", help: string, value: number];

/** Renders gateway counters and process memory in the Prometheus text format. */
export function renderMetrics(stats: GatewayStats): string {
  const memory = Deno.memoryUsage();
  const metrics: Metric[] = [
    ["firetower_connections", "gauge", "Connected clients.", stats.connections],
    ["firetower_topics", "gauge", "Topics with local subscribers.", stats.topics],
    ["firetower_published_total", "counter", "Publications fanned out.", stats.published],
    ["firetower_frames_sent_total", "counter", "Frames handed to sockets.", stats.sent],
    [
      "firetower_frames_dropped_total",
      "counter",
      "Frames dropped for slow clients.",
      stats.dropped,
    ],
    [
      "firetower_slow_consumers_closed_total",
      "counter",
      "Slow consumers closed.",
      stats.slowClosed,
    ],
    [
      "firetower_dead_letters_total",
      "counter",
      "Messages no actor processed.",
      stats.actors.deadLetters,
    ],
    ["firetower_process_resident_memory_bytes", "gauge", "Resident set size.", memory.rss],
    ["firetower_heap_used_bytes", "gauge", "V8 heap in use.", memory.heapUsed],
    ["firetower_heap_total_bytes", "gauge", "V8 heap reserved.", memory.heapTotal],
  ];
  const lines: string[] = [];
  for (const [name, type, help, value] of metrics) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  }
  const kinds = Object.entries(stats.actors.kinds);
  const fields = [
    "actors",
    "received",
    "processed",
    "dropped",
    "failed",
    "restarts",
    "depth",
  ] as const;
  for (const field of fields) {
    const gauge = field === "actors" || field === "depth";
    const name = `firetower_actor_${field}${gauge ? "" : "_total"}`;
    lines.push(
      `# HELP ${name} Actor ${field}, by actor kind.`,
      `# TYPE ${name} ${gauge ? "gauge" : "counter"}`,
    );
    for (const [kind, group] of kinds) lines.push(`${name}{kind="${kind}"} ${group[field]}`);
  }
  return lines.join("\n") + "\n";
}
