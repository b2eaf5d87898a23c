/**
 * Wire types of the tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663, 2026-07-28): a
 * `tools/call` may be answered with a task handle (`resultType: "task"`) that the client polls with
 * `tasks/get`, feeds with `tasks/update` and stops with `tasks/cancel`.
 */
import type { ClientCapabilities } from "./types.js";

/** The extension's identifier, in `capabilities.extensions` of both sides. */
export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";

/** The methods the extension adds. */
export const TASK_METHODS = ["tasks/get", "tasks/update", "tasks/cancel"] as const;
export type TaskMethod = (typeof TASK_METHODS)[number];

export type TaskStatus = "working" | "input_required" | "completed" | "failed" | "cancelled";

/** `completed`, `failed` and `cancelled`: the task's state no longer changes. */
export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(["completed", "failed", "cancelled"]);

/** A request the server needs the client to fulfil, inside a task's `inputRequests`. */
export interface TaskInputRequest {
  method: string;
  params: Record<string, unknown>;
}

/** The operational metadata of a task. */
export interface Task {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  lastUpdatedAt: string;
  /** Time to live from creation, in ms; null for unlimited. */
  ttlMs: number | null;
  /** Suggested polling interval, in ms. */
  pollIntervalMs?: number;
}

/** A task with its status-specific payload, as `tasks/get` and `notifications/tasks` carry it. */
export interface DetailedTask extends Task {
  /** While `input_required`: every outstanding request, by key. */
  inputRequests?: Record<string, TaskInputRequest>;
  /** When `completed`: what the original request would have returned. */
  result?: Record<string, unknown>;
  /** When `failed`: the JSON-RPC error of the original request. */
  error?: { code: number; message: string; data?: unknown };
}

/** The answer to a task-augmented request: the task's seed state. */
export interface CreateTaskResult extends Task {
  resultType: "task";
  _meta?: Record<string, unknown>;
}

/** Whether a client's capabilities declare the tasks extension. */
export function declaresTasks(capabilities: ClientCapabilities | undefined): boolean {
  const extensions = capabilities?.extensions;
  return typeof extensions === "object" && extensions !== null && TASKS_EXTENSION in extensions;
}

/** The `requiredCapabilities` of a -32021 error for a client that did not declare the extension. */
export const TASKS_REQUIRED_CAPABILITIES = { extensions: { [TASKS_EXTENSION]: {} } } as const;
