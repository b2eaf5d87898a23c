/**
 * The error classes of fastmcp-ts. Two families: {@link McpError} crosses the wire with a JSON-RPC
 * code; {@link ClientError} and its subclasses are local to the client and never sent.
 *
 * @example
 * ```ts
 * import { ToolError } from "fastmcp-ts/exceptions";
 * mcp.tool("divide", { inputSchema }, ({ a, b }) => {
 *   if (b === 0) throw new ToolError("Cannot divide by zero");
 *   return a / b;
 * });
 * ```
 *
 * @module fastmcp-ts/exceptions
 */
import { ErrorCode } from "./protocol/codes.js";

/** Base class of every error fastmcp-ts throws. */
export class FastMCPError extends Error {
  override name = "FastMCPError";
}

/** A JSON-RPC error: thrown by handlers to answer with this code, and raised by the client on error responses. */
export class McpError extends FastMCPError {
  override name = "McpError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.data = data;
  }
}

/**
 * A tool's failure reported to the model: becomes an `isError` result carrying this message (never
 * masked). On the client, `callTool` throws it when the server answers with `isError`.
 */
export class ToolError extends FastMCPError {
  override name = "ToolError";
  /** On the client: the whole `isError` result. */
  readonly result: unknown;

  constructor(message: string, options?: ErrorOptions & { result?: unknown }) {
    super(message, options);
    this.result = options?.result;
  }
}

/** A resource handler's failure whose message is sent to the client as is (never masked). */
export class ResourceError extends FastMCPError {
  override name = "ResourceError";
}

/** A prompt handler's failure whose message is sent to the client as is (never masked). */
export class PromptError extends FastMCPError {
  override name = "PromptError";
}

/** One failed check of a value against a schema. */
export interface ValidationIssue {
  /** Where in the value, as a dotted path (`""` for the value itself). */
  path: string;
  message: string;
}

/** Arguments that do not match the component's schema (JSON-RPC -32602 when it crosses the wire). */
export class ValidationError extends McpError {
  override name = "ValidationError";
  readonly issues: ValidationIssue[];

  constructor(message: string, issues: ValidationIssue[] = []) {
    super(ErrorCode.InvalidParams, message, issues.length ? { issues } : undefined);
    this.issues = issues;
  }
}

/** An unknown tool, prompt or resource (JSON-RPC -32602; -32002 for resources in the legacy era). */
export class NotFoundError extends McpError {
  override name = "NotFoundError";
  readonly kind: "tool" | "resource" | "prompt" | "template";

  constructor(kind: "tool" | "resource" | "prompt" | "template", message: string, data?: unknown) {
    super(ErrorCode.InvalidParams, message, data);
    this.kind = kind;
  }
}

/** A failure on the client side that never crosses the wire. */
export class ClientError extends FastMCPError {
  override name = "ClientError";
}

/** The client cannot connect, or the connection was lost (a dead subprocess, a refused socket, a 5xx). */
export class ConnectionError extends ClientError {
  override name = "ConnectionError";
}

/** A request exceeded its timeout; the server has been told to cancel it. */
export class TimeoutError extends ClientError {
  override name = "TimeoutError";
  readonly timeout: number;

  constructor(message: string, timeout: number, options?: ErrorOptions) {
    super(message, options);
    this.timeout = timeout;
  }
}
