/**
 * One task tool call on this instance (the tasks extension): the task's live state, its pending
 * input requests, and the scope its handler sees, which switches from the request's to the task's
 * once the task exists.
 */

import type { AuthInfo } from "../../auth/types.js";
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { toErrorObject } from "../../protocol/jsonrpc.js";
import { type DetailedTask, type TaskInputRequest, TERMINAL_STATUSES } from "../../protocol/tasks.js";
import type { CallToolResult, Result } from "../../protocol/types.js";
import type { TaskSettings } from "../components/tools.js";
import type { RequestScope } from "../context.js";
import { isInputResponse } from "../input-round.js";
import type { TaskRecord } from "./task-store.js";
import type { TaskManager } from "./tasks.js";

/** How a task's handler settled. */
export type Outcome = { result: CallToolResult } | { error: unknown };

/** The wire form of a stored task: everything but the server's own bookkeeping. */
export function detailed(record: TaskRecord): DetailedTask & Result {
  const { owner: _owner, expiresAt: _expiresAt, ...task } = record;
  return { ...task };
}

interface PendingInput extends TaskInputRequest {
  resolve(value: Record<string, unknown>): void;
  reject(error: unknown): void;
}

/** One task tool call on this instance: its handler's scope, its state, its pending input requests. */
export class TaskRun {
  readonly id: string = crypto.randomUUID();
  readonly scope: RequestScope;
  readonly controller = new AbortController();
  /** The call became a task: the client holds its handle, the handler runs in the background. */
  detached = false;
  /** The task's state as last saved (set once the task exists). */
  record!: TaskRecord;
  /** Resolves when the task exists. */
  readonly started: Promise<undefined>;
  private markStarted!: () => void;
  private starting: Promise<boolean> | undefined;
  private seed: TaskRecord | undefined;
  private readonly manager: TaskManager;
  private readonly settings: TaskSettings;
  private readonly auth: AuthInfo | undefined;
  private readonly maskErrorDetails: boolean;
  private readonly pending = new Map<string, PendingInput>();
  private readonly usedKeys = new Set<string>();
  private readonly counters = new Map<string, number>();
  private writes: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(manager: TaskManager, settings: TaskSettings, base: RequestScope, maskErrorDetails: boolean) {
    this.manager = manager;
    this.settings = settings;
    this.auth = base.auth;
    this.maskErrorDetails = maskErrorDetails;
    this.scope = new TaskScope(this, base);
    this.started = new Promise((resolve) => {
      this.markStarted = () => resolve(undefined);
    });
  }

  get terminal(): boolean {
    return this.detached && TERMINAL_STATUSES.has(this.record.status);
  }

  /** Creates the task (once); resolves true when it exists. */
  start(): Promise<boolean> {
    this.starting ??= this.manager.create(this, this.settings, this.auth).then((record) => {
      this.record = record;
      this.seed = record;
      this.detached = true;
      if (record.expiresAt !== undefined) {
        this.timer = setTimeout(() => this.expire(), record.expiresAt - Date.now());
        this.timer.unref?.();
      }
      this.markStarted();
      return true;
    });
    return this.starting;
  }

  /** Waits for a `start()` in flight, whatever its outcome. */
  async startSettled(): Promise<void> {
    await this.starting?.catch(() => undefined);
  }

  /** The answer to the `tools/call`: the task's seed state. */
  createResult(): Result {
    return { ...detailed(this.seed as TaskRecord), resultType: "task" };
  }

  /** The handler settled: the task completes (tool errors included) or fails (JSON-RPC errors). */
  finish(outcome: Outcome): void {
    if (this.terminal) return;
    if ("result" in outcome) {
      void this.end({ status: "completed", result: { ...outcome.result, resultType: "complete" } });
      return;
    }
    const error = toErrorObject(outcome.error, this.maskErrorDetails);
    void this.end({ status: "failed", statusMessage: error.message, error });
  }

  cancel(): Promise<void> {
    if (this.terminal) return Promise.resolve();
    const ended = this.end({ status: "cancelled", statusMessage: "Cancelled at the client's request" });
    this.abort(new DOMException("The task was cancelled", "AbortError"));
    return ended;
  }

  abort(reason: unknown): void {
    clearTimeout(this.timer);
    this.controller.abort(reason);
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
  }

  /** Asks the client for input: the task waits in `input_required` until `tasks/update` answers. */
  readonly ask = (
    method: string,
    params: Record<string, unknown>,
    inputKey: string | undefined,
  ): Promise<Record<string, unknown>> => {
    if (this.terminal || this.controller.signal.aborted)
      return Promise.reject(this.controller.signal.reason ?? new Error("The task has finished"));
    const key = this.keyFor(method, inputKey);
    return new Promise((resolve, reject) => {
      this.pending.set(key, { method, params, resolve, reject });
      void this.savePending();
    });
  };

  /** `tasks/update`: answers the outstanding requests it names; the state is saved before the ack. */
  async answer(responses: Record<string, unknown>): Promise<void> {
    if (this.terminal) return;
    const accepted: [string, PendingInput, Record<string, unknown>][] = [];
    for (const [key, value] of Object.entries(responses)) {
      const pending = this.pending.get(key);
      if (!pending) continue;
      if (!isInputResponse(pending.method, value)) {
        throw new McpError(
          ErrorCode.InvalidParams,
          `inputResponses["${key}"] is not a valid ${pending.method} result`,
        );
      }
      accepted.push([key, pending, value]);
    }
    if (accepted.length === 0) return;
    for (const [key] of accepted) this.pending.delete(key);
    const saved = this.savePending();
    for (const [, pending, value] of accepted) pending.resolve(value);
    await saved;
  }

  /** Progress has no request to ride on any more: it becomes the task's status message. */
  progress(params: Record<string, unknown>): void {
    if (this.terminal) return;
    const { progress, total, message } = params;
    const statusMessage =
      typeof message === "string" ? message : total === undefined ? `${progress}` : `${progress}/${total}`;
    void this.save({ statusMessage });
  }

  /** The task outlived its time to live: it fails and its handler is aborted. */
  expire(): void {
    if (this.terminal) return;
    const message = "The task expired before it finished";
    void this.end({
      status: "failed",
      statusMessage: message,
      error: { code: ErrorCode.InternalError, message },
    });
    this.abort(new DOMException("The task expired", "TimeoutError"));
  }

  private end(patch: Partial<TaskRecord>): Promise<void> {
    clearTimeout(this.timer);
    return this.save(patch);
  }

  private savePending(): Promise<void> {
    if (this.pending.size === 0) return this.save({ status: "working" });
    const inputRequests: Record<string, TaskInputRequest> = {};
    for (const [key, { method, params }] of this.pending) inputRequests[key] = { method, params };
    return this.save({ status: "input_required", inputRequests });
  }

  /** Replaces the state (synchronously, so `tasks/get` sees it at once) and queues its write. */
  private save(patch: Partial<TaskRecord>): Promise<void> {
    if (this.terminal) return this.writes;
    const next: TaskRecord = { ...this.record, ...patch, lastUpdatedAt: new Date().toISOString() };
    if (next.status !== "input_required") delete next.inputRequests;
    this.record = next;
    const store = this.manager.store;
    const write = this.writes.catch(() => undefined).then(() => store.update(next));
    this.writes = write;
    this.manager.changed(next, write);
    return write;
  }

  /** A key unique over the task's life: the handler's own `inputKey` when still unused. */
  private keyFor(method: string, inputKey: string | undefined): string {
    let key = inputKey;
    if (key === undefined) {
      const kind = method.split("/")[0] as string;
      const count = (this.counters.get(kind) ?? 0) + 1;
      this.counters.set(kind, count);
      key = `${kind}-${count}`;
    }
    if (this.usedKeys.has(key)) {
      let n = 2;
      while (this.usedKeys.has(`${key}-${n}`)) n++;
      key = `${key}-${n}`;
    }
    this.usedKeys.add(key);
    return key;
  }
}

/**
 * The handler's scope in a task call: the request's own until the task starts, then the task's
 * (its signal, its input requests, progress as status messages, no logs).
 */
class TaskScope implements RequestScope {
  private readonly run: TaskRun;
  private readonly base: RequestScope;

  constructor(run: TaskRun, base: RequestScope) {
    this.run = run;
    this.base = base;
  }

  get era(): RequestScope["era"] {
    return this.base.era;
  }
  get protocolVersion(): string {
    return this.base.protocolVersion;
  }
  get clientCapabilities(): RequestScope["clientCapabilities"] {
    return this.base.clientCapabilities;
  }
  get clientInfo(): RequestScope["clientInfo"] {
    return this.base.clientInfo;
  }
  get logLevel(): RequestScope["logLevel"] {
    return this.run.detached ? undefined : this.base.logLevel;
  }
  get requestId(): RequestScope["requestId"] {
    return this.base.requestId;
  }
  get progressToken(): RequestScope["progressToken"] {
    return this.run.detached ? this.run.id : this.base.progressToken;
  }
  get sessionId(): string | undefined {
    return this.base.sessionId;
  }
  get transport(): string {
    return this.base.transport;
  }
  get auth(): AuthInfo | undefined {
    return this.base.auth;
  }
  get headers(): Record<string, string> | undefined {
    return this.base.headers;
  }
  get signal(): AbortSignal {
    return this.run.detached ? this.run.controller.signal : this.base.signal;
  }
  get ask(): RequestScope["ask"] {
    return this.run.detached ? this.run.ask : this.base.ask;
  }
  get request(): RequestScope["request"] {
    return this.run.detached ? undefined : this.base.request;
  }
  get taskId(): string | undefined {
    return this.run.detached ? this.run.id : undefined;
  }

  startTask(): Promise<boolean> {
    return this.run.start();
  }

  notify(method: string, params: Record<string, unknown>): void {
    if (!this.run.detached) this.base.notify(method, params);
    else if (method === "notifications/progress") this.run.progress(params);
  }

  readResource(uri: string, scope: RequestScope): ReturnType<RequestScope["readResource"]> {
    return this.base.readResource(uri, scope);
  }
}
