/**
 * The messages between the coordinator and its worker processes: one JSON object per line,
 * commands on the worker's stdin and events on its stdout (stderr stays free for
 * diagnostics). Workers exit when stdin closes, so a dead coordinator leaves no orphans.
 *
 * @module
 */
import type { WsTarget } from "./ws_connection.ts";

/** What one worker process runs; sent as the first stdin line. */
export interface WorkerConfig {
  /** Index of this worker, for messages. */
  index: number;
  /** Server address this worker connects to (publishers use its port). */
  target: WsTarget;
  /** Ports of the subscribers: subscriber k uses `subscriber_ports[k % length]`. */
  subscriber_ports: number[];
  /** Client implementation. */
  client: "raw" | "native";
  /** Global index of this worker's first subscriber; subscriber k uses topic k % topics. */
  first_subscriber: number;
  /** Number of subscribers in this worker. */
  subscriber_count: number;
  /** Total topics. */
  topics: number;
  /** Total publishers over all workers (sizes the per-subscriber sequence table). */
  publishers: number;
  /** Publisher ids run by this worker; publisher j uses topic j % topics. */
  publisher_ids: number[];
  /** Publishes per second per publisher, 0 = unpaced. */
  rate_per_publisher: number;
  /** In-flight limit per publisher. */
  inflight: number;
  /** Bytes of each publish's data. */
  payload: number;
  /** This worker's share of the connect rate, 0 = unpaced. */
  connect_rate: number;
  /** This worker's share of churn cycles per second. */
  churn: number;
  /** Publishes per publisher before it stops, 0 = unlimited. */
  messages: number;
  /** No publishing. */
  idle: boolean;
}

/** Coordinator -> worker commands after the config line. */
export type WorkerCommand =
  | { cmd: "go"; start_at: number; warmup_ms: number; duration_ms: number }
  | { cmd: "stop" }
  | { cmd: "finish"; published: number[] };

/** Counters one worker reports at the end. */
export interface WorkerReport {
  /** Publishes sent inside the measurement window. */
  published_in_window: number;
  /** Deliveries to subscribers received inside the window. */
  deliveries: number;
  /** Sequence gaps not filled, including messages never received. */
  lost: number;
  /** Same sequence number twice in a row. */
  duplicated: number;
  /** A sequence number lower than one already seen. */
  out_of_order: number;
  /** A publish from a publisher of another topic. */
  misrouted: number;
  /** Connections the server closed or reset. */
  closed_unexpectedly: number;
  /** `heartbeat` frames received. */
  heartbeats: number;
  /** Completed churn connect+subscribe cycles. */
  churn_cycles: number;
  /** Churn connects that failed. */
  churn_failures: number;
  /** Sparse latency histogram: [bucket, count]. */
  latency: [number, number][];
  /** Largest latency seen, ms. */
  latency_max_ms: number;
  /** CPU seconds this worker used inside the window. */
  cpu_s: number;
}

/** Worker -> coordinator events. */
export type WorkerEvent =
  | { ev: "connected"; connections: number; connect_ms: number }
  | { ev: "done" }
  | { ev: "stopped"; published: number[]; window_ms: number }
  | { ev: "report"; report: WorkerReport }
  | { ev: "error"; message: string };
