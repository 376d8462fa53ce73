/**
 * A logger that keeps every event, so tests can assert on what was logged.
 * Shared by the test folders.
 *
 * @module
 */
import type { LogFields, Logger, LogLevel } from "../actors/logger.ts";

/** One event captured by {@linkcode recordingLogger}. */
export interface LogEvent {
  level: LogLevel;
  message: string;
  fields: LogFields | undefined;
}

/** A logger that keeps every event. */
export function recordingLogger(): { logger: Logger; events: LogEvent[] } {
  const events: LogEvent[] = [];
  const at = (level: LogLevel) => (message: string, fields?: LogFields): void => {
    events.push({ level, message, fields });
  };
  return {
    logger: { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") },
    events,
  };
}
