/**
 * The coordinator's handle on one worker subprocess: spawn it, send commands, await events.
 * A worker that dies or reports an error turns into a thrown error naming the worker.
 *
 * @module
 */
import { with_timeout } from "./clock.ts";
import { readLines } from "./line_reader.ts";
import type { WorkerCommand, WorkerConfig, WorkerEvent } from "./worker_protocol.ts";

const WORKER_MAIN = new URL("./worker_main.ts", import.meta.url).pathname;
const encoder = new TextEncoder();

/** A running worker process. */
export class WorkerLink {
  readonly index: number;
  readonly pid: number;
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncGenerator<string>;

  /** Spawns the worker and sends it its config. */
  constructor(config: WorkerConfig) {
    this.index = config.index;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", ...extraArgs(), WORKER_MAIN],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.pid = this.#child.pid;
    this.#stdin = this.#child.stdin.getWriter();
    this.#lines = readLines(this.#child.stdout);
    this.#write(config);
  }

  /** Sends one command. */
  send(command: WorkerCommand): void {
    this.#write(command);
  }

  /** Waits for the event `name`; throws on a worker error, exit or timeout. */
  async expect<N extends WorkerEvent["ev"]>(
    name: N,
    timeout_ms: number,
  ): Promise<Extract<WorkerEvent, { ev: N }>> {
    const next = with_timeout(
      this.#lines.next(),
      timeout_ms,
      `worker ${this.index} sent no '${name}' within ${Math.round(timeout_ms / 1000)} s`,
    );
    const { value, done } = await next;
    if (done) {
      const status = await this.#child.status;
      throw new Error(`worker ${this.index} exited with code ${status.code} before '${name}'`);
    }
    const event = JSON.parse(value) as WorkerEvent;
    if (event.ev === "error") throw new Error(event.message);
    if (event.ev !== name) {
      throw new Error(`worker ${this.index} sent '${event.ev}', not '${name}'`);
    }
    return event as Extract<WorkerEvent, { ev: N }>;
  }

  /** Closes stdin (the worker exits on EOF) and waits briefly, then kills it. */
  async stop(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch { /* already closed */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const exited = await Promise.race([
      this.#child.status.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 2_000)),
    ]);
    clearTimeout(timer);
    if (!exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* exited meanwhile */ }
      await this.#child.status;
    }
    await this.#lines.return(undefined);
  }

  #write(message: unknown): void {
    this.#stdin.write(encoder.encode(JSON.stringify(message) + "\n")).catch(() => {});
  }
}

/** Extra `deno run` flags for workers from LOADGEN_DENO_ARGS (e.g. `--cpu-prof`), for profiling. */
function extraArgs(): string[] {
  const value = Deno.env.get("LOADGEN_DENO_ARGS") ?? "";
  return value.split(" ").filter((arg) => arg.length > 0);
}
