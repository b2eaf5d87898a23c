/**
 * The handler context: the second argument of every tool, resource and prompt handler. The same
 * calls work in both protocol eras; the context decides how each travels. A Context exists only
 * while the server serves a request, so this module declares the class and its members; their
 * bodies (context-members.ts, with the asks for input of context-input.ts) load with the serving
 * code, which installs them on `Context.prototype`.
 */

import type { AuthInfo } from "../auth/types.js";
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  Implementation,
  LoggingLevel,
  ProgressToken,
  RequestId,
  ResourceContents,
  Root,
  SamplingMessage,
} from "../protocol/types.js";
import type { Era } from "../protocol/versions.js";
import type { InferArgs, SchemaInput } from "../schema/standard.js";
import type { SessionValues } from "./session-values.js";

/** What the dispatcher knows about one request; the Context is a view over it. */
export interface RequestScope {
  era: Era;
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  /** The minimum level to send, or undefined to send none (modern) / all (legacy). */
  logLevel: LoggingLevel | undefined;
  requestId: RequestId;
  progressToken: ProgressToken | undefined;
  sessionId: string | undefined;
  /** The transport the request came over ("memory", "stdio", "http", "sse", "ws", ...). */
  transport: string;
  auth: AuthInfo | undefined;
  /** The HTTP request's headers (lower-case names), on HTTP transports. */
  headers: Record<string, string> | undefined;
  signal: AbortSignal;
  /** Sends a notification related to this request. */
  notify(method: string, params: Record<string, unknown>): void;
  /** Asks through a 2026-07-28 input-required round (by method, with an optional fixed key). */
  ask?:
    | ((
        method: string,
        params: Record<string, unknown>,
        inputKey: string | undefined,
      ) => Promise<Record<string, unknown>>)
    | undefined;
  /** Sends a server-to-client request (legacy sessions only). */
  request?:
    | ((
        method: string,
        params: Record<string, unknown>,
        signal: AbortSignal,
      ) => Promise<Record<string, unknown>>)
    | undefined;
  /** In a task tool (tasks extension): the task's id, once the call runs as a task. */
  taskId?: string | undefined;
  /** In a task tool: turns the call into a task; resolves false where tasks are not available. */
  startTask?: (() => Promise<boolean>) | undefined;
  /** Reads a resource through the server, for `ctx.readResource`. */
  readResource(uri: string, scope: RequestScope): Promise<ResourceContents[]>;
  /** The session's values (`getState` / `setState`); absent, they live for this request only. */
  readonly values?: SessionValues | undefined;
}

export type ElicitOutcome<T = Record<string, unknown>> =
  | { action: "accept"; data: T }
  | { action: "decline" }
  | { action: "cancel" };

export interface SampleOptions {
  systemPrompt?: string;
  maxTokens?: number;
  temperature?: number;
  stopSequences?: string[];
  modelPreferences?: CreateMessageRequestParams["modelPreferences"];
  includeContext?: CreateMessageRequestParams["includeContext"];
  metadata?: CreateMessageRequestParams["metadata"];
  /** Key of this request in a 2026-07-28 `inputRequests` map. */
  inputKey?: string;
}

/** The client's answer to `ctx.sample`. */
export interface SampleResult {
  /** The text blocks of the answer, joined. */
  text: string;
  content: unknown;
  model: string;
  stopReason: string | undefined;
  role: string;
}

/** The members of every Context (bodies in context-members.ts, installed by the serving code). */
export interface ContextMembers {
  readonly requestId: RequestId;
  readonly sessionId: string | undefined;
  /**
   * A value this session stored with `setState` (undefined when none). Values belong to the
   * session: a legacy session (in the server's shared store when it has one, so every instance
   * sees them) or one connection (stdio, WebSocket, SSE, in memory). A 2026-07-28 request has no
   * session: its values last for that request only.
   *
   * @example
   * ```ts
   * mcp.tool("count", async (_args, ctx) => {
   *   const seen = ((await ctx.getState<number>("seen")) ?? 0) + 1;
   *   await ctx.setState("seen", seen);
   *   return seen;
   * });
   * ```
   */
  getState<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON value for this session (see getState); `undefined` removes it. */
  setState(key: string, value: unknown): Promise<void>;
  readonly auth: AuthInfo | undefined;
  /** The HTTP request's headers (lower-case names) on HTTP transports; undefined on stdio and in memory. */
  readonly headers: Record<string, string> | undefined;
  readonly protocolVersion: string;
  readonly clientInfo: Implementation | undefined;
  readonly clientCapabilities: ClientCapabilities;
  /** Aborted when the client cancels the request or the connection goes away. */
  readonly signal: AbortSignal;
  /**
   * In a task tool (the 2026-07-28 tasks extension): the id of the task this call runs as;
   * undefined for an ordinary call.
   */
  readonly taskId: string | undefined;
  /**
   * In a task tool declared with `task: { manualStart: true }`: answers the client now with a task
   * handle and runs the rest of the handler in the background. Resolves true once the task exists;
   * false where the call cannot become a task (the client did not declare the tasks extension, a
   * legacy session, a tool that is not a task tool), and the handler simply goes on.
   *
   * @example
   * ```ts
   * mcp.tool("deploy", { task: { manualStart: true } }, async ({ env }, ctx) => {
   *   const ok = await ctx.elicit(`Deploy to ${env}?`, z.object({ confirm: z.boolean() }));
   *   if (ok.action !== "accept") return "Not deployed";
   *   await ctx.startTask(); // the client now polls tasks/get
   *   return await runDeployment(env, ctx.signal);
   * });
   * ```
   */
  startTask(): Promise<boolean>;
  /** Which protocol era this request belongs to. */
  readonly era: Era;
  /** Sends a log message to the client, if it asked for this level. */
  log(level: LoggingLevel, message: string, data?: unknown, logger?: string): void;
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  notice(message: string, data?: unknown): void;
  warning(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
  /** Reports progress, when the client asked for it with a progress token. */
  reportProgress(progress: number, total?: number, message?: string): void;
  /** Reads one of this server's resources, as the client would. */
  readResource(uri: string): Promise<ResourceContents[]>;
  /**
   * Asks the user for input through the client. Form mode takes a message and a schema (any
   * Standard Schema, or a JSON Schema of flat primitive properties) and resolves to the validated
   * data; URL mode sends the user to a URL. The same call works in both eras.
   *
   * @example
   * ```ts
   * const answer = await ctx.elicit("Which city?", z.object({ city: z.string() }));
   * if (answer.action === "accept") return `Weather for ${answer.data.city}`;
   * ```
   */
  elicit<S extends SchemaInput>(
    message: string,
    schema: S,
    options?: { inputKey?: string },
  ): Promise<ElicitOutcome<InferArgs<S>>>;
  elicit(
    request: { mode: "url"; message: string; url: string },
    options?: { inputKey?: string },
  ): Promise<ElicitOutcome<Record<string, never>>>;
  /** Asks the client's model for a completion. */
  sample(prompt: string | SamplingMessage[], options?: SampleOptions): Promise<SampleResult>;
  /** The client's roots (directories or files it exposes). */
  listRoots(options?: { inputKey?: string }): Promise<Root[]>;
}

export interface Context extends ContextMembers {}

/** The context passed to every handler. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface above declares the members that the serving code (context-members.ts), which alone makes contexts, installs.
export class Context {
  /** The request this context is a view over (read by the members, context-members.ts). */
  protected readonly scope: RequestScope;
  /** The session's values, once used (context-members.ts). */
  protected readonly requestValues: SessionValues | undefined = undefined;

  constructor(scope: RequestScope) {
    this.scope = scope;
  }
}
