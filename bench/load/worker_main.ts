/**
 * Entry point of a worker subprocess (spawned by the coordinator, never by hand): reads its
 * config and commands as JSON lines on stdin, writes events as JSON lines on stdout.
 *
 * @module
 */
import { readLines } from "./line_reader.ts";
import { runWorker, type WorkerIo } from "./worker.ts";
import type { WorkerCommand, WorkerConfig, WorkerEvent } from "./worker_protocol.ts";
import { connectNative } from "./ws_native_client.ts";
import { connectRaw } from "./ws_raw_client.ts";

const encoder = new TextEncoder();

function emit(event: WorkerEvent): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(event) + "\n"));
}

function fatal(message: string): never {
  emit({ ev: "error", message });
  Deno.exit(1);
}

if (import.meta.main) {
  const lines = readLines(Deno.stdin.readable);
  const nextLine = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) {
      console.error("load worker: coordinator closed stdin, exiting");
      Deno.exit(3);
    }
    return value;
  };
  const config = JSON.parse(await nextLine()) as WorkerConfig;
  const io: WorkerIo = {
    next: async () => JSON.parse(await nextLine()) as WorkerCommand,
    emit,
    fatal,
  };
  try {
    await runWorker(config, config.client === "native" ? connectNative : connectRaw, io);
  } catch (err) {
    fatal(`worker ${config.index}: ${(err as Error).message}`);
  }
  // Pending socket reads of closed connections must not keep the process alive.
  Deno.exit(0);
}
