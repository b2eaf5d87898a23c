/**
 * The transport of `new Client({ mcpServers })` with several servers: an in-memory connection to a
 * proxy of all of them (`FastMCP.asProxy(config)`), whose tools and prompts are namespaced by
 * server key. The proxy and its code are loaded on connect, so a Client that never uses a
 * multi-server config never loads the server.
 */
import type { JSONRPCMessage } from "../protocol/types.js";
import type { ServerEntry, ServerSession } from "../server/entry.js";
import { ClientTransport } from "../transports/base.js";
import type { MCPConfig } from "../transports/config.js";

export class MultiServerTransport extends ClientTransport {
  readonly config: MCPConfig;
  private server: (ServerEntry & { close?(): Promise<void> }) | undefined;
  private session: ServerSession | undefined;

  constructor(config: MCPConfig) {
    super();
    this.config = config;
  }

  describe(): string {
    return `servers ${Object.keys(this.config.mcpServers).join(", ")}`;
  }

  protected async open(): Promise<void> {
    if (!this.server) {
      const { FastMCP } = await import("../server/fastmcp.js");
      this.server = FastMCP.asProxy(this.config, { name: "mcpServers" });
    }
    this.session = this.server.createSession({
      send: (message) => this.receive(message),
      transport: "memory",
    });
  }

  protected send(message: JSONRPCMessage): void {
    this.session?.receive(message);
  }

  protected async close(): Promise<void> {
    this.session?.close();
    this.session = undefined;
    // The upstream connections (and processes) end with the client.
    const server = this.server;
    this.server = undefined;
    await server?.close?.();
  }
}
