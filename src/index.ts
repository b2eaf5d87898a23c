/**
 * fastmcp-ts: the fast way to build MCP servers and clients in TypeScript.
 *
 * @example
 * ```ts
 * import { Client, FastMCP } from "fastmcp-ts";
 * import { z } from "zod";
 *
 * const mcp = new FastMCP("Demo");
 * mcp.tool("add", { inputSchema: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => a + b);
 *
 * const client = new Client(mcp);
 * await client.connect();
 * (await client.callTool("add", { a: 5, b: 3 })).text; // "8"
 * ```
 *
 * @module fastmcp-ts
 */

export { BearerAuth, type ClientAuth } from "./auth/client/bearer.js";
export type { AuthChallenge, ClientAuthProvider } from "./auth/client/provider.js";
export type { AuthProvider } from "./auth/server/core.js";
export { StaticTokenVerifier, type TokenVerifier } from "./auth/server/token-verifier.js";
export type { AuthInfo } from "./auth/types.js";
export * from "./client/index.js";
export type { ProxyOptions } from "./compose/as-proxy.js";
export type { PendingInputOptions } from "./compose/proxy/parked-calls.js";
export * from "./errors.js";
export { ErrorCode } from "./protocol/codes.js";
export { MetaKey } from "./protocol/meta.js";
export {
  type CreateTaskResult,
  type DetailedTask,
  TASKS_EXTENSION,
  type Task,
  type TaskInputRequest,
  type TaskStatus,
} from "./protocol/tasks.js";
export type * from "./protocol/types.js";
export {
  type Era,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LATEST_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "./protocol/versions.js";
export type { JSONSchema, SchemaInput, StandardSchemaV1 } from "./schema/standard.js";
export { Audio, File, Image, type MediaOptions } from "./server/components/content.js";
export type { PromptDefinition, PromptHandler, PromptOptions } from "./server/components/prompts.js";
export type { ComponentKind, DuplicatePolicy } from "./server/components/registry.js";
export type {
  Completer,
  ResourceHandler,
  ResourceOptions,
  TemplateHandler,
} from "./server/components/resources.js";
export type { ArgTransform, TransformToolOptions } from "./server/components/tool-transform.js";
export type {
  TaskMode,
  TaskToolOptions,
  ToolDefinition,
  ToolHandle,
  ToolHandler,
  ToolOptions,
  ToolOutput,
  ToolReturn,
} from "./server/components/tools.js";
export type { VisibilityFilter } from "./server/components/visibility.js";
export {
  Context,
  type ElicitOutcome,
  type SampleOptions,
  type SampleResult,
} from "./server/context.js";
export type {
  ExchangeOptions,
  RequestRoute,
  ServerEntry,
  ServerSession,
  SessionOptions,
  TransportKind,
} from "./server/entry.js";
export { type ComponentHandle, FastMCP, type FastMCPOptions, type RunOptions } from "./server/fastmcp.js";
export type { ServerStats, SessionInfo } from "./server/stats.js";
export {
  MemoryTaskStore,
  type MemoryTaskStoreOptions,
  type TaskRecord,
  type TaskStore,
} from "./server/tasks/task-store.js";
export type { TasksOptions } from "./server/tasks/tasks-options.js";
export type { HttpAppOptions, ListeningServer, ListenOptions, TransportName } from "./transports/http/app.js";
export type { CorsOptions, CorsSetting } from "./transports/http/cors.js";
export type { ShutdownOptions } from "./transports/http/drain.js";
export {
  type EventStore,
  type EventStoreStats,
  InMemoryEventStore,
  type InMemoryEventStoreOptions,
} from "./transports/http/event-store.js";
export { ListenError } from "./transports/http/listen-error.js";
export type { NodeListener } from "./transports/http/node.js";
export { type StdioServeOptions, serveStdio } from "./transports/stdio/server.js";
export type { StreamableHttpOptions } from "./transports/streamable-http/server.js";
export type { LegacySessionInfo, StreamableHttpStats } from "./transports/streamable-http/sessions.js";
