/**
 * The 2026-07-28 header checks of Streamable HTTP: `MCP-Protocol-Version`, `Mcp-Method`,
 * `Mcp-Name` and the tools' `Mcp-Param-*` headers must match the body (else 400, -32020).
 */

import {
  decodeHeaderValue,
  MCP_NAME_PARAMS,
  type ParamHeader,
  paramHeaderMatches,
  paramHeaders,
  paramHeaderValue,
  wellFormed,
} from "./http-headers.js";
import { MetaKey } from "./meta.js";
import type { JSONRPCRequest, Tool } from "./types.js";

/** What the checks read of an HTTP request: its headers, by lower-case name. */
export interface HeaderSource {
  header(name: string): string | undefined;
}

/** The server's tool definitions as listed (their `inputSchema` declares `x-mcp-header` parameters). */
export type ToolLookup = (name: string) => Tool | undefined;

export class HeaderChecks {
  private readonly tool: ToolLookup;
  /** A tool's `x-mcp-header` parameters, read once per tool definition. */
  private readonly paramHeaderCache = new WeakMap<object, ParamHeader[] | Error>();

  constructor(tool: ToolLookup) {
    this.tool = tool;
  }

  /** Checks MCP-Protocol-Version, Mcp-Method, Mcp-Name and Mcp-Param-* against the body. */
  check(request: HeaderSource, message: JSONRPCRequest): string | undefined {
    const version = request.header("mcp-protocol-version");
    const claimed = (message.params?._meta as Record<string, unknown> | undefined)?.[MetaKey.ProtocolVersion];
    if (version === undefined) return "Header mismatch: the MCP-Protocol-Version header is required";
    if (claimed !== undefined && version !== claimed) {
      return `Header mismatch: MCP-Protocol-Version header ${version} does not match the body's ${String(claimed)}`;
    }
    const method = request.header("mcp-method");
    if (method === undefined) return "Header mismatch: the Mcp-Method header is required";
    if (method !== message.method) {
      return `Header mismatch: Mcp-Method header ${method} does not match the body's ${message.method}`;
    }
    const field = MCP_NAME_PARAMS[message.method];
    if (field) {
      const raw = request.header("mcp-name");
      if (raw === undefined) return "Header mismatch: the Mcp-Name header is required";
      const name = decodeHeaderValue(raw);
      if (name === undefined) return "Header mismatch: the Mcp-Name header has invalid characters";
      const inBody = message.params?.[field];
      // A decoded header has no lone surrogates: a body value equal to it is well formed already.
      const expected = typeof inBody === "string" && inBody !== name ? wellFormed(inBody) : inBody;
      if (name !== expected)
        return `Header mismatch: Mcp-Name header ${name} does not match the body's ${String(expected)}`;
    }
    if (message.method === "tools/call") return this.checkParamHeaders(request, message);
    return undefined;
  }

  private checkParamHeaders(request: HeaderSource, message: JSONRPCRequest): string | undefined {
    const tool = this.tool(String(message.params?.name));
    if (!tool) return undefined;
    let headers = this.paramHeaderCache.get(tool);
    if (!headers) {
      try {
        headers = paramHeaders(tool.inputSchema);
      } catch (error) {
        headers = error as Error;
      }
      this.paramHeaderCache.set(tool, headers);
    }
    if (headers instanceof Error || headers.length === 0) return undefined;
    const args = message.params?.arguments;
    for (const header of headers) {
      const raw = request.header(`mcp-param-${header.name.toLowerCase()}`);
      const expected = paramHeaderValue(args, header);
      if (raw === undefined) {
        if (expected !== undefined) return `Header mismatch: the Mcp-Param-${header.name} header is required`;
        continue;
      }
      const received = decodeHeaderValue(raw);
      if (received === undefined)
        return `Header mismatch: the Mcp-Param-${header.name} header has invalid characters`;
      if (expected === undefined || !paramHeaderMatches(received, expected, header.type)) {
        return `Header mismatch: Mcp-Param-${header.name} header does not match the argument`;
      }
    }
    return undefined;
  }
}
