/**
 * `run <url|command|mcp.json>`: serving a proxy of another server. Every non-file target of `run`
 * comes through here, so that wiring `FastMCP.asProxy(target, { name })` in is one change.
 */
import type { RunOptions } from "../server/fastmcp.js";
import type { MCPConfig } from "../transports/config.js";
import { describeTarget, type Target } from "./target.js";
import { CliError } from "./ui.js";

/** A target `run` serves as a proxy: anything `new Client(target)` takes. */
export type ProxyTarget = Extract<Target, { kind: "url" | "command" | "mcp-config" }>;

/** What `FastMCP.asProxy` is given for a target. */
export function clientTarget(target: ProxyTarget): string | MCPConfig {
  return target.kind === "url" ? target.url : target.kind === "command" ? target.command : target.config;
}

/**
 * Serves a proxy of `target` with `run` options. Not available until FastMCP.asProxy lands: until
 * then a clear error, exit code 1.
 */
export async function proxyTarget(
  target: ProxyTarget,
  _options: { name?: string; run: RunOptions },
): Promise<void> {
  throw new CliError(
    `Serving a proxy of ${describeTarget(target)} is not available yet in this version of fastmcp-ts; run a server file (.ts or .js) instead`,
  );
}
