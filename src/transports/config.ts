/**
 * MCPConfigTransport: connects to the servers described by an `mcpServers` configuration, the
 * format Claude Desktop, Cursor and others use. With one server it is that server's transport; with
 * several, the client talks to an in-memory proxy of them all, where each server's tools and
 * prompts are prefixed with its key (`weather_forecast`) and its resource URIs get the key as first
 * path segment (`data://weather/today`). A server that fails to start is reported, and the others
 * still work.
 *
 * @example
 * ```ts
 * new Client({ mcpServers: { weather: { command: "python", args: ["weather.py"] } } });
 * new Client({ mcpServers: { weather: { command: "python", args: ["weather.py"] }, docs: { url: "https://docs.example.com/mcp" } } });
 * ```
 */

import { MultiServerTransport } from "../compose/multi-transport.js";
import { ClientError } from "../errors.js";
import type { RequestOptions } from "../protocol/engine.js";
import type { JSONRPCMessage, Result } from "../protocol/types.js";
import { type ClientRequest, ClientTransport, type TransportHandlers } from "./base.js";
import { StdioTransport } from "./stdio/client.js";
import { transportForUrl } from "./url.js";

export interface StdioServerConfig {
  command: string;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  transport?: "stdio";
}

export interface RemoteServerConfig {
  url: string;
  headers?: Record<string, string>;
  transport?: "http" | "streamable-http" | "sse" | "ws";
}

export type MCPServerConfig = StdioServerConfig | RemoteServerConfig;

export interface MCPConfig {
  mcpServers: Record<string, MCPServerConfig>;
}

export class MCPConfigTransport extends ClientTransport {
  readonly config: MCPConfig;
  /** The transport of the configured server. */
  readonly transport: ClientTransport;

  constructor(config: MCPConfig) {
    super();
    const entries = Object.entries(config?.mcpServers ?? {});
    if (entries.length === 0)
      throw new ClientError("MCPConfigTransport needs at least one server under mcpServers");
    this.config = config;
    if (entries.length > 1) {
      // Several servers: one in-memory proxy of them all, namespaced by key (like Python FastMCP).
      for (const [name, server] of entries) checkServer(name, server);
      this.transport = new MultiServerTransport(config);
      return;
    }
    const [name, server] = entries[0] as [string, MCPServerConfig];
    if ("command" in server && typeof server.command === "string") {
      this.transport = new StdioTransport(server.command, server.args ?? [], {
        ...(server.env ? { env: server.env } : {}),
        ...(server.cwd ? { cwd: server.cwd } : {}),
      });
    } else if ("url" in server && typeof server.url === "string") {
      this.transport = transportForUrl(server.url, server);
    } else {
      throw new ClientError(`Server ${name} in mcpServers needs either a command or a url`);
    }
  }

  describe(): string {
    return this.transport.describe();
  }

  override get connected(): boolean {
    return this.transport.connected;
  }

  override connect(handlers?: TransportHandlers): Promise<void> {
    return this.transport.connect(handlers);
  }

  override disconnect(): Promise<void> {
    return this.transport.disconnect();
  }

  override sendRequest<T extends Result = Result>(
    request: ClientRequest,
    options?: RequestOptions,
  ): Promise<T> {
    return this.transport.sendRequest<T>(request, options);
  }

  override sendNotification(method: string, params?: Record<string, unknown>): void {
    this.transport.sendNotification(method, params);
  }

  override initialized(): Promise<void> {
    return this.transport.initialized();
  }

  override get silentProbeMeansLegacy(): boolean {
    return this.transport.silentProbeMeansLegacy;
  }

  override get mirrorsToolHeaders(): boolean {
    return this.transport.mirrorsToolHeaders;
  }

  protected async open(): Promise<void> {}

  protected send(_message: JSONRPCMessage): void {}

  protected async close(): Promise<void> {}
}

/** A multi-server config entry needs a command or a url: said at construction, naming the server. */
function checkServer(name: string, server: MCPServerConfig): void {
  const ok =
    typeof server === "object" &&
    server !== null &&
    (typeof (server as StdioServerConfig).command === "string" ||
      typeof (server as RemoteServerConfig).url === "string");
  if (!ok) throw new ClientError(`Server ${name} in mcpServers needs either a command or a url`);
}
