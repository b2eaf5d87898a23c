/**
 * The Client: connects to any MCP server (auto-detecting the transport from its target),
 * negotiates the protocol era, and gives typed results. What it needs once connected
 * (negotiation, the request path, answers to server requests, the bodies of its methods beyond a
 * call: connection.ts) loads with the first `connect()`.
 *
 * @example
 * ```ts
 * import { Client } from "fastmcp-ts";
 *
 * await using client = await Client.connect("python server.py");
 * const result = await client.callTool("add", { a: 5, b: 3 });
 * result.text; // "8"
 * ```
 */
import type { ClientAuth } from "../auth/client/bearer.js";
import { ClientError } from "../errors.js";
import type { DetailedTask } from "../protocol/tasks.js";
import type {
  CompleteResult,
  Implementation,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Result,
  ServerCapabilities,
  Tool,
} from "../protocol/types.js";
import { type Era, eraOf } from "../protocol/versions.js";
import type { ToolHandle } from "../server/components/tools.js";
import type { ClientTransport } from "../transports/base.js";
import type { ClientConnection } from "./connection.js";
import { type ClientTarget, createTransport } from "./detect.js";
import { type CallOptions, type CallToolOptions, type ClientOptions, DEFAULT_TIMEOUT } from "./options.js";
import { type PromptResult, ResourceReadResult, type ToolCallResult } from "./results.js";
import type { ListenFilter, Subscription } from "./subscription.js";
import type { TaskWaitOptions, TerminalTask } from "./tasks.js";

export type { CallHandlers, CallOptions, CallToolOptions, ClientOptions, LogMessage } from "./options.js";

export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

type State = "idle" | "connecting" | "connected" | "closed";

export class Client implements AsyncDisposable {
  readonly transport: ClientTransport;
  private readonly options: ClientOptions;
  private state: State = "idle";
  private connecting: Promise<void> | undefined;
  /** Negotiation, requests, handlers (connection.ts): made by the first connect, then kept. */
  private connection: ClientConnection | undefined;
  /** A log level set before the first connect. */
  private logLevel: LoggingLevel | undefined;

  constructor(target: ClientTarget, options: ClientOptions = {}) {
    this.transport = createTransport(target, options);
    this.options = options;
    const withAuth = this.transport as ClientTransport & { setAuth?(auth: ClientAuth | undefined): void };
    if (options.auth !== undefined) withAuth.setAuth?.(options.auth);
    if (options.protocolVersion !== undefined && eraOf(options.protocolVersion) === undefined) {
      throw new ClientError(`Unsupported protocol version ${options.protocolVersion}`);
    }
  }

  /** Creates a client and connects it. */
  static async connect(target: ClientTarget, options?: ClientOptions): Promise<Client> {
    const client = new Client(target, options);
    await client.connect();
    return client;
  }

  get connected(): boolean {
    return this.state === "connected" && this.transport.connected;
  }

  /** The protocol version in use, once connected. */
  get protocolVersion(): string | undefined {
    return this.connection?.negotiation.agreed?.version;
  }

  /** "modern" (2026-07-28, stateless) or "legacy" (initialize-based), once connected. */
  get era(): Era | undefined {
    return this.connection?.negotiation.agreed?.era;
  }

  get serverInfo(): Implementation | undefined {
    return this.connection?.negotiation.server?.info;
  }

  get serverCapabilities(): ServerCapabilities | undefined {
    return this.connection?.negotiation.server?.capabilities;
  }

  get instructions(): string | undefined {
    return this.connection?.negotiation.server?.instructions;
  }

  /** Connects and negotiates the protocol version. Safe to call again while connected. */
  connect(): Promise<void> {
    if (this.state === "connected" && this.transport.connected) return Promise.resolve();
    if (this.connecting) return this.connecting;
    this.state = "connecting";
    this.connecting = this.open().then(
      () => {
        this.state = "connected";
        this.connecting = undefined;
      },
      async (error: unknown) => {
        this.connecting = undefined;
        this.state = "idle";
        await this.transport.disconnect().catch(() => {});
        throw error;
      },
    );
    return this.connecting;
  }

  /** Closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    await this.connecting?.catch(() => {});
    await this.transport.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Every tool, across all pages. */
  async listTools(options?: CallOptions): Promise<Tool[]> {
    return (await this.live()).listTools(options);
  }

  /**
   * Calls a tool. Throws ToolError when the result is `isError` (unless `raiseOnError: false`).
   * `T` types the result's `.data` (the structured output; not checked here: the server validates
   * it against the tool's output schema).
   *
   * @example
   * ```ts
   * const { data } = await client.callTool<{ celsius: number }>("weather", { city: "Oslo" });
   * ```
   */
  async callTool<T = unknown>(
    name: string,
    args?: Record<string, unknown>,
    options?: CallToolOptions,
  ): Promise<ToolCallResult<T>>;
  /**
   * Calls the tool a handle of the server names (`const add = mcp.tool(...)`, with the Client built
   * from that server, in tests): arguments and `.data` are typed from the tool's schemas.
   *
   * @example
   * ```ts
   * const weather = mcp.tool("weather", { inputSchema, outputSchema }, handler);
   * const client = new Client(mcp);
   * const { data } = await client.callTool(weather, { city: "Oslo" });   // data: { celsius: number }
   * ```
   */
  async callTool<Args, Output>(
    tool: ToolHandle<Args, Output>,
    ...rest: Record<string, never> extends Args
      ? [args?: Args, options?: CallToolOptions]
      : [args: Args, options?: CallToolOptions]
  ): Promise<ToolCallResult<Output>>;
  async callTool<T = unknown>(
    tool: string | ToolHandle<unknown, unknown>,
    args: Record<string, unknown> = {},
    options: CallToolOptions = {},
  ): Promise<ToolCallResult<T>> {
    const name = typeof tool === "string" ? tool : tool.key;
    return (await this.live()).callTool<T>(name, args, options);
  }

  /** The current state of a task (tasks extension, 2026-07-28): `tasks/get`. */
  async getTask(taskId: string, options?: CallOptions): Promise<DetailedTask> {
    return (await this.request(
      "tasks/get",
      { taskId },
      { ...options, cache: false },
    )) as unknown as DetailedTask;
  }

  /** Asks the server to cancel a task (`tasks/cancel`); cancellation is cooperative. */
  async cancelTask(taskId: string, options?: CallOptions): Promise<void> {
    await this.request("tasks/cancel", { taskId }, { ...options, cache: false });
  }

  /** Answers a task's outstanding input requests by key (`tasks/update`). */
  async updateTask(
    taskId: string,
    inputResponses: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<void> {
    await this.request("tasks/update", { taskId, inputResponses }, { ...options, cache: false });
  }

  /**
   * Polls a task until it finishes, answering its input requests with this client's handlers;
   * resolves with its terminal state. Resumes a task known by id (after a restart, say).
   */
  async waitForTask(taskId: string, options?: TaskWaitOptions): Promise<TerminalTask> {
    const { waitForTask } = await import("./tasks.js");
    return waitForTask(this, this.options, taskId, options);
  }

  async listResources(options?: CallOptions): Promise<Resource[]> {
    return (await this.live()).listAll<Resource>("resources/list", "resources", options);
  }

  async listResourceTemplates(options?: CallOptions): Promise<ResourceTemplate[]> {
    return (await this.live()).listAll<ResourceTemplate>(
      "resources/templates/list",
      "resourceTemplates",
      options,
    );
  }

  async readResource(uri: string | URL, options?: CallOptions): Promise<ResourceReadResult> {
    return new ResourceReadResult(
      await this.request<ReadResourceResult>("resources/read", { uri: String(uri) }, options),
    );
  }

  async listPrompts(options?: CallOptions): Promise<Prompt[]> {
    return (await this.live()).listAll<Prompt>("prompts/list", "prompts", options);
  }

  /** Renders a prompt; non-string argument values are sent as JSON. */
  async getPrompt(
    name: string,
    args: Record<string, unknown> = {},
    options?: CallOptions,
  ): Promise<PromptResult> {
    return (await this.live()).getPrompt(name, args, options);
  }

  /** Asks the server to complete an argument of a prompt or resource template. */
  async complete(
    ref: CompletionRef,
    argument: { name: string; value: string },
    contextArguments?: Record<string, string>,
    options?: CallOptions,
  ): Promise<CompleteResult["completion"]> {
    return (await this.live()).complete(ref, argument, contextArguments, options);
  }

  /** Checks the server answers (`ping` in the legacy era, `server/discover` in the modern one). */
  async ping(options?: CallOptions): Promise<true> {
    await this.request(this.era === "modern" ? "server/discover" : "ping", {}, { ...options, cache: false });
    return true;
  }

  /** Sets the minimum level of log messages the server sends. */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    this.logLevel = level;
    this.connection?.negotiation.setLogLevel(level);
    if (this.era === "legacy") await this.request("logging/setLevel", { level }, options);
  }

  /**
   * Subscribes to change notifications: list changes and updates of given resources. Resolves once
   * the server acknowledged; iterate the subscription with `for await`, end it with `close()`.
   *
   * @example
   * ```ts
   * await using changes = await client.listen({ toolsListChanged: true });
   * for await (const notification of changes) console.log(notification.method);
   * ```
   */
  async listen(filter: ListenFilter, options: { timeout?: number } = {}): Promise<Subscription> {
    if (this.state !== "connected") await this.connect();
    return (this.connection as ClientConnection).listen(filter, options);
  }

  /** Sends any request, with the era's envelope; resolves with the raw result. */
  async request<T extends Result = Result>(
    method: string,
    params: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<T> {
    // Connected: no await before the request leaves.
    const connection = this.state === "connected" ? (this.connection as ClientConnection) : await this.live();
    return connection.request<T>(method, params, options);
  }

  private async open(): Promise<void> {
    // The client's timeout bounds the whole of connecting, not each step of it.
    const timeout = this.options.timeout ?? DEFAULT_TIMEOUT;
    const deadline = timeout > 0 ? Date.now() + timeout : Number.POSITIVE_INFINITY;
    if (!this.connection) {
      const { ClientConnection } = await import("./connection.js");
      this.connection ??= new ClientConnection(this, this.transport, this.options);
      if (this.logLevel) this.connection.negotiation.setLogLevel(this.logLevel);
    }
    await this.connection.open(deadline);
  }

  /** The connection, once connected (after a connect under way); throws as `request` does otherwise. */
  private async live(): Promise<ClientConnection> {
    if (this.state !== "connected") {
      if (this.state === "closed") throw new ClientError("Client is closed");
      if (this.state === "connecting") await this.connecting;
      else throw new ClientError("Client is not connected: call connect() first (or use Client.connect())");
    }
    return this.connection as ClientConnection;
  }
}
