import type { AuthInfo } from "../auth/types.js";
import type { EraScope } from "../protocol/era.js";
import type { ProgressToken } from "../protocol/types.js";
import type { Context, RequestScope } from "./context.js";
import type { InputHooks } from "./input-round.js";
import type { DispatchInput } from "./kernel.js";
import { memoryValues, type SessionValues } from "./session-values.js";
import type { TaskManager } from "./tasks/tasks.js";

/**
 * The scope of one request. A class so that `signal`, `headers` and `notify` are prototype getters,
 * read from the dispatch input only when used: creating an AbortSignal is costly (see IncomingExtra
 * in the engine), and an HTTP transport copies the headers and makes the notifier only when asked.
 */
export class DispatchScope implements RequestScope {
  readonly era: RequestScope["era"];
  readonly protocolVersion: string;
  readonly clientCapabilities: RequestScope["clientCapabilities"];
  readonly clientInfo: RequestScope["clientInfo"];
  readonly logLevel: RequestScope["logLevel"];
  readonly requestId: RequestScope["requestId"];
  readonly progressToken: ProgressToken | undefined;
  readonly sessionId: string | undefined;
  readonly transport: string;
  readonly auth: AuthInfo | undefined;
  readonly readResource: RequestScope["readResource"];
  /** Set for legacy requests that can carry server-to-client requests (absent otherwise, as before). */
  declare request?: NonNullable<RequestScope["request"]>;
  /** Set for 2026-07-28 requests that may ask for input (answered through input-required rounds). */
  declare ask?: NonNullable<RequestScope["ask"]>;
  /** The handler Context, when middleware asked for it first (the handler then gets the same one). */
  declare context?: Context;
  /**
   * The task manager of the outermost server, set when a request is routed to a mounted server: its
   * task tools run as tasks of the server the client polls.
   */
  declare tasks?: TaskManager;
  /** In a 2026-07-28 request that may ask for input, makes the signal that also covers abandonment. */
  inputHooks: InputHooks | undefined;
  /** @internal The request as the transport gave it. */
  readonly input: DispatchInput;

  constructor(
    era: EraScope,
    input: DispatchInput,
    progressToken: ProgressToken | undefined,
    readResource: RequestScope["readResource"],
  ) {
    this.era = era.era;
    this.protocolVersion = era.protocolVersion;
    this.clientCapabilities = era.clientCapabilities;
    this.clientInfo = era.clientInfo;
    this.logLevel = era.logLevel;
    this.requestId = input.request.id;
    this.progressToken = progressToken;
    this.sessionId = input.session.sessionId;
    this.transport = input.session.transport;
    this.auth = input.session.auth;
    this.readResource = readResource;
    this.input = input;
  }

  /** The session's values; a session without a store gets them in memory on first use. */
  get values(): SessionValues | undefined {
    // A stateless exchange's session object is its own, so its values last for that request.
    const session = this.input.session;
    session.values ??= memoryValues();
    return session.values;
  }

  /** The HTTP request's headers, read from the transport when asked for (it may copy them then). */
  get headers(): Record<string, string> | undefined {
    return this.input.headers;
  }

  /** Read from the transport when used: a stateless HTTP request makes its notifier then. */
  get notify(): RequestScope["notify"] {
    return this.input.notify;
  }

  get signal(): AbortSignal {
    return this.inputHooks ? this.inputHooks.signal(this.input.signal) : this.input.signal;
  }

  /**
   * @internal The same request as a mounted server sees it: everything shared (era, auth, signal,
   * input rounds, server-to-client requests) but `ctx.readResource`, which reads the mounted
   * server's own resources, and the handler Context, which is its own.
   */
  derive(readResource: RequestScope["readResource"]): DispatchScope {
    const derived = new DispatchScope(this, this.input, this.progressToken, readResource);
    derived.inputHooks = this.inputHooks;
    if (this.request) derived.request = this.request;
    if (this.ask) derived.ask = this.ask;
    if (this.tasks) derived.tasks = this.tasks;
    return derived;
  }
}
