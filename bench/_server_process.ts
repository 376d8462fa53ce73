/**
 * Starting and stopping a server under test: spawn its processes, wait until each printed its
 * ready line (one mentioning ws:// or "listening"/"ready") and the port accepts TCP, then
 * SIGTERM with a SIGKILL fallback. Server output is passed through to stderr, prefixed.
 *
 * @module
 */
import { with_timeout } from "./load/clock.ts";
import { readLines } from "./load/line_reader.ts";

const READY = /ws:\/\/|listening|ready/i;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Running server processes. */
export interface RunningServer {
  /** Pids of the spawned processes (their children are measured too). */
  pids: number[];
  /** Stops every process; resolves when all exited. */
  stop(): Promise<void>;
}

/** Spawns `commands` (deno argv lists) in `cwd` and waits until the server is ready. */
export async function startServer(
  name: string,
  commands: string[][],
  port: number,
  cwd: string,
): Promise<RunningServer> {
  const children = commands.map((args) =>
    new Deno.Command(Deno.execPath(), { args, cwd, stdout: "piped", stderr: "piped" }).spawn()
  );
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((child) => stopChild(child)));
  };
  try {
    const ready = children.map((child) =>
      Promise.any([
        waitReady(child.stdout, `${name}[${child.pid}]`),
        waitReady(child.stderr, `${name}[${child.pid}]`),
      ]).catch(async () => {
        const { code } = await child.status;
        throw new Error(`${name} exited with code ${code} without printing a ready line`);
      })
    );
    const exited = children.map((child) =>
      child.status.then((s) => {
        throw new Error(`${name} exited with code ${s.code} before it was ready`);
      })
    );
    await with_timeout(
      Promise.race([Promise.all(ready), ...exited]),
      READY_TIMEOUT_MS,
      `${name} printed no ready line within ${READY_TIMEOUT_MS / 1000} s`,
    );
    await probe(port);
    return { pids: children.map((c) => c.pid), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Resolves at the first ready line; keeps forwarding the rest of the output. */
function waitReady(stream: ReadableStream<Uint8Array>, prefix: string): Promise<void> {
  return new Promise((resolve, reject) => {
    (async () => {
      let found = false;
      for await (const line of readLines(stream)) {
        console.error(`${prefix} ${line}`);
        if (!found && READY.test(line)) {
          found = true;
          resolve();
        }
      }
      if (!found) reject(new Error(`${prefix} closed its output without a ready line`));
    })();
  });
}

async function probe(port: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.close();
}

async function stopChild(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch { /* already exited */ }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exited = await Promise.race([
    child.status.then(() => true),
    new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS)),
  ]);
  clearTimeout(timer);
  if (!exited) {
    console.error(`server ${child.pid} ignored SIGTERM for 5 s: killing it`);
    try {
      child.kill("SIGKILL");
    } catch { /* exited meanwhile */ }
    await child.status;
  }
}
