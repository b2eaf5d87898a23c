/**
 * Client transport for MCP over WebSocket (subprotocol mcp).
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { ClientTransport } from "../base.js";

export interface WSTransportOptions {
  url: string | URL;
  headers?: Record<string, string>;
  pingInterval?: number;
}

export class WSTransport extends ClientTransport {
  readonly url: string;
  readonly options: WSTransportOptions;

  constructor(options: WSTransportOptions | string) {
    super();
    this.options = typeof options === "string" ? { url: options } : options;
    this.url = String(this.options.url);
  }

  describe(): string {
    return this.url;
  }

  protected async open(): Promise<void> {
    throw new ConnectionError(
      `WSTransport is not yet supported in this version of fastmcp-ts (connecting to ${this.url})`,
    );
  }

  protected send(_message: JSONRPCMessage): void {}

  protected async close(): Promise<void> {}
}
