/**
 * Client transport for Streamable HTTP (both eras).
 */
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { ClientTransport } from "../base.js";

export interface StreamableHttpTransportOptions {
  url: string | URL;
  headers?: Record<string, string>;
  timeout?: number;
}

export class StreamableHttpTransport extends ClientTransport {
  readonly url: string;
  readonly options: StreamableHttpTransportOptions;

  constructor(options: StreamableHttpTransportOptions | string) {
    super();
    this.options = typeof options === "string" ? { url: options } : options;
    this.url = String(this.options.url);
  }

  describe(): string {
    return this.url;
  }

  protected async open(): Promise<void> {
    throw new ConnectionError(
      `StreamableHttpTransport is not yet supported in this version of fastmcp-ts (connecting to ${this.url})`,
    );
  }

  protected send(_message: JSONRPCMessage): void {}

  protected async close(): Promise<void> {}
}
