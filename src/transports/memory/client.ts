/**
 * The in-memory transport: a Client talks to a FastMCP server in the same process, with the full
 * protocol and no subprocess or socket. The fastest way to test a server.
 *
 * @example
 * ```ts
 * const client = new Client(new FastMCPTransport(mcp)); // or simply new Client(mcp)
 * await client.connect();
 * ```
 */
import type { JSONRPCMessage } from "../../protocol/types.js";
import type { ServerEntry, ServerSession } from "../../server/entry.js";
import { ClientTransport } from "../base.js";

export class FastMCPTransport extends ClientTransport {
  readonly server: ServerEntry;
  private session: ServerSession | undefined;

  constructor(server: ServerEntry) {
    super();
    this.server = server;
  }

  describe(): string {
    return `in-memory server ${this.server.name}`;
  }

  protected async open(): Promise<void> {
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
  }
}
