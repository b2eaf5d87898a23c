/**
 * What `FastMCP.asProxy` mounts for a target: one proxied upstream, or one per server of a
 * multi-server `mcpServers` config, namespaced by its key. The serving code makes their sources,
 * which load the proxy's code on first use (lazy-proxy.ts).
 */
import type { ClientTarget } from "../client/detect.js";
import type { MountTarget } from "../server/mounts.js";
import type { MCPConfig } from "../transports/config.js";
import { checkForwarding } from "./forward-check.js";
import type { ProxyOptions } from "./proxy/options.js";
import type { ProxySourceOptions } from "./proxy/source.js";

export type { ProxyOptions } from "./proxy/options.js";

export interface ProxyPlan {
  name: string;
  mounts: { target: MountTarget; namespace?: string }[];
}

/** The sources of a proxy of `target`: several, namespaced by key, for a config with several servers. */
export function planProxy(target: ClientTarget, options: ProxyOptions): ProxyPlan {
  const servers =
    typeof target === "object" && target !== null && "mcpServers" in target
      ? Object.entries((target as MCPConfig).mcpServers ?? {})
      : undefined;
  if (servers && servers.length === 0) throw new TypeError("asProxy: mcpServers names no server");
  if (servers && servers.length > 1) {
    for (const [key, server] of servers)
      checkForwarding({ mcpServers: { [key]: server } }, options.forwardHeaders);
    return {
      name: options.name ?? "proxy",
      mounts: servers.map(([key, server]) => ({
        target: proxyTarget(key, { mcpServers: { [key]: server } }, { ...options, tolerant: true }),
        namespace: key,
      })),
    };
  }
  // Said now, not at the first request: a bad header list is the caller's error.
  checkForwarding(target, options.forwardHeaders);
  const name = options.name ?? servers?.[0]?.[0] ?? "proxy";
  return { name, mounts: [{ target: proxyTarget(name, target, options) }] };
}

function proxyTarget(name: string, target: ClientTarget, options: ProxySourceOptions): MountTarget {
  return { kind: "proxy", name, target, options };
}
