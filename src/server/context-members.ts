/**
 * The bodies of the members every Context has (context.ts declares the class and documents them):
 * the view over the request, its session's values, logging and progress, and the asks for input
 * (context-input.ts). Loaded with the serving code, which alone makes contexts, and installed on
 * `Context.prototype` as it loads (`installContextMembers`), so the class stays the one exported.
 */
import type { AuthInfo } from "../auth/types.js";
import { LOG_LEVELS } from "../protocol/logging.js";
import type {
  ClientCapabilities,
  Implementation,
  LoggingLevel,
  RequestId,
  ResourceContents,
  Root,
  SamplingMessage,
} from "../protocol/types.js";
import type { Era } from "../protocol/versions.js";
import type { SchemaInput } from "../schema/standard.js";
import {
  Context,
  type ContextMembers,
  type ElicitOutcome,
  type RequestScope,
  type SampleOptions,
  type SampleResult,
} from "./context.js";
import { elicit, listRoots, sample } from "./context-input.js";
import { memoryValues, type SessionValues } from "./session-values.js";

const SEVERITY = new Map(LOG_LEVELS.map((level, index) => [level, index]));

/** Context's members; `this` is a Context, whose fields these declare. */
class Members implements ContextMembers {
  declare private readonly scope: RequestScope;
  declare private requestValues: SessionValues | undefined;

  get requestId(): RequestId {
    return this.scope.requestId;
  }

  get sessionId(): string | undefined {
    return this.scope.sessionId;
  }

  async getState<T = unknown>(key: string): Promise<T | undefined> {
    const json = await this.sessionValues().get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  async setState(key: string, value: unknown): Promise<void> {
    const json = value === undefined ? undefined : JSON.stringify(value);
    if (json === undefined) await this.sessionValues().delete(key);
    else await this.sessionValues().set(key, json);
  }

  private sessionValues(): SessionValues {
    this.requestValues ??= this.scope.values ?? memoryValues();
    return this.requestValues;
  }

  get auth(): AuthInfo | undefined {
    return this.scope.auth;
  }

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

  get signal(): AbortSignal {
    return this.scope.signal;
  }

  get taskId(): string | undefined {
    return this.scope.taskId;
  }

  startTask(): Promise<boolean> {
    return this.scope.startTask ? this.scope.startTask() : Promise.resolve(false);
  }

  get era(): Era {
    return this.scope.era;
  }

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

  reportProgress(progress: number, total?: number, message?: string): void {
    const token = this.scope.progressToken;
    if (token === undefined) return;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    this.scope.notify("notifications/progress", params);
  }

  readResource(uri: string): Promise<ResourceContents[]> {
    return this.scope.readResource(uri, this.scope);
  }

  elicit(
    message: string | { mode: "url"; message: string; url: string },
    schemaOrOptions?: SchemaInput | { inputKey?: string },
    maybeOptions?: { inputKey?: string },
  ): Promise<ElicitOutcome<Record<string, never>>> {
    return elicit(this.scope, message, schemaOrOptions, maybeOptions) as Promise<
      ElicitOutcome<Record<string, never>>
    >;
  }

  sample(prompt: string | SamplingMessage[], options: SampleOptions = {}): Promise<SampleResult> {
    return sample(this.scope, prompt, options);
  }

  listRoots(options: { inputKey?: string } = {}): Promise<Root[]> {
    return listRoots(this.scope, options);
  }
}

/** Installs the members on `Context.prototype` (once: the serving code runs this as it loads). */
export function installContextMembers(): void {
  const members = Members.prototype;
  for (const key of Object.getOwnPropertyNames(members)) {
    if (key === "constructor") continue;
    Object.defineProperty(
      Context.prototype,
      key,
      Object.getOwnPropertyDescriptor(members, key) as PropertyDescriptor,
    );
  }
}
