/**
 * MCPConfigTransport: connects to a server described by an `mcpServers` configuration, the format
 * Claude Desktop, Cursor and others use.
 *
 * @example
 * ```ts
 * new Client({ mcpServers: { weather: { command: "python", args: ["weather.py"] } } });
 * ```
 */
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
    if (entries.length > 1) {
      throw new ClientError(
        `MCPConfigTransport with several servers (${entries.map(([name]) => name).join(", ")}) is not yet supported; ` +
          "give one server per Client",
      );
    }
    this.config = config;
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
