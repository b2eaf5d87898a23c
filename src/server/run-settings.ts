/**
 * What a server takes from its environment (`FASTMCP_*` variables), and the hook through which the
 * `fastmcp-ts run` command learns of a run that the file it loaded started itself.
 *
 * Precedence for `run()`, highest first: the command line of `fastmcp-ts run` (when the CLI loaded
 * the file), the options given to `run()`, the `FASTMCP_*` variables, the built-in defaults.
 */
import { LOG_LEVELS as LEVELS } from "../protocol/logging.js";
import type { LoggingLevel } from "../protocol/types.js";
import type { RunOptions } from "./fastmcp.js";
import { type Env, environment, maskSetting, RUN_HOOK, type RunHook } from "./process-settings.js";

/** The `FASTMCP_*` settings, parsed and checked. */
export interface EnvSettings {
  /** `FASTMCP_HOST`: the interface HTTP transports bind when `run()` names none. */
  host?: string;
  /** `FASTMCP_PORT`: the port HTTP transports bind when `run()` names none. */
  port?: number;
  /** `FASTMCP_LOG_LEVEL`: the least severe of the server's own stderr lines that are written. */
  logLevel?: LoggingLevel;
  /** `FASTMCP_MASK_ERROR_DETAILS`: the default of the `maskErrorDetails` server option. */
  maskErrorDetails?: boolean;
  /** `FASTMCP_WORKERS`: the processes HTTP transports serve on when `run()` names no `workers`. */
  workers?: number;
  /** `FASTMCP_SHUTDOWN_TIMEOUT_MS`: the `shutdownTimeoutMs` of HTTP transports when `run()` names none. */
  shutdownTimeoutMs?: number;
}

/** Python's level names map onto the MCP ones, so a Python FastMCP setting keeps its meaning. */
const LEVEL_ALIASES: Record<string, LoggingLevel> = { warn: "warning", fatal: "critical" };

/**
 * Reads the `FASTMCP_*` variables (all, or the one named). A value that cannot be meant throws a
 * TypeError naming the variable rather than being ignored: a typo in a deployment should show.
 */
export function envSettings(env: Env = environment(), only?: keyof EnvSettings): EnvSettings {
  const settings: EnvSettings = {};
  const read = (key: keyof EnvSettings, name: string) =>
    only === undefined || only === key ? env[name]?.trim() || undefined : undefined;
  const host = read("host", "FASTMCP_HOST");
  if (host) settings.host = host;
  const port = read("port", "FASTMCP_PORT");
  if (port) {
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535)
      throw new TypeError(`FASTMCP_PORT must be a port number from 0 to 65535, not "${port}"`);
    settings.port = Number(port);
  }
  const level = read("logLevel", "FASTMCP_LOG_LEVEL")?.toLowerCase();
  if (level) {
    const known = LEVEL_ALIASES[level] ?? (LEVELS.includes(level as LoggingLevel) ? level : undefined);
    if (known === undefined)
      throw new TypeError(`FASTMCP_LOG_LEVEL must be one of ${LEVELS.join(", ")}, not "${level}"`);
    settings.logLevel = known as LoggingLevel;
  }
  const workers = read("workers", "FASTMCP_WORKERS");
  if (workers) {
    if (!/^\d{1,4}$/.test(workers) || Number(workers) < 1)
      throw new TypeError(`FASTMCP_WORKERS must be a whole number of at least 1, not "${workers}"`);
    settings.workers = Number(workers);
  }
  const shutdown = read("shutdownTimeoutMs", "FASTMCP_SHUTDOWN_TIMEOUT_MS");
  if (shutdown) {
    if (!/^\d{1,9}$/.test(shutdown))
      throw new TypeError(`FASTMCP_SHUTDOWN_TIMEOUT_MS must be a number of milliseconds, not "${shutdown}"`);
    settings.shutdownTimeoutMs = Number(shutdown);
  }
  const mask = only === undefined || only === "maskErrorDetails" ? maskSetting(env) : undefined;
  if (mask !== undefined) settings.maskErrorDetails = mask;
  return settings;
}

/** Whether a server line of this level is written under `FASTMCP_LOG_LEVEL` (default: info). */
export function logLevelAllows(level: LoggingLevel, env: Env = environment()): boolean {
  const threshold = envSettings(env, "logLevel").logLevel ?? "info";
  return LEVELS.indexOf(level) >= LEVELS.indexOf(threshold);
}

/**
 * Installs (or, with `undefined`, removes) the process-wide run hook. A global symbol, not module
 * state, so that a file importing another copy of the package is still seen by the CLI. Used by
 * the `fastmcp-ts` command; not part of the library's public API.
 */
export function setRunHook(hook: RunHook | undefined): void {
  (globalThis as Record<symbol, unknown>)[RUN_HOOK] = hook;
}

/**
 * The options `run()` serves an HTTP transport with (after the run hook): the `FASTMCP_HOST` /
 * `FASTMCP_PORT` / `FASTMCP_WORKERS` / `FASTMCP_SHUTDOWN_TIMEOUT_MS` defaults where they name none.
 */
export function httpRunSettings(
  http: Extract<RunOptions, { transport: unknown }>,
): Extract<RunOptions, { transport: unknown }> {
  const env = {
    ...envSettings(undefined, "host"),
    ...envSettings(undefined, "port"),
    ...envSettings(undefined, "workers"),
    ...envSettings(undefined, "shutdownTimeoutMs"),
  };
  return {
    ...http,
    ...(http.host === undefined && env.host !== undefined ? { host: env.host } : {}),
    ...(http.port === undefined && env.port !== undefined ? { port: env.port } : {}),
    ...(http.workers === undefined && env.workers !== undefined ? { workers: env.workers } : {}),
    ...(http.shutdownTimeoutMs === undefined && env.shutdownTimeoutMs !== undefined
      ? { shutdownTimeoutMs: env.shutdownTimeoutMs }
      : {}),
  };
}

const COMMAND_LINE = Symbol.for("fastmcp-ts.command-line");

/**
 * Keeps this process's command line as it was started, before the `fastmcp-ts` command hands the
 * file it loads the argv of a direct run: a cluster worker (`run({ workers })`) must be started the
 * same way as its primary. Used by the `fastmcp-ts` command; not part of the library's public API.
 */
export function keepCommandLine(argv: readonly string[]): void {
  (globalThis as Record<symbol, unknown>)[COMMAND_LINE] ??= [...argv];
}

/** The command line kept by keepCommandLine, else `argv`. */
export function commandLine(argv: readonly string[]): readonly string[] {
  return ((globalThis as Record<symbol, unknown>)[COMMAND_LINE] as readonly string[] | undefined) ?? argv;
}
