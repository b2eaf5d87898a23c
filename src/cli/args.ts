/**
 * Strict command-line parsing on node:util's parseArgs: an unknown flag, a missing value or a bad
 * one is a usage error (exit 2) naming the flag, with the command's usage line.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./ui.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** One command: its usage line, help text and flags. `--help`/`-h` and `--debug` are added to each. */
export interface CommandSpec {
  name: string;
  /** One line: `fastmcp-ts run <target> [--transport ...]`. */
  usage: string;
  /** What `--help` prints after the usage line. */
  help: string;
  options: Options;
  /** Fewest and most positionals (`Infinity` for any number). */
  positionals: [number, number];
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /** The words after a `--`, kept apart (a command line to run, a server's own arguments). */
  rest: string[];
}

const COMMON: Options = {
  help: { type: "boolean", short: "h" },
  debug: { type: "boolean" },
};

/** The help of a command, as `--help` prints it on stdout. */
export function helpText(spec: CommandSpec): string {
  return `Usage: ${spec.usage}\n\n${spec.help.trim()}\n`;
}

/** Parses a command's arguments; throws UsageError for anything it cannot take. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const split = argv.indexOf("--");
  const own = split === -1 ? argv : argv.slice(0, split);
  const rest = split === -1 ? [] : argv.slice(split + 1);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: own,
      options: { ...COMMON, ...spec.options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${spec.name}: ${parseError(error as Error)}`, `Usage: ${spec.usage}`);
  }
  const values = parsed.values as Parsed["values"];
  if (values.help) return { values, positionals: parsed.positionals, rest };
  const [min, max] = spec.positionals;
  if (parsed.positionals.length < min)
    throw new UsageError(`${spec.name}: missing arguments`, `Usage: ${spec.usage}`);
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals.slice(max).join(" ");
    throw new UsageError(
      `${spec.name}: unexpected argument ${JSON.stringify(extra)}`,
      `Usage: ${spec.usage}`,
    );
  }
  return { values, positionals: parsed.positionals, rest };
}

/** parseArgs' messages are long and suggest workarounds; keep what went wrong. */
function parseError(error: Error & { code?: string }): string {
  const option = /'(-[^']*)'/.exec(error.message)?.[1];
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${option ?? ""}`.trim();
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing/.test(error.message)
        ? `option ${option?.split(" ")[0] ?? ""} needs a value`
        : `option ${option?.split(" ")[0] ?? ""} takes no value`;
    default:
      return error.message.split(". ")[0] ?? error.message;
  }
}

/** A port flag's value: an integer from 0 to 65535. */
export function portValue(value: string | undefined, flag: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new UsageError(
      `${flag} must be a port number from 0 to 65535, not ${JSON.stringify(value)}`,
      usage,
    );
  return Number(value);
}

export const TRANSPORTS = ["stdio", "http", "sse", "ws"] as const;
export type TransportFlag = (typeof TRANSPORTS)[number];

/** A `--transport` value; `streamable-http` is taken as `http`, as Python FastMCP does. */
export function transportValue(value: string | undefined, usage: string): TransportFlag | undefined {
  if (value === undefined) return undefined;
  const name = value === "streamable-http" ? "http" : value;
  if (!(TRANSPORTS as readonly string[]).includes(name))
    throw new UsageError(
      `--transport must be one of ${TRANSPORTS.join(", ")}, not ${JSON.stringify(value)}`,
      usage,
    );
  return name as TransportFlag;
}

/** `--env K=V` values as a record; a word without `=` or with an empty or odd key is refused. */
export function envValues(values: readonly string[] | undefined, usage: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of values ?? []) {
    const at = pair.indexOf("=");
    const key = at === -1 ? "" : pair.slice(0, at);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new UsageError(
        `--env takes KEY=VALUE with a variable name as KEY, not ${JSON.stringify(pair)}`,
        usage,
      );
    env[key] = pair.slice(at + 1);
  }
  return env;
}

/** An HTTP path flag: begins with "/". */
export function pathValue(value: string | undefined, usage: string): string | undefined {
  if (value === undefined) return undefined;
  if (!value.startsWith("/") || /\s/.test(value))
    throw new UsageError(
      `--path must start with "/" and hold no spaces, not ${JSON.stringify(value)}`,
      usage,
    );
  return value;
}
