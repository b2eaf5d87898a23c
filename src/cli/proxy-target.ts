/**
 * `run <url|command|mcp.json>`: serving a proxy of another server (`FastMCP.asProxy`); an
 * mcp.json with several servers is served as one, namespaced by their keys.
 */
import type { RunOptions } from "../server/fastmcp.js";
import type { MCPConfig } from "../transports/config.js";
import type { Target } from "./target.js";

/** A target `run` serves as a proxy: anything `new Client(target)` takes. */
export type ProxyTarget = Extract<Target, { kind: "url" | "command" | "mcp-config" }>;

/** What `FastMCP.asProxy` is given for a target. */
export function clientTarget(target: ProxyTarget): string | MCPConfig {
  return target.kind === "url" ? target.url : target.kind === "command" ? target.command : target.config;
}

/**
 * Serves a proxy of `target` with `run` options (stdio by default): one upstream connection,
 * made on the first request and kept; the upstream (a spawned command) is released when serving ends.
 */
export async function proxyTarget(
  target: ProxyTarget,
  options: { name?: string; run: RunOptions },
): Promise<void> {
  const { FastMCP } = await import("../server/fastmcp.js");
  const proxy = FastMCP.asProxy(
    clientTarget(target),
    options.name === undefined ? {} : { name: options.name },
  );
  try {
    await proxy.run(options.run);
  } finally {
    await proxy.close();
  }
}
