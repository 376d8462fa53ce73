import { LOG_LEVELS } from "../actors/logger.ts";
import type { OptionsSpec } from "../config/options.ts";

/** Every option of `deno task gateway`. */
export const GATEWAY_OPTIONS = {
  host: { type: "string", default: "0.0.0.0", doc: "address to listen on" },
  port: { type: "integer", default: 9999, min: 0, max: 65535, doc: "port to listen on" },
  path: { type: "string", default: "/ws", doc: "WebSocket path" },
  broker: {
    type: "enum",
    default: "local",
    values: ["local", "tm", "redis", "nats"],
    doc:
      "how gateways reach each other: local (one gateway), tm (topic managers), redis (Redis Pub/Sub), nats (NATS core)",
  },
  tm: { type: "list", default: [], doc: "topic manager addresses host:port[,host:port...]" },
  secret: { type: "string", default: "", doc: "cluster secret shared with the topic managers" },
  redis: { type: "string", default: "redis://127.0.0.1:6379", doc: "Redis URL (--broker redis)" },
  nats: {
    type: "string",
    default: "nats://127.0.0.1:4222",
    doc: "NATS server URL(s), comma-separated (--broker nats)",
  },
  "cluster-id": {
    type: "integer",
    default: 1,
    min: 0,
    max: 1023,
    doc: "this gateway's number in the cluster, part of every message id",
  },
  workers: {
    type: "integer",
    default: 1,
    min: 1,
    max: 64,
    doc: "gateway processes sharing the port",
  },
  legacy: {
    type: "boolean",
    default: false,
    doc: "send publishes as bare data, as firetower 0.4 did",
  },
  "heartbeat-ms": {
    type: "integer",
    default: 30000,
    min: 0,
    max: 3600000,
    doc: "interval of the heartbeat frame (0: off)",
  },
  "idle-timeout-s": {
    type: "integer",
    default: 120,
    min: 0,
    max: 86400,
    doc: "seconds of client silence before a ping; no answer in as long again closes it (0: off)",
  },
  "allowed-origins": {
    type: "list",
    default: [],
    doc: "Origin header values allowed to connect (empty: all)",
  },
  hooks: {
    type: "string",
    default: "",
    doc: "module exporting `hooks` (connection hooks) and/or `authenticate`",
  },
  "log-level": {
    type: "enum",
    default: "info",
    values: LOG_LEVELS,
    doc: "error, warn, info or debug",
  },
} satisfies OptionsSpec;
