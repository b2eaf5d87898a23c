/**
 * What a server reads from its process at once: `FASTMCP_MASK_ERROR_DETAILS` when it is made, and
 * the run hook of the `fastmcp-ts` command when `run()` is called. The other `FASTMCP_*` settings
 * (run-settings.ts) are read when the server starts serving.
 */
import type { RunOptions } from "./fastmcp.js";

/** Environment variables by name. */
export type Env = Record<string, string | undefined>;

/** The process's environment (none outside Node). */
export function environment(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {};
}

/** `FASTMCP_MASK_ERROR_DETAILS`, parsed: a value that cannot be meant throws a TypeError naming the variable. */
export function maskSetting(env: Env = environment()): boolean | undefined {
  const mask = env.FASTMCP_MASK_ERROR_DETAILS?.trim().toLowerCase();
  if (!mask) return undefined;
  if (["1", "true", "yes", "on"].includes(mask)) return true;
  if (["0", "false", "no", "off"].includes(mask)) return false;
  throw new TypeError(`FASTMCP_MASK_ERROR_DETAILS must be true or false, not "${mask}"`);
}

/**
 * Called by `run()` before it serves: the options to serve with, or `false` when the caller (the
 * CLI inspecting a file) only wanted the server and nothing is to be served.
 */
export type RunHook = (server: object, options: RunOptions) => RunOptions | false;

/** The global symbol the run hook is installed under (see setRunHook in run-settings.ts). */
export const RUN_HOOK = Symbol.for("fastmcp-ts.run-hook");

/** The run hook's answer when the CLI loaded this file, else `options`. */
export function hookedRunOptions(server: object, options: RunOptions): RunOptions | false {
  const hook = (globalThis as Record<symbol, unknown>)[RUN_HOOK] as RunHook | undefined;
  return hook ? hook(server, options) : options;
}
