/** Auto-detection: the transport for whatever target `new Client(target)` was given. */
import { ClientError } from "../errors.js";
import type { ServerEntry } from "../server/entry.js";
import { ClientTransport } from "../transports/base.js";
import { type MCPConfig, MCPConfigTransport } from "../transports/config.js";
import { FastMCPTransport } from "../transports/memory/client.js";
import { StdioTransport } from "../transports/stdio/client.js";
import { NodeStdioTransport, PythonStdioTransport } from "../transports/stdio/variants.js";
import { transportForUrl } from "../transports/url.js";
import { shellSplit } from "./shell-split.js";

/** Everything `new Client(target)` accepts. */
export type ClientTarget = ClientTransport | ServerEntry | MCPConfig | string | URL;

const ACCEPTED = [
  "a ClientTransport instance",
  "a FastMCP server (in memory)",
  "a ws:// or wss:// URL",
  "an http(s):// URL (ending in /sse for the legacy SSE transport)",
  "a path to a .py, .js, .mjs or .cjs script",
  'a command line such as "python server.py" or "npx -y some-server"',
  "an object with mcpServers",
].join("; ");

function isFastMCP(value: unknown): value is ServerEntry {
  return (
    typeof value === "object" && value !== null && typeof (value as ServerEntry).createSession === "function"
  );
}

/** Resolves a Client target to a transport, or throws a ClientError listing the accepted forms. */
export function createTransport(target: unknown, _options: unknown = {}): ClientTransport {
  if (target instanceof ClientTransport) return target;
  if (isFastMCP(target)) return new FastMCPTransport(target);
  if (target instanceof URL) return transportForUrl(target.href, {}, ACCEPTED);
  if (typeof target === "object" && target !== null && "mcpServers" in target) {
    return new MCPConfigTransport(target as MCPConfig);
  }
  if (typeof target === "string") {
    const text = target.trim();
    if (text.length === 0) throw new ClientError(`Empty client target; accepted: ${ACCEPTED}`);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return transportForUrl(text, {}, ACCEPTED);
    let words: string[];
    try {
      words = shellSplit(text);
    } catch (error) {
      throw new ClientError(`${(error as Error).message}; accepted: ${ACCEPTED}`, { cause: error });
    }
    if (words.length === 1) {
      const path = words[0] as string;
      if (/\.py$/i.test(path)) return new PythonStdioTransport({ scriptPath: path });
      if (/\.(m|c)?js$/i.test(path)) return new NodeStdioTransport({ scriptPath: path });
    }
    const [command, ...args] = words as [string, ...string[]];
    return new StdioTransport(command, args);
  }
  throw new ClientError(`Cannot create a transport for ${describe(target)}; accepted: ${ACCEPTED}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object with keys ${Object.keys(value).join(", ") || "(none)"}`;
  return `a ${typeof value}`;
}
