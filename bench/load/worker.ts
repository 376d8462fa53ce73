/**
 * One worker process's run: connect and subscribe its share of clients, publish during the
 * window the coordinator names, then drain, settle the loss books and report. Every wait is
 * bounded, so a stuck server makes the worker report (or fail) rather than hang.
 *
 * @module
 */
import { nowMs, sleep } from "./clock.ts";
import { Churner } from "./churn.ts";
import { DeliveryBook } from "./delivery_book.ts";
import { cpuSeconds } from "./proc_stats.ts";
import { Publisher } from "./publisher.ts";
import { type LinkCounters, Subscriber } from "./subscriber.ts";
import { openSubscribed } from "./subscription.ts";
import type { WorkerCommand, WorkerConfig, WorkerEvent } from "./worker_protocol.ts";
import type { WsConnect, WsConnection } from "./ws_connection.ts";

const TICK_MS = 5;
const PUBLISHER_DRAIN_MS = 5_000;
const DELIVERY_DRAIN_MS = 15_000;
const NO_PROGRESS_MS = 3_000;

/** How the worker talks to its coordinator. */
export interface WorkerIo {
  /** Next command; the worker checks it is the one it expects. */
  next(): Promise<WorkerCommand>;
  /** Sends one event. */
  emit(event: WorkerEvent): void;
  /** Ends the process with an error event: the run is no longer meaningful. */
  fatal(message: string): never;
}

/** Runs one worker to its report. */
export async function runWorker(
  config: WorkerConfig,
  connect: WsConnect,
  io: WorkerIo,
): Promise<void> {
  const book = new DeliveryBook(config.topics, config.publishers);
  const counters: LinkCounters = { heartbeats: 0, closed_unexpectedly: 0 };
  const conns: WsConnection[] = [];
  const subscribers: Subscriber[] = [];
  const publishers: Publisher[] = [];
  const began = nowMs();
  await paced(config.subscriber_count, config.connect_rate, async (i) => {
    const k = config.first_subscriber + i;
    const topic = k % config.topics;
    const sub = new Subscriber(book, counters, topic);
    const ports = config.subscriber_ports;
    const target = { ...config.target, port: ports[k % ports.length] };
    conns.push(await openSubscribed(connect, target, sub, `t${topic}`));
    subscribers.push(sub);
  });
  const plan = {
    rate: config.rate_per_publisher,
    inflight: config.inflight,
    payload: config.payload,
    messages: config.messages,
  };
  for (const id of config.idle ? [] : config.publisher_ids) {
    const pub = new Publisher(id, `t${id % config.topics}`, plan, counters);
    pub.conn = await openSubscribed(connect, config.target, pub, pub.topic_name);
    conns.push(pub.conn);
    publishers.push(pub);
  }
  io.emit({ ev: "connected", connections: conns.length, connect_ms: nowMs() - began });

  const go = await io.next();
  if (go.cmd !== "go") io.fatal(`expected the go command, got ${go.cmd}`);
  const window_start = go.start_at + go.warmup_ms;
  const window_end = window_start + go.duration_ms;
  // A message-limited run counts every delivery after the warmup, up to the drain.
  const limited = config.messages > 0;
  book.window_start = window_start;
  book.window_end = limited ? Infinity : window_end;
  let done_sent = !limited || publishers.length === 0;
  const churner = new Churner(config.churn, config.topics, connect, config.target);
  await sleep(go.start_at - nowMs());
  for (const pub of publishers) {
    pub.window_start = window_start;
    pub.window_end = window_end;
    pub.start();
  }
  let last_tick = nowMs();
  let churning = true;
  const ticker = setInterval(() => {
    const now = nowMs();
    for (const pub of publishers) pub.tick(now - last_tick, now);
    if (churning) churner.tick(now - last_tick);
    last_tick = now;
    if (!done_sent && publishers.every((p) => p.finished())) {
      done_sent = true;
      io.emit({ ev: "done" });
    }
    if (conns.length > 0 && counters.closed_unexpectedly >= conns.length) {
      io.fatal(`all ${conns.length} connections were closed by the server: is it still running?`);
    }
  }, TICK_MS);

  await sleep(window_start - nowMs());
  const cpu_start = cpuSeconds("self");
  // The window ends at its planned end or earlier at the coordinator's stop command.
  let pending: Promise<WorkerCommand> | null = io.next();
  const early = await Promise.race([sleep(window_end - nowMs()).then(() => null), pending]);
  if (early !== null) pending = null;
  const window_ms = nowMs() - window_start;
  const cpu_s = cpuSeconds("self") - cpu_start;
  if (!done_sent) {
    done_sent = true;
    io.emit({ ev: "done" });
  }
  for (const pub of publishers) pub.stop();
  churning = false;
  churner.close_all();
  await waitUntil(() => publishers.every((p) => p.inflight === 0), PUBLISHER_DRAIN_MS, () => 0);
  const own = new Array<number>(config.publishers).fill(0);
  for (const pub of publishers) own[pub.id] = pub.seq;
  io.emit({ ev: "stopped", published: own, window_ms });

  let finish = await (pending ?? io.next());
  while (finish.cmd === "stop") finish = await io.next();
  if (finish.cmd !== "finish") io.fatal(`expected the finish command, got ${finish.cmd}`);
  let expected = 0;
  for (const sub of subscribers) expected += book.expected_for(sub.topic, finish.published);
  await waitUntil(() => book.received >= expected, DELIVERY_DRAIN_MS, () => book.received);
  clearInterval(ticker);
  for (const sub of subscribers) book.settle(sub.last, sub.topic, finish.published);
  for (const conn of conns) conn.close();
  io.emit({
    ev: "report",
    report: {
      published_in_window: publishers.reduce((n, p) => n + p.published_in_window, 0),
      deliveries: book.deliveries,
      lost: book.lost,
      duplicated: book.duplicated,
      out_of_order: book.out_of_order,
      misrouted: book.misrouted,
      closed_unexpectedly: counters.closed_unexpectedly,
      heartbeats: counters.heartbeats,
      churn_cycles: churner.cycles,
      churn_failures: churner.failures,
      latency: book.latency.to_sparse(),
      latency_max_ms: book.latency.max_ms,
      cpu_s,
    },
  });
}

/** Runs `open(i)` for i < count, at `rate` per second (0 = 128 at a time, unpaced). */
async function paced(
  count: number,
  rate: number,
  open: (i: number) => Promise<void>,
): Promise<void> {
  const started = nowMs();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      if (rate > 0) await sleep(started + i * 1000 / rate - nowMs());
      await open(i);
    }
  };
  const lanes = rate > 0 ? Math.min(256, Math.max(1, Math.ceil(rate / 50))) : 128;
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
}

/** Polls `done` until true, `limit_ms` passed, or `progress` stood still for a while. */
async function waitUntil(
  done: () => boolean,
  limit_ms: number,
  progress: () => number,
): Promise<void> {
  const deadline = nowMs() + limit_ms;
  let seen = progress();
  let moved_at = nowMs();
  while (!done() && nowMs() < deadline) {
    await sleep(20);
    const p = progress();
    if (p !== seen) {
      seen = p;
      moved_at = nowMs();
    } else if (nowMs() - moved_at > NO_PROGRESS_MS) {
      return;
    }
  }
}
