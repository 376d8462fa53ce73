/**
 * The one JSON line the generator prints: its field names are the contract with bench/run.ts
 * and with anyone comparing runs, so they live in one place.
 *
 * @module
 */

/** Result of one load-generator run. */
export interface LoadResult {
  scenario: string;
  subscribers: number;
  topics: number;
  publishers: number;
  payload: number;
  duration_s: number;
  batch: boolean;
  workers: number;
  /** Publishes sent inside the measurement window. */
  published: number;
  /** Deliveries to subscribers (publisher echoes excluded) inside the window. */
  deliveries: number;
  deliveries_per_s: number;
  latency_ms: { p50: number; p99: number; max: number };
  /** Connections (subscribers + publishers) opened and acked per second during setup. */
  connect_per_s: number;
  lost: number;
  duplicated: number;
  out_of_order: number;
  misrouted: number;
  closed_unexpectedly: number;
  heartbeats: number;
  churn_cycles: number;
  churn_failures: number;
  /** Server resident memory, summed over its process tree; null without --server-pid. */
  server_rss_mb: { start: number; peak: number; end: number } | null;
  /** (RSS after connecting - RSS before) / connections. */
  server_rss_per_conn_bytes: number | null;
  /** Server CPU over the window, 100 = one core. */
  server_cpu_pct: number | null;
  /** Generator CPU over the window, all its processes, 100 = one core. */
  loadgen_cpu_pct: number;
  /** Generator CPU microseconds per delivery (loadgen cost per unit of work). */
  loadgen_cpu_us_per_delivery: number | null;
}
