/**
 * The logging contract shared by every Firetower component. Applications plug
 * in their own implementation; the default writes one line per event.
 *
 * @module
 */

/** Severity of a log event, most severe first. */
export type LogLevel = "error" | "warn" | "info" | "debug";

/** Structured fields attached to a log event. */
export type LogFields = Record<string, unknown>;

/** Where Firetower reports events an operator cares about. */
export interface Logger {
  /** Something failed and needs attention. */
  error(message: string, fields?: LogFields): void;
  /** Something unusual that Firetower handled. */
  warn(message: string, fields?: LogFields): void;
  /** A lifecycle event: start, link up/down. */
  info(message: string, fields?: LogFields): void;
  /** Detail for debugging; may be per message. */
  debug(message: string, fields?: LogFields): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The log levels in order of severity, for validating user input. */
export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "debug"];

/**
 * Creates a logger that writes one line per event to stderr, as
 * `<ISO time> <LEVEL> <message> key=value ...`, dropping events below `level`.
 *
 * @example A logger that shows warnings and errors only
 * ```ts
 * import { createConsoleLogger } from "@firetower/firetower";
 * const logger = createConsoleLogger("warn");
 * logger.info("not shown");
 * logger.warn("slow consumer closed", { client: "c1" });
 * ```
 */
export function createConsoleLogger(level: LogLevel = "info"): Logger {
  const threshold = LEVEL_RANK[level];
  const write = (lvl: LogLevel) => (message: string, fields?: LogFields): void => {
    if (LEVEL_RANK[lvl] > threshold) return;
    let line = `${new Date().toISOString()} ${lvl.toUpperCase()} ${message}`;
    if (fields) {
      for (const [key, value] of Object.entries(fields)) {
        line += ` ${key}=${typeof value === "string" ? value : stringify(value)}`;
      }
    }
    console.error(line);
  };
  return { error: write("error"), warn: write("warn"), info: write("info"), debug: write("debug") };
}

function stringify(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A logger that discards everything, for tests and embedding. */
export const silentLogger: Logger = {
  error: () => {},
  warn: () => {},
  info: () => {},
  debug: () => {},
};
