/**
 * `--workers N`: N gateway processes share one port (`reusePort`), so a
 * gateway uses every core. All workers sit behind the same broker; with the
 * default `local` broker this process runs a private topic manager on
 * loopback so that clients on different workers still reach each other.
 * A worker that exits unexpectedly is restarted with backoff.
 *
 * @module
 */
import { silentLogger } from "../actors/logger.ts";
import type { OptionValues } from "../config/options.ts";
import { startTopicManager, type TopicManager } from "../topic_manager/server.ts";
import type { GATEWAY_OPTIONS } from "./cli_options.ts";

type GatewayOptionValues = OptionValues<typeof GATEWAY_OPTIONS>;

const MAIN = new URL("./main.ts", import.meta.url).pathname;
const PERMISSIONS = ["--allow-net", "--allow-read", "--allow-env", "--allow-sys"];

/** Runs `count` workers until SIGTERM/SIGINT; returns the exit code. */
export async function runWorkers(count: number, options: GatewayOptionValues): Promise<number> {
  let tm: TopicManager | undefined;
  const flags = toFlags({ ...options, workers: 1 });
  if (options.broker === "local") {
    const secret = crypto.randomUUID();
    tm = await startTopicManager({
      host: "127.0.0.1",
      port: 0,
      httpPort: -1,
      secret,
      logger: silentLogger,
    });
    flags.push("--broker", "tm", "--tm", `127.0.0.1:${tm.address.port}`, "--secret", secret);
  }
  let stopping = false;
  let ready = 0;
  const children = new Map<number, Deno.ChildProcess>();

  const spawn = (index: number, attempt: number): void => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMISSIONS, MAIN, ...flags],
      env: { FIRETOWER_WORKER_INDEX: String(index) },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    children.set(index, child);
    void forwardOutput(child, () => {
      if (++ready === count) {
        console.log(
          `firetower gateway ready: ws://${options.host}:${options.port}${options.path} broker=${options.broker} workers=${count}`,
        );
      }
    });
    child.status.then((status) => {
      children.delete(index);
      if (stopping) return;
      const delay = Math.min(5000, 100 * 2 ** attempt);
      console.error(
        `firetower gateway: worker ${index} exited with code ${status.code}; restarting in ${delay} ms`,
      );
      setTimeout(() => !stopping && spawn(index, attempt + 1), delay);
    });
  };

  for (let index = 0; index < count; index++) spawn(index, 0);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      for (const child of children.values()) {
        try {
          child.kill("SIGTERM");
        } catch {
          // Already gone.
        }
      }
      resolve();
    };
    Deno.addSignalListener("SIGTERM", stop);
    Deno.addSignalListener("SIGINT", stop);
  });
  await Promise.all([...children.values()].map((child) => child.status));
  await tm?.close();
  return 0;
}

async function forwardOutput(child: Deno.ChildProcess, onReady: () => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  let announced = false;
  for await (const chunk of child.stdout) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      // Workers' ready lines are summed into one; anything else passes through.
      if (!announced && line.startsWith("firetower gateway ready:")) {
        announced = true;
        onReady();
      } else console.log(line);
    }
  }
}

function toFlags(options: GatewayOptionValues): string[] {
  const flags: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (Array.isArray(value)) {
      if (value.length > 0) flags.push(`--${key}`, value.join(","));
    } else if (value !== "") flags.push(`--${key}`, String(value));
  }
  return flags;
}
