/**
 * What the client learns of a server's tools from `tools/list`, for calling them: the arguments
 * each tool mirrors into `Mcp-Param-*` headers (2026-07-28 over Streamable HTTP, from its
 * `x-mcp-header` annotations), and whether it wraps a non-object result as `{ result }`. A call of a
 * tool not seen yet lists the tools first.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import {
  encodeHeaderValue,
  type ParamHeader,
  paramHeaders,
  paramHeaderValue,
} from "../protocol/http-headers.js";
import type { Tool } from "../protocol/types.js";
import type { HttpRoute } from "../transports/streamable-http/client.js";

/** Lists the tools again (and so teaches the catalog); its failure is ignored. */
type Relist = () => Promise<unknown>;

export class ToolCatalog {
  /** Per tool, the arguments mirrored into `Mcp-Param-*` headers (learned over Streamable HTTP only). */
  private headers: Map<string, ParamHeader[]> | undefined;
  /** Tools whose output schema wraps a non-object value as `{ result }`. */
  private wrapping: Map<string, boolean> | undefined;

  /**
   * Learns from a full tool list. With `withHeaders` (Streamable HTTP) it also records the header
   * annotations, and leaves out a tool whose annotations break the spec's rules, as the spec requires.
   */
  learn(tools: Tool[], withHeaders: boolean): Tool[] {
    // A server's list is peer input: an entry that is not a tool object teaches nothing (and, with
    // headers, is left out like a tool with broken annotations).
    const named = tools.filter(
      (tool): tool is Tool => typeof tool === "object" && tool !== null && typeof tool.name === "string",
    );
    this.wrapping = new Map(named.map((tool) => [tool.name, isWrapping(tool)]));
    if (!withHeaders) return tools;
    const headers = new Map<string, ParamHeader[]>();
    const valid = named.filter((tool) => {
      try {
        headers.set(tool.name, paramHeaders(tool.inputSchema ?? {}));
        return true;
      } catch (error) {
        console.warn(`[fastmcp-ts] ignoring tool ${tool.name}: ${(error as Error).message}`);
        return false;
      }
    });
    this.headers = headers;
    return valid;
  }

  /** The `Mcp-Param-*` headers of a call of tool `name` with `args`. */
  async route(name: string, args: Record<string, unknown>, relist: Relist): Promise<HttpRoute | undefined> {
    if (!this.headers?.has(name)) await relist().catch(() => undefined);
    const declared = this.headers?.get(name);
    if (!declared?.length) return undefined;
    const headers: Record<string, string> = {};
    for (const header of declared) {
      const value = paramHeaderValue(args, header);
      if (value !== undefined) headers[`mcp-param-${header.name.toLowerCase()}`] = encodeHeaderValue(value);
    }
    return { headers };
  }

  /**
   * Makes a call; when the server answers that its headers do not match (the tool's annotations
   * may have changed), forgets the headers it learned and makes the call once more.
   */
  async retrying<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof McpError && error.code === ErrorCode.HeaderMismatch && this.headers))
        throw error;
      this.headers = undefined;
      return call();
    }
  }

  /** Whether a result's `structuredContent` is a wrapped value that tool `name` means to unwrap. */
  unwraps(name: string, structured: unknown, relist: Relist): boolean | Promise<boolean> {
    if (typeof structured !== "object" || structured === null || Array.isArray(structured)) return false;
    const keys = Object.keys(structured);
    if (keys.length !== 1 || keys[0] !== "result") return false;
    if (this.wrapping?.has(name)) return this.wrapping.get(name) ?? false;
    // Only a `{ result }` value from a tool not listed yet costs a tools/list.
    return relist().then(
      () => this.wrapping?.get(name) ?? false,
      () => false,
    );
  }
}

function isWrapping(tool: Tool): boolean {
  return tool.outputSchema?.["x-fastmcp-wrap-result"] === true;
}
