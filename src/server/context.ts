/**
 * The handler context: the second argument of every tool, resource and prompt handler. The same
 * calls work in both protocol eras; the context decides how each travels. The class is a view over
 * the request; what its asks for input do (context-input.ts) loads with the serving code.
 */

import type { AuthInfo } from "../auth/types.js";
import { LOG_LEVELS } from "../protocol/logging.js";
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

const SEVERITY = new Map(LOG_LEVELS.map((level, index) => [level, index]));

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

/** The context passed to every handler. */
export class Context {
  private readonly scope: RequestScope;
  private requestValues: SessionValues | undefined;

  constructor(scope: RequestScope) {
    this.scope = scope;
  }

  get requestId(): RequestId {
    return this.scope.requestId;
  }

  get sessionId(): string | undefined {
    return this.scope.sessionId;
  }

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
  async getState<T = unknown>(key: string): Promise<T | undefined> {
    const json = await this.sessionValues().get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  /** Stores a JSON value for this session (see getState); `undefined` removes it. */
  async setState(key: string, value: unknown): Promise<void> {
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (json === undefined) await this.sessionValues().delete(key);
    else await this.sessionValues().set(key, json);
  }

  private sessionValues(): SessionValues {
    this.requestValues ??= this.scope.values ?? inputCode().memoryValues();
    return this.requestValues;
  }

  get auth(): AuthInfo | undefined {
    return this.scope.auth;
  }

  /** The HTTP request's headers (lower-case names) on HTTP transports; undefined on stdio and in memory. */
  get headers(): Record<string, string> | undefined {
    return this.scope.headers;
  }

  get protocolVersion(): string {
    return this.scope.protocolVersion;
  }

  get clientInfo(): Implementation | undefined {
    return this.scope.clientInfo;
  }

  get clientCapabilities(): ClientCapabilities {
    return this.scope.clientCapabilities;
  }

  /** Aborted when the client cancels the request or the connection goes away. */
  get signal(): AbortSignal {
    return this.scope.signal;
  }

  /**
   * In a task tool (the 2026-07-28 tasks extension): the id of the task this call runs as;
   * undefined for an ordinary call.
   */
  get taskId(): string | undefined {
    return this.scope.taskId;
  }

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
  startTask(): Promise<boolean> {
    return this.scope.startTask ? this.scope.startTask() : Promise.resolve(false);
  }

  /** Which protocol era this request belongs to. */
  get era(): Era {
    return this.scope.era;
  }

  /** Sends a log message to the client, if it asked for this level. */
  log(level: LoggingLevel, message: string, data?: unknown, logger?: string): void {
    const threshold = this.scope.logLevel;
    if (threshold === undefined) {
      if (this.scope.era === "modern") return;
    } else if ((SEVERITY.get(level) ?? 0) < (SEVERITY.get(threshold) ?? 0)) return;
    const params: Record<string, unknown> = { level, data: data === undefined ? message : { message, data } };
    if (logger !== undefined) params.logger = logger;
    this.scope.notify("notifications/message", params);
  }

  debug(message: string, data?: unknown): void {
    this.log("debug", message, data);
  }

  info(message: string, data?: unknown): void {
    this.log("info", message, data);
  }

  notice(message: string, data?: unknown): void {
    this.log("notice", message, data);
  }

  warning(message: string, data?: unknown): void {
    this.log("warning", message, data);
  }

  error(message: string, data?: unknown): void {
    this.log("error", message, data);
  }

  /** Reports progress, when the client asked for it with a progress token. */
  reportProgress(progress: number, total?: number, message?: string): void {
    const token = this.scope.progressToken;
    if (token === undefined) return;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.scope.notify("notifications/progress", params);
  }

  /** Reads one of this server's resources, as the client would. */
  readResource(uri: string): Promise<ResourceContents[]> {
    return this.scope.readResource(uri, this.scope);
  }

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
  elicit(
    message: string | { mode: "url"; message: string; url: string },
    schemaOrOptions?: SchemaInput | { inputKey?: string },
    maybeOptions?: { inputKey?: string },
  ): Promise<ElicitOutcome<Record<string, unknown>>> {
    return inputCode().elicit(this.scope, message, schemaOrOptions, maybeOptions);
  }

  /** Asks the client's model for a completion. */
  sample(prompt: string | SamplingMessage[], options: SampleOptions = {}): Promise<SampleResult> {
    return inputCode().sample(this.scope, prompt, options);
  }

  /** The client's roots (directories or files it exposes). */
  listRoots(options: { inputKey?: string } = {}): Promise<Root[]> {
    return inputCode().listRoots(this.scope, options);
  }
}

type InputCode = typeof import("./context-input.js");
/**
 * The code of the asks for input (context-input.ts), installed by the serving code (serving.ts),
 * which alone makes contexts: importing the package does not load it.
 */
let input: InputCode | undefined;

/** @internal Installs the code of the asks for input (serving.ts does, as it loads). */
export function installInputCode(code: InputCode): void {
  input = code;
}

function inputCode(): InputCode {
  if (!input) throw new Error("A Context is made by the server's serving code, which installs its asks");
  return input;
}
