/**
 * The tasks extension (`io.modelcontextprotocol/tasks`) on the client: when a server answers a
 * `tools/call` with a task handle, the client polls `tasks/get` (at the server's `pollIntervalMs`),
 * answers the task's input requests with its elicitation, sampling and roots handlers through
 * `tasks/update`, and hands back the final result, so `callTool` keeps its ordinary contract.
 */
import { ClientError, McpError } from "../errors.js";
import { type DetailedTask, type TaskStatus, TERMINAL_STATUSES } from "../protocol/tasks.js";
import type { CallToolResult, Result } from "../protocol/types.js";
import { type ClientHandlers, fulfilInputRequests } from "./handlers.js";

/** Options of waiting for a task (`client.waitForTask`, and `callTool` when it gets a task). */
export interface TaskWaitOptions {
  /** Stops waiting (`callTool` also cancels the task). */
  signal?: AbortSignal;
  /** Timeout of each `tasks/get` and `tasks/update` request, in ms (the client's default otherwise). */
  timeout?: number;
  /** Polls at this interval (ms) instead of the server's `pollIntervalMs`. */
  pollIntervalMs?: number;
  /** Hears the task's state when it is created and whenever a poll shows it changed. */
  onTaskStatus?: (task: DetailedTask) => void;
}

/** A task that reached `completed`, `failed` or `cancelled`. */
export type TerminalTask = DetailedTask & {
  status: Extract<TaskStatus, "completed" | "failed" | "cancelled">;
};

/** What the task helpers need from the client. */
export interface TaskRequester {
  request<T extends Result = Result>(
    method: string,
    params: Record<string, unknown>,
    options: { timeout?: number; signal?: AbortSignal; cache?: boolean },
  ): Promise<T>;
}

/** Used when the server suggests no polling interval. */
const DEFAULT_POLL_INTERVAL_MS = 1000;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A change worth reporting: the status, its message, or the set of outstanding input requests. */
function signature(task: DetailedTask): string {
  return `${task.status}\u0000${task.statusMessage ?? ""}\u0000${Object.keys(task.inputRequests ?? {}).join(",")}`;
}

/**
 * Polls a task until it reaches a terminal status, fulfilling its input requests along the way
 * (each key once: the spec lets `tasks/get` repeat requests already answered).
 */
export async function waitForTask(
  requester: TaskRequester,
  handlers: ClientHandlers,
  taskId: string,
  options: TaskWaitOptions & { first?: DetailedTask } = {},
): Promise<TerminalTask> {
  const { signal, onTaskStatus } = options;
  const requestOptions: { timeout?: number; signal?: AbortSignal; cache: boolean } = { cache: false };
  if (options.timeout !== undefined) requestOptions.timeout = options.timeout;
  if (signal) requestOptions.signal = signal;
  const answered = new Set<string>();
  let interval = options.pollIntervalMs ?? options.first?.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  let seen = options.first ? signature(options.first) : undefined;
  if (options.first) onTaskStatus?.(options.first);
  // A task known only by id is read at once; a fresh one (`first`) after the suggested interval.
  for (let round = 0; ; round++) {
    if (round > 0 || options.first) await sleep(interval, signal);
    const task = await requester.request<DetailedTask & Result>("tasks/get", { taskId }, requestOptions);
    if (task.taskId !== taskId) {
      throw new ClientError(`tasks/get for ${taskId} answered with task ${String(task.taskId)}`);
    }
    const now = signature(task);
    if (now !== seen) {
      seen = now;
      onTaskStatus?.(task);
    }
    if (TERMINAL_STATUSES.has(task.status)) return task as TerminalTask;
    if (task.status === "input_required" && task.inputRequests) {
      const fresh = Object.entries(task.inputRequests).filter(([key]) => !answered.has(key));
      if (fresh.length > 0) {
        const inputResponses = await fulfilInputRequests(
          Object.fromEntries(fresh),
          handlers,
          signal ?? new AbortController().signal,
        );
        await requester.request("tasks/update", { taskId, inputResponses }, requestOptions);
        for (const [key] of fresh) answered.add(key);
      }
    }
    if (options.pollIntervalMs === undefined && typeof task.pollIntervalMs === "number")
      interval = task.pollIntervalMs;
  }
}

/**
 * Waits for the task a tool call became and gives the call's result (or throws its error); when
 * waiting fails (aborted, timed out, connection lost) the task is cancelled, as nobody waits for it.
 */
export async function settleToolTask(
  requester: TaskRequester,
  handlers: ClientHandlers,
  created: DetailedTask,
  options: TaskWaitOptions,
): Promise<CallToolResult> {
  if (typeof created.taskId !== "string")
    throw new ClientError("The server answered with a task without taskId");
  const wait: TaskWaitOptions & { first: DetailedTask } = { first: created };
  if (options.signal) wait.signal = options.signal;
  if (options.timeout !== undefined) wait.timeout = options.timeout;
  if (options.pollIntervalMs !== undefined) wait.pollIntervalMs = options.pollIntervalMs;
  if (options.onTaskStatus) wait.onTaskStatus = options.onTaskStatus;
  let task: TerminalTask;
  try {
    task = await waitForTask(requester, handlers, created.taskId, wait);
  } catch (error) {
    // Best effort: the connection may be gone.
    await requester
      .request("tasks/cancel", { taskId: created.taskId }, { cache: false })
      .catch(() => undefined);
    throw error;
  }
  return toolResultOf(task);
}

/**
 * What a terminal task means for the tool call it stands for: its result when completed; the
 * JSON-RPC error (as McpError) when failed; a ClientError when cancelled.
 */
export function toolResultOf(task: TerminalTask): CallToolResult {
  if (task.status === "completed") {
    if (typeof task.result !== "object" || task.result === null)
      throw new ClientError(`Task ${task.taskId} completed without a result`);
    return task.result as CallToolResult;
  }
  if (task.status === "failed") {
    const error = task.error;
    throw new McpError(
      typeof error?.code === "number" ? error.code : -32603,
      typeof error?.message === "string"
        ? error.message
        : (task.statusMessage ?? `Task ${task.taskId} failed`),
      error?.data,
    );
  }
  throw new ClientError(
    `Task ${task.taskId} was cancelled${task.statusMessage ? `: ${task.statusMessage}` : ""}`,
  );
}
