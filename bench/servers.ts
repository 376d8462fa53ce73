/**
 * The servers under test, in one table: how to start each one on a port with a number of
 * processes, and what it supports. Adding a server to the comparison is one entry here.
 *
 * @module
 */

/** A server the runner can benchmark. */
export interface ServerSpec {
  /** Name in the results table. */
  name: string;
  /** Entry file relative to the repository root; the server is skipped when it is missing. */
  entry: string;
  /** Command lines to start `processes` processes sharing `port` (each gets its own line). */
  commands(port: number, processes: number): string[][];
  /** Speaks the `firetower.batch` subprotocol (informational: every server gets the same load). */
  batch: boolean;
}

/** Every server, the yardstick first: ratios are "other / first". */
export const SERVERS: ServerSpec[] = [
  {
    name: "reference",
    entry: "bench/reference_server.ts",
    commands: (port, processes) =>
      Array.from({ length: processes }, () => [
        "run",
        "--allow-all",
        "bench/reference_server.ts",
        "--port",
        `${port}`,
        ...(processes > 1 ? ["--reuse-port"] : []),
      ]),
    batch: false,
  },
  {
    name: "firetower",
    entry: "gateway/main.ts",
    commands: (port, processes) => [[
      "run",
      "--allow-all",
      "gateway/main.ts",
      "--port",
      `${port}`,
      "--log-level",
      "warn",
      ...(processes > 1 ? ["--workers", `${processes}`] : []),
    ]],
    batch: true,
  },
];
