/**
 * Client transport for the legacy HTTP+SSE transport (2024-11-05).
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { ClientTransport } from "../base.js";

export interface SSETransportOptions {
  url: string | URL;
  headers?: Record<string, string>;
  timeout?: number;
}

export class SSETransport extends ClientTransport {
  readonly url: string;
  readonly options: SSETransportOptions;

  constructor(options: SSETransportOptions | string) {
    super();
    this.options = typeof options === "string" ? { url: options } : options;
    this.url = String(this.options.url);
  }

  describe(): string {
    return this.url;
  }

  protected async open(): Promise<void> {
    throw new ConnectionError(
      `SSETransport is not yet supported in this version of fastmcp-ts (connecting to ${this.url})`,
    );
  }

  protected send(_message: JSONRPCMessage): void {}

  protected async close(): Promise<void> {}
}
