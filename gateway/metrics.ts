import type { GatewayStats } from "./gateway.ts";

/** Renders gateway counters in the Prometheus text format. */
export function renderMetrics(stats: GatewayStats): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, value: number, labels = ""): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${value}`);
  };
  metric("firetower_connections", "gauge", "Connected clients.", stats.connections);
  metric("firetower_topics", "gauge", "Topics with local subscribers.", stats.topics);
  metric("firetower_published_total", "counter", "Publications fanned out.", stats.published);
  metric("firetower_frames_sent_total", "counter", "Frames handed to sockets.", stats.sent);
  metric(
    "firetower_frames_dropped_total",
    "counter",
    "Frames dropped for slow clients.",
    stats.dropped,
  );
  metric(
    "firetower_slow_consumers_closed_total",
    "counter",
    "Slow consumers closed.",
    stats.slowClosed,
  );
  metric(
    "firetower_dead_letters_total",
    "counter",
    "Messages no actor processed.",
    stats.actors.deadLetters,
  );
  const kinds = Object.entries(stats.actors.kinds);
  for (
    const field of [
      "actors",
      "received",
      "processed",
      "dropped",
      "failed",
      "restarts",
      "depth",
    ] as const
  ) {
    const name = `firetower_actor_${field}${
      field === "actors" || field === "depth" ? "" : "_total"
    }`;
    lines.push(`# TYPE ${name} ${field === "actors" || field === "depth" ? "gauge" : "counter"}`);
    for (const [kind, group] of kinds) lines.push(`${name}{kind="${kind}"} ${group[field]}`);
  }
  return lines.join("\n") + "\n";
}
