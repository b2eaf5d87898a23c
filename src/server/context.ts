/**
 * The handler context: the second argument of every tool, resource and prompt handler. The same
 * calls work in both protocol eras; the context decides how each travels.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import type {
  ClientCapabilities,
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitResult,
  Implementation,
  LoggingLevel,
  ProgressToken,
  RequestId,
  ResourceContents,
  Root,
  SamplingMessage,
} from "../protocol/types.js";
import type { Era } from "../protocol/versions.js";

/** Severity order of MCP log levels, lowest first. */
export const LOG_LEVELS: readonly LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];
const SEVERITY = new Map(LOG_LEVELS.map((level, index) => [level, index]));

/** Verified identity from a token verifier (HTTP transports). */
export interface AuthInfo {
  token: string;
  clientId?: string;
  scopes?: string[];
  expiresAt?: number;
  claims?: Record<string, unknown>;
}

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
  auth: AuthInfo | undefined;
  /** The HTTP request's headers (lower-case names), on HTTP transports. */
  headers: Record<string, string> | undefined;
  signal: AbortSignal;
  /** Sends a notification related to this request. */
  notify(method: string, params: Record<string, unknown>): void;
  /** Sends a server-to-client request (legacy sessions only). */
  request?: (
    method: string,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ) => Promise<Record<string, unknown>>;
  /** Reads a resource through the server, for `ctx.readResource`. */
  readResource(uri: string, scope: RequestScope): Promise<ResourceContents[]>;
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

  constructor(scope: RequestScope) {
    this.scope = scope;
  }

  get requestId(): RequestId {
    return this.scope.requestId;
  }

  get sessionId(): string | undefined {
    return this.scope.sessionId;
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
   * Asks the user for input through the client. Form mode takes a message and a JSON Schema of
   * flat primitive properties; URL mode sends the user to a URL.
   */
  async elicit<T = Record<string, unknown>>(
    message: string | { mode: "url"; message: string; url: string },
    schema?: Record<string, unknown>,
  ): Promise<ElicitOutcome<T>> {
    const url = typeof message === "object";
    this.require({ elicitation: url ? { url: {} } : {} }, () => {
      const elicitation = this.scope.clientCapabilities.elicitation;
      if (!elicitation) return false;
      if (url) return elicitation.url !== undefined;
      return elicitation.form !== undefined || elicitation.url === undefined;
    });
    const params: Record<string, unknown> = url
      ? { mode: "url", message: message.message, url: message.url }
      : { message, requestedSchema: schema ?? { type: "object", properties: {} } };
    const result = (await this.ask("elicitation/create", params)) as unknown as ElicitResult;
    if (result.action === "accept") return { action: "accept", data: (result.content ?? {}) as T };
    return { action: result.action === "decline" ? "decline" : "cancel" };
  }

  /** Asks the client's model for a completion. */
  async sample(prompt: string | SamplingMessage[], options: SampleOptions = {}): Promise<SampleResult> {
    this.require({ sampling: {} }, () => this.scope.clientCapabilities.sampling !== undefined);
    const messages: SamplingMessage[] =
      typeof prompt === "string" ? [{ role: "user", content: { type: "text", text: prompt } }] : prompt;
    const { inputKey: _, maxTokens, ...rest } = options;
    const params: Record<string, unknown> = { messages, maxTokens: maxTokens ?? 512, ...rest };
    const result = (await this.ask("sampling/createMessage", params)) as unknown as CreateMessageResult;
    const blocks = Array.isArray(result.content) ? result.content : [result.content];
    const text = blocks
      .filter(
        (block): block is { type: "text"; text: string } => (block as { type?: string })?.type === "text",
      )
      .map((block) => block.text)
      .join("\n");
    return {
      text,
      content: result.content,
      model: result.model,
      stopReason: result.stopReason,
      role: result.role,
    };
  }

  /** The client's roots (directories or files it exposes). */
  async listRoots(): Promise<Root[]> {
    this.require({ roots: {} }, () => this.scope.clientCapabilities.roots !== undefined);
    const result = (await this.ask("roots/list", {})) as { roots?: Root[] };
    return result.roots ?? [];
  }

  private require(capability: ClientCapabilities, declared: () => boolean): void {
    if (declared()) return;
    const name = Object.keys(capability)[0];
    throw new McpError(
      ErrorCode.MissingRequiredClientCapability,
      `This request needs the client capability "${name}", which the client did not declare`,
      { requiredCapabilities: capability },
    );
  }

  private ask(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { request } = this.scope;
    if (!request) {
      throw new McpError(
        ErrorCode.InternalError,
        `${method} is not available on this request: the connection cannot carry server-to-client requests`,
      );
    }
    return request(method, params, this.scope.signal);
  }
}
