/**
 * The topic manager's HTTP endpoint: `/topic`, `/gateways`, `/metrics`
 * (Prometheus text) and `/healthz`. See `docs/cluster_protocol.md`.
 *
 * @module
 */
import type { ActorSystem } from "../actors/system.ts";
import type { Router } from "./router.ts";

/** What the HTTP endpoint reads. */
export interface HttpContext {
  readonly router: Router;
  readonly system: ActorSystem;
  /** Publishes routed per second over the last sampling window. */
  publishRate(): number;
}

const json = (body: unknown): Response =>
  new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

/** Builds the request handler of the topic manager's HTTP port. */
export function createHttpHandler(ctx: HttpContext): (request: Request) => Response {
  return (request: Request): Response => {
    const path = new URL(request.url).pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    switch (path) {
      case "/topic":
        return json(ctx.router.table.topics());
      case "/gateways":
        return json([...ctx.router.gateways()].map((gateway) => ({
          id: gateway.id,
          address: gateway.address,
          connectedAt: new Date(gateway.connectedAt).toISOString(),
          topics: ctx.router.table.topicsOf(gateway.id),
          queuedFrames: gateway.queued,
          sentFrames: gateway.sent,
          droppedFrames: gateway.dropped,
        })));
      case "/metrics":
        return new Response(renderMetrics(ctx), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      case "/healthz":
        return new Response("ok\n", { headers: { "content-type": "text/plain" } });
      default:
        return new Response("not found\n", { status: 404 });
    }
  };
}

function renderMetrics(ctx: HttpContext): string {
  const c = ctx.router.counters;
  const actors = ctx.system.snapshot().kinds["remote-gateway"];
  let gateways = 0;
  for (const _ of ctx.router.gateways()) gateways++;
  const rows: [name: string, type: "gauge" | "counter", help: string, value: number][] = [
    ["firetower_tm_gateways", "gauge", "Connected gateways.", gateways],
    ["firetower_tm_topics", "gauge", "Topics with at least one subscriber.", ctx.router.table.size],
    ["firetower_tm_frames_in_total", "counter", "Frames read from gateways.", c.framesIn],
    ["firetower_tm_frames_out_total", "counter", "Frames queued to gateways.", c.framesOut],
    ["firetower_tm_publishes_routed_total", "counter", "Publishes routed.", c.publishesRouted],
    [
      "firetower_tm_publishes_routed_per_second",
      "gauge",
      "Publishes routed per second, last second.",
      ctx.publishRate(),
    ],
    [
      "firetower_tm_dropped_frames_total",
      "counter",
      "Frames dropped: gateway queue full.",
      c.dropped,
    ],
    ["firetower_tm_bad_frames_total", "counter", "Links closed for a bad frame.", c.badFrames],
    [
      "firetower_tm_refused_handshakes_total",
      "counter",
      "Handshakes refused.",
      c.refusedHandshakes,
    ],
    [
      "firetower_tm_slow_disconnects_total",
      "counter",
      "Gateways disconnected as too slow.",
      c.slowDisconnects,
    ],
    [
      "firetower_tm_heartbeat_timeouts_total",
      "counter",
      "Links closed for a heartbeat timeout.",
      c.heartbeatTimeouts,
    ],
    [
      "firetower_tm_queued_frames",
      "gauge",
      "Frames waiting in gateway queues.",
      actors?.depth ?? 0,
    ],
  ];
  return rows.map(([name, type, help, value]) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`
  ).join("");
}
