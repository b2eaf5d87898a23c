/**
 * `fastmcp-ts/client`: the Client and every client transport.
 *
 * @example
 * ```ts
 * import { Client, StdioTransport } from "fastmcp-ts/client";
 * const client = new Client(new StdioTransport("python", ["server.py"]));
 * ```
 *
 * @module fastmcp-ts/client
 */

export { type ClientRequest, ClientTransport, type TransportHandlers } from "../transports/base.js";
export { type MCPConfig, MCPConfigTransport, type MCPServerConfig } from "../transports/config.js";
export { FastMCPTransport } from "../transports/memory/client.js";
export { SSETransport, type SSETransportOptions } from "../transports/sse/client.js";
export { type StderrTarget, StdioTransport, type StdioTransportOptions } from "../transports/stdio/client.js";
export {
  NodeStdioTransport,
  type NodeStdioTransportOptions,
  NpxStdioTransport,
  type NpxStdioTransportOptions,
  PythonStdioTransport,
  type PythonStdioTransportOptions,
  UvStdioTransport,
  type UvStdioTransportOptions,
  UvxStdioTransport,
  type UvxStdioTransportOptions,
} from "../transports/stdio/variants.js";
export {
  StreamableHttpTransport,
  type StreamableHttpTransportOptions,
} from "../transports/streamable-http/client.js";
export { WSTransport, type WSTransportOptions } from "../transports/ws/client.js";
export {
  type CallHandlers,
  type CallOptions,
  type CallToolOptions,
  Client,
  type ClientOptions,
  type CompletionRef,
  type LogMessage,
} from "./client.js";
export { type ClientTarget, createTransport } from "./detect.js";
export type {
  ClientHandlers,
  ElicitationHandler,
  ElicitationRequest,
  ElicitationResponse,
  RootsOption,
  SamplingHandler,
} from "./handlers.js";
export { PromptResult, ResourceReadResult, ToolCallResult } from "./results.js";
export { type ListenFilter, Subscription } from "./subscription.js";
export type { TaskWaitOptions, TerminalTask } from "./tasks.js";
