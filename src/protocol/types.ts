/**
 * Wire types for MCP, covering the stateless 2026-07-28 revision and the initialize-based
 * revisions 2024-11-05 to 2025-11-25. Written from the specification's schema; fields that exist
 * only in one era are optional here and documented as such.
 */

export type JSONValue = string | number | boolean | null | JSONObject | JSONValue[];
export type JSONObject = { [key: string]: JSONValue };

/** A JSON-RPC request id. MCP forbids `null`. */
export type RequestId = string | number;
export type ProgressToken = string | number;
export type Cursor = string;
export type MetaObject = Record<string, unknown>;

export interface JSONRPCRequest {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JSONRPCNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}

export interface JSONRPCResultResponse {
  jsonrpc: "2.0";
  id: RequestId;
  result: Result;
}

export interface JSONRPCErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JSONRPCErrorResponse {
  jsonrpc: "2.0";
  /** Absent (or null on the wire) only when the request id could not be read. */
  id?: RequestId | null;
  error: JSONRPCErrorObject;
}

export type JSONRPCResponse = JSONRPCResultResponse | JSONRPCErrorResponse;
export type JSONRPCMessage = JSONRPCRequest | JSONRPCNotification | JSONRPCResponse;

/** `resultType` is required on every 2026-07-28 result and absent in the legacy era. */
export type ResultType = "complete" | "input_required" | (string & {});

export interface Result {
  _meta?: MetaObject;
  resultType?: ResultType;
  [key: string]: unknown;
}

export interface Implementation {
  name: string;
  version: string;
  title?: string;
  description?: string;
  websiteUrl?: string;
  icons?: Icon[];
}

export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: "light" | "dark";
}

export interface ClientCapabilities {
  experimental?: Record<string, JSONObject>;
  roots?: { listChanged?: boolean };
  sampling?: { context?: JSONObject; tools?: JSONObject };
  elicitation?: { form?: JSONObject; url?: JSONObject };
  /** 2025-11-25 only. */
  tasks?: JSONObject;
  extensions?: Record<string, JSONObject>;
}

export interface ServerCapabilities {
  experimental?: Record<string, JSONObject>;
  logging?: JSONObject;
  completions?: JSONObject;
  prompts?: { listChanged?: boolean };
  resources?: { subscribe?: boolean; listChanged?: boolean };
  tools?: { listChanged?: boolean };
  /** 2025-11-25 only. */
  tasks?: JSONObject;
  extensions?: Record<string, JSONObject>;
}

export type LoggingLevel =
  | "debug"
  | "info"
  | "notice"
  | "warning"
  | "error"
  | "critical"
  | "alert"
  | "emergency";

export type Role = "user" | "assistant";

export interface Annotations {
  audience?: Role[];
  priority?: number;
  lastModified?: string;
}

export interface TextContent {
  type: "text";
  text: string;
  annotations?: Annotations;
  _meta?: MetaObject;
}

export interface ImageContent {
  type: "image";
  data: string;
  mimeType: string;
  annotations?: Annotations;
  _meta?: MetaObject;
}

export interface AudioContent {
  type: "audio";
  data: string;
  mimeType: string;
  annotations?: Annotations;
  _meta?: MetaObject;
}

export interface TextResourceContents {
  uri: string;
  mimeType?: string;
  text: string;
  _meta?: MetaObject;
}

export interface BlobResourceContents {
  uri: string;
  mimeType?: string;
  blob: string;
  _meta?: MetaObject;
}

export type ResourceContents = TextResourceContents | BlobResourceContents;

export interface EmbeddedResource {
  type: "resource";
  resource: ResourceContents;
  annotations?: Annotations;
  _meta?: MetaObject;
}

export interface ResourceLink extends Resource {
  type: "resource_link";
}

export type ContentBlock = TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource;

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: { type: "object"; [key: string]: unknown };
  outputSchema?: { [key: string]: unknown };
  annotations?: ToolAnnotations;
  icons?: Icon[];
  _meta?: MetaObject;
}

export interface Resource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Annotations;
  size?: number;
  icons?: Icon[];
  _meta?: MetaObject;
}

export interface ResourceTemplate {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: MetaObject;
}

export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
}

export interface Prompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
  icons?: Icon[];
  _meta?: MetaObject;
}

export interface PromptMessage {
  role: Role;
  content: ContentBlock;
}

/** Freshness hints required on 2026-07-28 list, read and discover results. */
export interface CacheHints {
  ttlMs: number;
  cacheScope: "public" | "private";
}

export interface CallToolResult extends Result {
  content: ContentBlock[];
  structuredContent?: unknown;
  isError?: boolean;
}

export interface ListToolsResult extends Result {
  tools: Tool[];
  nextCursor?: Cursor;
}

export interface ListResourcesResult extends Result {
  resources: Resource[];
  nextCursor?: Cursor;
}

export interface ListResourceTemplatesResult extends Result {
  resourceTemplates: ResourceTemplate[];
  nextCursor?: Cursor;
}

export interface ReadResourceResult extends Result {
  contents: ResourceContents[];
}

export interface ListPromptsResult extends Result {
  prompts: Prompt[];
  nextCursor?: Cursor;
}

export interface GetPromptResult extends Result {
  description?: string;
  messages: PromptMessage[];
}

export interface CompleteResult extends Result {
  completion: { values: string[]; total?: number; hasMore?: boolean };
}

export interface InitializeResult extends Result {
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: Implementation;
  instructions?: string;
}

export interface DiscoverResult extends Result {
  supportedVersions: string[];
  capabilities: ServerCapabilities;
  instructions?: string;
}

export interface SamplingMessage {
  role: Role;
  content: unknown;
  _meta?: MetaObject;
}

export interface CreateMessageRequestParams {
  messages: SamplingMessage[];
  modelPreferences?: Record<string, unknown>;
  systemPrompt?: string;
  includeContext?: "none" | "thisServer" | "allServers";
  temperature?: number;
  maxTokens: number;
  stopSequences?: string[];
  metadata?: JSONObject;
  tools?: Tool[];
  toolChoice?: { mode?: "auto" | "required" | "none" };
}

export interface CreateMessageResult extends Result {
  role: Role;
  content: unknown;
  model: string;
  stopReason?: string;
}

export interface Root {
  uri: string;
  name?: string;
  _meta?: MetaObject;
}

export interface ElicitResult extends Result {
  action: "accept" | "decline" | "cancel";
  content?: Record<string, string | number | boolean | string[]>;
}
