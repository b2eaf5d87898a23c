/** The target of one upstream connection: the proxy's target, with the caller's forwarded headers. */
import type { ClientTarget } from "../../client/detect.js";
import type { MCPConfig, MCPServerConfig, RemoteServerConfig } from "../../transports/config.js";
import { transportForUrl } from "../../transports/url.js";

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

/**
 * The target of a connection. Without forwarded headers it is the proxy's own target; with them
 * (even none present) it must be a URL, or a single-server config with a url, whose transport then
 * sends them on every request of that connection.
 */
export function targetFor(target: ClientTarget, headers: Record<string, string> | undefined): ClientTarget {
  if (headers === undefined) return target;
  const remote = remoteOf(target);
  if (!remote) {
    throw new TypeError(
      "forwardHeaders needs an HTTP upstream (a URL, or an mcpServers config with one server that has a url)",
    );
  }
  return transportForUrl(remote.url, { ...remote, headers: { ...remote.headers, ...headers } });
}

function remoteOf(target: ClientTarget): RemoteServerConfig | undefined {
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
