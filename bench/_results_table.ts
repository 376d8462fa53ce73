/**
 * Turns run results into the printed table: the median of each metric over the runs of one
 * (variant, server), then a ratio row per server against the yardstick (the first server).
 *
 * @module
 */
import type { LoadResult } from "./load/load_result.ts";

/** All runs of one variant on one server. */
export interface ResultGroup {
  label: string;
  server: string;
  runs: LoadResult[];
}

interface Column {
  title: string;
  pick: (r: LoadResult) => number | null;
}

const COLUMNS: Column[] = [
  { title: "deliv/s", pick: (r) => r.deliveries_per_s },
  { title: "pub/s", pick: (r) => r.published / r.duration_s },
  { title: "p50 ms", pick: (r) => r.latency_ms.p50 },
  { title: "p99 ms", pick: (r) => r.latency_ms.p99 },
  { title: "max ms", pick: (r) => r.latency_ms.max },
  { title: "conn/s", pick: (r) => r.connect_per_s },
  { title: "lost", pick: (r) => r.lost + r.duplicated + r.out_of_order + r.misrouted },
  { title: "closed", pick: (r) => r.closed_unexpectedly },
  { title: "rss MB", pick: (r) => r.server_rss_mb?.peak ?? null },
  { title: "B/conn", pick: (r) => r.server_rss_per_conn_bytes },
  { title: "srv cpu%", pick: (r) => r.server_cpu_pct },
  { title: "gen cpu%", pick: (r) => r.loadgen_cpu_pct },
];

/** Median of the non-null values, or null. */
export function median(values: (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** The table as text, one block per variant. */
export function formatTable(groups: ResultGroup[], yardstick: string): string {
  const rows: string[][] = [["scenario", "server", ...COLUMNS.map((c) => c.title)]];
  const labels = [...new Set(groups.map((g) => g.label))];
  for (const label of labels) {
    const of_label = groups.filter((g) => g.label === label);
    const base = of_label.find((g) => g.server === yardstick);
    for (const g of of_label) {
      const values = COLUMNS.map((c) => median(g.runs.map(c.pick)));
      rows.push([label, `${g.server} (${g.runs.length})`, ...values.map(show)]);
      if (base !== undefined && g !== base) {
        const ratios = COLUMNS.map((c, i) => {
          const b = median(base.runs.map(c.pick));
          const v = values[i];
          return v === null || b === null || b === 0 ? "" : `x${(v / b).toFixed(2)}`;
        });
        rows.push([label, `${g.server}/${yardstick}`, ...ratios]);
      }
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padStart(widths[i])).join("  ")).join("\n");
}

function show(v: number | null): string {
  if (v === null) return "-";
  if (Math.abs(v) >= 100) return Math.round(v).toString();
  return Number(v.toPrecision(3)).toString();
}
