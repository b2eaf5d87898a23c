/**
 * The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) on the server. A task tool
 * called by a 2026-07-28 client that declares the extension is answered at once with a task handle
 * (`resultType: "task"`); the handler keeps running in the background and the client polls
 * `tasks/get`, answers input requests with `tasks/update` and stops the task with `tasks/cancel`.
 *
 * Inside a task the handler's context behaves as the extension says: `ctx.elicit`, `ctx.sample`
 * and `ctx.listRoots` park the task in `input_required` (their requests surface in `tasks/get`'s
 * `inputRequests`), `ctx.reportProgress` becomes the task's `statusMessage` (the request that would
 * carry progress notifications has ended), logs are dropped, and `ctx.signal` aborts on
 * `tasks/cancel` or when the task outlives its time to live.
 */

import type { AuthInfo } from "../../auth/types.js";
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import {
  type DetailedTask,
  declaresTasks,
  TASKS_EXTENSION,
  TASKS_REQUIRED_CAPABILITIES,
  type TaskMethod,
  TERMINAL_STATUSES,
} from "../../protocol/tasks.js";
import type { Result } from "../../protocol/types.js";
import { type CallToolOptions, callTool, runToolHandler, validateToolArgs } from "../components/calls.js";
import type { TaskSettings, ToolEntry } from "../components/tools.js";
import { Context, type RequestScope } from "../context.js";
import { sha256 } from "../request-state-seal.js";
import { detailed, type Outcome, TaskRun } from "./task-run.js";
import type { TaskRecord, TaskStore } from "./task-store.js";
import type { TasksSettings } from "./tasks-options.js";

export type { TasksOptions } from "./tasks-options.js";

const VERBS: Record<TaskMethod, string> = {
  "tasks/get": "retrieve",
  "tasks/update": "update",
  "tasks/cancel": "cancel",
};

function missingExtension(why: string): McpError {
  return new McpError(
    ErrorCode.MissingRequiredClientCapability,
    `${why}: the client must declare the extension ${TASKS_EXTENSION} in its capabilities`,
    { requiredCapabilities: TASKS_REQUIRED_CAPABILITIES },
  );
}

function notFound(verb: string, reason: string): McpError {
  return new McpError(ErrorCode.InvalidParams, `Failed to ${verb} task: ${reason}`);
}

function principalOf(auth: AuthInfo | undefined): Promise<string | undefined> {
  return auth ? sha256(auth.clientId ?? auth.token) : Promise.resolve(undefined);
}

/** Runs task tools and answers `tasks/get`, `tasks/update` and `tasks/cancel`. */
export class TaskManager {
  /** Where task state lives. */
  get store(): TaskStore {
    return this.taskStore;
  }
  private taskStore: TaskStore;
  /** Whether the `store` option gave it (a scaled-out server then keeps it). */
  private readonly givenStore: boolean;
  /** Tasks whose handler runs on this instance, by id. */
  private readonly runs = new Map<string, TaskRun>();
  private readonly ttlMs: number | null;
  private readonly pollIntervalMs: number;
  private readonly onChange: (task: DetailedTask) => void;
  /**
   * Set on a scaled-out server: reaches the instance that runs a task this one does not (to cancel
   * it, or hand it the client's input responses).
   */
  relay:
    | { cancel(taskId: string): void; update(taskId: string, responses: Record<string, unknown>): void }
    | undefined;

  /** `settings` are the checked `tasks` option; `onChange` hears every change of a task's state (for `notifications/tasks`). */
  constructor(settings: TasksSettings, onChange: (task: DetailedTask) => void = () => {}) {
    this.givenStore = settings.givenStore;
    this.taskStore = settings.store;
    this.ttlMs = settings.ttlMs;
    this.pollIntervalMs = settings.pollIntervalMs;
    this.onChange = onChange;
  }

  /** Keeps task state in a scaled-out server's shared store, unless the `store` option gave one. */
  useSharedStore(store: TaskStore): void {
    if (!this.givenStore) this.taskStore = store;
  }

  /** How many task handlers are running on this instance. */
  get running(): number {
    return this.runs.size;
  }

  /**
   * Calls a task tool. Without the client's opt-in (or in the legacy era, where the extension does
   * not exist) an optional task tool runs as a plain call and a required one fails with -32021.
   */
  async callTool(
    entry: ToolEntry,
    rawArgs: unknown,
    scope: RequestScope,
    options: CallToolOptions,
  ): Promise<Result> {
    const settings = entry.task as TaskSettings;
    if (scope.era !== "modern" || !declaresTasks(scope.clientCapabilities)) {
      if (settings.mode === "required") throw missingExtension(`Tool ${entry.key} runs only as a task`);
      return callTool(entry, rawArgs, new Context(scope), options);
    }
    let checked = validateToolArgs(entry, rawArgs);
    if (checked instanceof Promise) checked = await checked;
    if (!checked.ok) return checked.result;
    const run = new TaskRun(this, settings, scope, options.maskErrorDetails);
    // The task exists (tasks/get finds it) before the handler starts and before the answer goes out.
    if (!settings.manualStart) await run.start();
    const handled = runToolHandler(entry, checked.args, new Context(run.scope), options).then(
      (result): Outcome => ({ result }),
      (error: unknown): Outcome => ({ error }),
    );
    if (!run.detached) {
      const first = await Promise.race([handled, run.started]);
      if (first !== undefined) {
        await run.startSettled();
        // The handler finished without starting a task: an ordinary answer.
        if (!run.detached) {
          if ("error" in first) throw first.error;
          return first.result;
        }
      }
    }
    void handled.then((outcome) => run.finish(outcome));
    return run.createResult();
  }

  /** Answers `tasks/get`, `tasks/update` and `tasks/cancel`. */
  async request(method: TaskMethod, params: Record<string, unknown>, scope: RequestScope): Promise<Result> {
    if (scope.era !== "modern") {
      throw new McpError(
        ErrorCode.MethodNotFound,
        `Method not found: ${method} belongs to the tasks extension of protocol 2026-07-28`,
      );
    }
    if (!declaresTasks(scope.clientCapabilities))
      throw missingExtension(`${method} is a tasks extension method`);
    const taskId = params.taskId;
    if (typeof taskId !== "string" || taskId === "")
      throw new McpError(ErrorCode.InvalidParams, `${method} needs a string taskId`);
    const record = await this.lookup(taskId, scope, VERBS[method]);
    if (method === "tasks/get") return detailed(record);
    if (method === "tasks/cancel") {
      await this.cancel(record);
      return {};
    }
    const responses = params.inputResponses;
    if (typeof responses !== "object" || responses === null || Array.isArray(responses))
      throw new McpError(ErrorCode.InvalidParams, "tasks/update needs an inputResponses object");
    // Answers for a finished task, or for keys that are not outstanding, are ignored (as the spec says).
    const run = this.runs.get(taskId);
    if (run) await run.answer(responses as Record<string, unknown>);
    else this.relay?.update(taskId, responses as Record<string, unknown>);
    return {};
  }

  /** Cancels a task if it runs on this instance (asked by another instance of a scaled-out server). */
  async cancelHere(taskId: string): Promise<void> {
    await this.runs.get(taskId)?.cancel();
  }

  /** Hands input responses to a task if it runs on this instance (from another instance). */
  async answerHere(taskId: string, responses: Record<string, unknown>): Promise<void> {
    if (typeof responses !== "object" || responses === null || Array.isArray(responses)) return;
    await this.runs.get(taskId)?.answer(responses);
  }

  /**
   * Checks the `taskIds` of a `subscriptions/listen` filter: the client must declare the extension,
   * and only tasks it may see are kept (the others are left out of the acknowledgement).
   */
  async listenFilter(filter: unknown, scope: RequestScope): Promise<unknown> {
    if (typeof filter !== "object" || filter === null) return filter;
    const ids = (filter as { taskIds?: unknown }).taskIds;
    if (ids === undefined) return filter;
    if (!declaresTasks(scope.clientCapabilities))
      throw missingExtension("Task status notifications are part of the tasks extension");
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string"))
      throw new McpError(ErrorCode.InvalidParams, "notifications.taskIds must be an array of task ids");
    const visible: string[] = [];
    for (const id of new Set(ids as string[])) {
      if (await this.lookup(id, scope, "retrieve").catch(() => undefined)) visible.push(id);
    }
    return { ...filter, taskIds: visible };
  }

  /** @internal Stores a new task for a run. */
  async create(run: TaskRun, settings: TaskSettings, auth: AuthInfo | undefined): Promise<TaskRecord> {
    const now = new Date();
    const ttlMs = settings.ttlMs === undefined ? this.ttlMs : settings.ttlMs;
    const record: TaskRecord = {
      taskId: run.id,
      status: "working",
      createdAt: now.toISOString(),
      lastUpdatedAt: now.toISOString(),
      ttlMs,
      pollIntervalMs: settings.pollIntervalMs ?? this.pollIntervalMs,
    };
    if (ttlMs !== null) record.expiresAt = now.getTime() + ttlMs;
    const owner = await principalOf(auth);
    if (owner !== undefined) record.owner = owner;
    await this.store.create(record);
    this.runs.set(run.id, run);
    return record;
  }

  /** @internal A run's state changed; `persisted` is its write to the store. */
  changed(record: TaskRecord, persisted: Promise<void>): void {
    if (TERMINAL_STATUSES.has(record.status)) this.runs.delete(record.taskId);
    this.onChange(detailed(record));
    persisted.catch((error: unknown) => {
      console.warn(`[fastmcp-ts] could not store the state of task ${record.taskId}:`, error);
    });
  }

  /** The task, if this caller may see it; -32602 when it is unknown, someone else's, or expired. */
  private async lookup(taskId: string, scope: RequestScope, verb: string): Promise<TaskRecord> {
    const record = this.runs.get(taskId)?.record ?? (await this.store.get(taskId));
    if (!record) throw notFound(verb, "Task not found");
    if (record.owner !== undefined && record.owner !== (await principalOf(scope.auth)))
      throw notFound(verb, "Task not found");
    if (record.expiresAt !== undefined && record.expiresAt <= Date.now()) {
      this.runs.get(taskId)?.expire();
      await this.store.delete(taskId);
      throw notFound(verb, "Task has expired");
    }
    return record;
  }

  private async cancel(record: TaskRecord): Promise<void> {
    if (TERMINAL_STATUSES.has(record.status)) return;
    const run = this.runs.get(record.taskId);
    if (run) return run.cancel();
    // Another instance may run it: it stops it there. Marked here too, in case nobody runs it any
    // more (an instance that died, a restarted server with a shared store).
    this.relay?.cancel(record.taskId);
    const { inputRequests: _, ...rest } = record;
    const cancelled: TaskRecord = { ...rest, status: "cancelled", lastUpdatedAt: new Date().toISOString() };
    await this.store.update(cancelled);
    this.onChange(detailed(cancelled));
  }
}
