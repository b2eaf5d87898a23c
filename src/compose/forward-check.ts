/**
 * Checks of `forwardHeaders`, made when the proxy is created (this module loads no transport, so
 * `asProxy` can run them at once while the proxy's code loads on first use).
 */
import type { ClientTarget } from "../client/detect.js";
import type { MCPConfig, MCPServerConfig, RemoteServerConfig } from "../transports/config.js";

/** Headers that belong to one hop or to the MCP transport itself: never forwarded. */
const NOT_FORWARDABLE = new Set([
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-length",
  "content-type",
  "content-encoding",
  "accept",
  "accept-encoding",
  "cookie",
  "mcp-session-id",
  "mcp-protocol-version",
  "mcp-method",
  "mcp-name",
  "last-event-id",
]);

/** Checks a `forwardHeaders` list (lower-case names); throws a TypeError naming what is wrong. */
export function checkForwardHeaders(names: readonly string[]): void {
  for (const name of names) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name))
      throw new TypeError(`forwardHeaders: "${name}" is not a header name`);
    if (NOT_FORWARDABLE.has(name) || name.startsWith("mcp-param-") || name.startsWith("proxy-")) {
      throw new TypeError(`forwardHeaders: ${name} belongs to one connection and cannot be forwarded`);
    }
  }
}

/** The remote server a target names (a URL, or a single-server config with a url), if any. */
export function remoteOf(target: ClientTarget): RemoteServerConfig | undefined {
  if (target instanceof URL) return { url: target.href };
  if (typeof target === "string")
    return /^(https?|wss?):\/\//i.test(target.trim()) ? { url: target.trim() } : undefined;
  if (typeof target === "object" && target !== null && "mcpServers" in target) {
    const servers = Object.values((target as MCPConfig).mcpServers ?? {});
    const only: MCPServerConfig | undefined = servers.length === 1 ? servers[0] : undefined;
    if (only && "url" in only && typeof only.url === "string") return only;
  }
  return undefined;
}

/** Checks `forwardHeaders` against a target; throws a TypeError saying what is wrong. Returns the lower-case names. */
export function checkForwarding(
  target: ClientTarget,
  forwardHeaders: readonly string[] | undefined,
): string[] {
  const names = (forwardHeaders ?? []).map((name) => String(name).toLowerCase());
  if (names.length === 0) return names;
  checkForwardHeaders(names);
  if (!remoteOf(target)) {
    throw new TypeError(
      "forwardHeaders needs an HTTP upstream (a URL, or an mcpServers config with one server that has a url)",
    );
  }
  return names;
}
