/**
 * Runs examples/chat/main.ts as a real subprocess for the browser tests.
 *
 * @module
 */

/** A running chat example process. */
export interface ChatServer {
  /** The port it listens on (picked by the OS). */
  readonly port: number;
  /** The page's address. */
  readonly url: string;
  /** Everything it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends SIGTERM and resolves with the exit status. */
  terminate(): Promise<Deno.CommandStatus>;
  /** Kills it if it still runs and waits for it; safe to call twice. */
  stop(): Promise<void>;
}

const MAIN = new URL("../../examples/chat/main.ts", import.meta.url);
const READY = /chat example listening on http:\/\/[^:]+:(\d+)\//;

/**
 * Starts the chat example on an ephemeral port, with extra `flags`, and
 * waits for its ready line.
 */
export async function startChatServer(
  flags: string[] = [],
  readyTimeoutMs = 15_000,
): Promise<ChatServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN.pathname, "--host", "127.0.0.1", "--port", "0", ...flags],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  let announce: ((port: number) => void) | undefined;
  const ready = new Promise<number>((resolve) => announce = resolve);
  const drain = async (stream: ReadableStream<Uint8Array>): Promise<void> => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      log += decoder.decode(chunk, { stream: true });
      const match = READY.exec(log);
      if (match) announce?.(Number(match[1]));
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    stopped ??= (async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // It has exited already.
      }
      await child.status;
      await drained;
    })();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`chat example printed no ready line in ${readyTimeoutMs} ms`)),
      readyTimeoutMs,
    );
  });
  const exited = child.status.then((status): never => {
    throw new Error(`chat example exited early with code ${status.code}`);
  });
  let port: number;
  try {
    port = await Promise.race([ready, timeout, exited]);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}; output:\n${log}`);
  } finally {
    clearTimeout(timer);
    exited.catch(() => {}); // it exits at the end of every test; nobody waits for this one
  }
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    output: () => log,
    async terminate(): Promise<Deno.CommandStatus> {
      child.kill("SIGTERM");
      const status = await child.status;
      await drained;
      return status;
    },
    stop,
  };
}

/**
 * Sends a WebSocket upgrade request over a raw TCP socket and returns the
 * HTTP status the server answered with (browsers do not expose it).
 */
export async function upgradeStatus(port: number, path: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const request = [
      `GET ${path} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      "Sec-WebSocket-Version: 13",
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
      "",
      "",
    ].join("\r\n");
    await conn.write(new TextEncoder().encode(request));
    const buffer = new Uint8Array(1024);
    const n = await conn.read(buffer);
    const head = new TextDecoder().decode(buffer.subarray(0, n ?? 0));
    const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
    if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 80))}`);
    return Number(status[1]);
  } finally {
    conn.close();
  }
}
