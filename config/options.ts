/**
 * Program options for `deno task gateway` and `deno task tm`: each option is
 * a flag (`--cluster-id 3`), an environment variable (`FIRETOWER_CLUSTER_ID`)
 * or a key of the TOML file named by `--config` (`cluster-id = 3`). Flags win
 * over the environment, the environment over the file. Unknown keys and bad
 * values are errors that name the key, the source and the value.
 *
 * @module
 */
import { parse as parseToml } from "smol-toml";

/** How one option is read and checked. */
export type OptionSpec =
  | { type: "string"; default: string; doc: string }
  | { type: "integer"; default: number; min: number; max: number; doc: string }
  | { type: "boolean"; default: boolean; doc: string }
  | { type: "enum"; default: string; values: readonly string[]; doc: string }
  | { type: "list"; default: readonly string[]; doc: string };

/** A program's options, keyed by flag name in kebab-case. */
export type OptionsSpec = Record<string, OptionSpec>;

/** The parsed value of each option of a spec. */
export type OptionValues<S extends OptionsSpec> = {
  [K in keyof S]: S[K] extends { type: "integer" } ? number
    : S[K] extends { type: "boolean" } ? boolean
    : S[K] extends { type: "list" } ? string[]
    : string;
};

/** An invalid option: the message names the key, where it came from and its value. */
export class OptionError extends Error {
  /** Creates an error with a message for the operator. */
  constructor(message: string) {
    super(message);
    this.name = "OptionError";
  }
}

/** Where options are read from; tests pass their own. */
export interface OptionSources {
  /** Command-line arguments. */
  args: readonly string[];
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Reads the `--config` file. */
  readFile?: (path: string) => string;
}

/** The environment variable of an option: `cluster-id` -> `FIRETOWER_CLUSTER_ID`. */
export function envName(key: string): string {
  return `FIRETOWER_${key.replaceAll("-", "_").toUpperCase()}`;
}

/**
 * Reads every option of `spec` from flags, environment and the optional
 * TOML file. `--help` is left to the caller (see {@linkcode usage}).
 *
 * @throws {OptionError} naming the key, source and value of a bad option.
 */
export function loadOptions<S extends OptionsSpec>(
  spec: S,
  sources: OptionSources,
): OptionValues<S> {
  const flags = parseFlags(spec, sources.args);
  const raw: Record<string, { value: unknown; source: string }> = {};
  const configPath = flags.get("config") ?? sources.env[envName("config")];
  if (configPath !== undefined) {
    const read = sources.readFile ?? ((path: string) => Deno.readTextFileSync(path));
    let table: Record<string, unknown>;
    try {
      table = parseToml(read(configPath)) as Record<string, unknown>;
    } catch (error) {
      throw new OptionError(
        `Cannot read config file '${configPath}': ${
          error instanceof Error ? error.message : error
        }`,
      );
    }
    for (const [key, value] of Object.entries(table)) {
      if (!(key in spec)) {
        throw new OptionError(
          `Unknown key '${key}' in config file '${configPath}'; known keys: ${
            Object.keys(spec).join(", ")
          }`,
        );
      }
      raw[key] = { value, source: `config file '${configPath}'` };
    }
  }
  for (const key of Object.keys(spec)) {
    const fromEnv = sources.env[envName(key)];
    if (fromEnv !== undefined) raw[key] = { value: fromEnv, source: `environment ${envName(key)}` };
    const fromFlag = flags.get(key);
    if (fromFlag !== undefined) raw[key] = { value: fromFlag, source: `flag --${key}` };
  }
  const values: Record<string, unknown> = {};
  for (const [key, option] of Object.entries(spec)) {
    values[key] = key in raw
      ? coerce(key, option, raw[key].value, raw[key].source)
      : option.default;
  }
  return values as OptionValues<S>;
}

function parseFlags(spec: OptionsSpec, args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      throw new OptionError(`Unexpected argument '${arg}'; options are given as --name value`);
    }
    const eq = arg.indexOf("=");
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (key !== "config" && !(key in spec)) {
      throw new OptionError(
        `Unknown flag '--${key}'; known flags: --config, ${
          Object.keys(spec).map((k) => `--${k}`).join(", ")
        }`,
      );
    }
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (value === undefined) {
      const next = args[i + 1];
      if (spec[key]?.type === "boolean" && (next === undefined || next.startsWith("--"))) {
        value = "true";
      } else if (next === undefined) {
        throw new OptionError(`Flag '--${key}' needs a value`);
      } else {
        value = next;
        i++;
      }
    }
    flags.set(key, value);
  }
  return flags;
}

function coerce(key: string, option: OptionSpec, value: unknown, source: string): unknown {
  const bad = (expected: string): never => {
    throw new OptionError(
      `Invalid value for '${key}' from ${source}: expected ${expected}, got ${
        JSON.stringify(value)
      }`,
    );
  };
  switch (option.type) {
    case "string":
      if (typeof value !== "string") bad("a string");
      return value;
    case "integer": {
      const n = typeof value === "number"
        ? value
        : typeof value === "string" && /^-?\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
      if (!Number.isInteger(n) || n < option.min || n > option.max) {
        bad(`an integer from ${option.min} to ${option.max}`);
      }
      return n;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      return bad("true or false");
    case "enum":
      if (typeof value !== "string" || !option.values.includes(value)) {
        bad(`one of ${option.values.join(", ")}`);
      }
      return value;
    case "list": {
      const items = Array.isArray(value)
        ? value
        : typeof value === "string"
        ? value.split(",")
        : bad("a comma-separated list");
      const list = (items as unknown[]).map((item) =>
        typeof item === "string" ? item.trim() : bad("a list of strings")
      );
      return list.filter((item) => item.length > 0);
    }
  }
}

/** A help text listing every option with its default and environment variable. */
export function usage(program: string, spec: OptionsSpec): string {
  const lines = [`Usage: ${program} [--config file.toml] [options]`, "", "Options:"];
  const width = Math.max(...Object.keys(spec).map((key) => key.length)) + 2;
  for (const [key, option] of Object.entries(spec)) {
    const shown = Array.isArray(option.default) ? option.default.join(",") : String(option.default);
    lines.push(
      `  --${key.padEnd(width)} ${option.doc} (default: ${shown || "none"}; env ${envName(key)})`,
    );
  }
  return lines.join("\n");
}
