/**
 * The `tasks` option of `new FastMCP`, checked when the server is made. The tasks extension itself
 * (tasks.ts, task-run.ts) loads when a server first needs it: a task tool called, a `tasks/*`
 * request, task ids in a `subscriptions/listen` filter, or a shared store joined.
 */
import { MemoryTaskStore, type TaskStore } from "./task-store.js";

/** Server-wide settings of the tasks extension (the `tasks` option of `new FastMCP`). */
export interface TasksOptions {
  /** Where task state lives (default: a `MemoryTaskStore` of `maxTasks`). */
  store?: TaskStore;
  /** The most tasks the default in-memory store keeps (default 1000). */
  maxTasks?: number;
  /** How long a task is kept from its creation, in ms; null for no limit (default one hour). */
  ttlMs?: number | null;
  /** The polling interval suggested to clients, in ms (default 1000). */
  pollIntervalMs?: number;
}

/** The tasks options, checked, with their defaults. */
export interface TasksSettings {
  store: TaskStore;
  /** Whether the `store` option gave the store (a scaled-out server then keeps it). */
  givenStore: boolean;
  ttlMs: number | null;
  pollIntervalMs: number;
}

const DEFAULT_TTL_MS = 3_600_000;
const DEFAULT_POLL_INTERVAL_MS = 1000;

/** Checks the `tasks` option (a TypeError names what is wrong) and fills in the defaults. */
export function tasksSettings(options: TasksOptions = {}): TasksSettings {
  const ttlMs = options.ttlMs === undefined ? DEFAULT_TTL_MS : options.ttlMs;
  if (ttlMs !== null && !(Number.isInteger(ttlMs) && ttlMs > 0))
    throw new TypeError("tasks.ttlMs must be a positive integer (ms) or null");
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(Number.isInteger(pollIntervalMs) && pollIntervalMs > 0))
    throw new TypeError("tasks.pollIntervalMs must be a positive integer (ms)");
  const store =
    options.store ??
    new MemoryTaskStore(options.maxTasks === undefined ? {} : { maxTasks: options.maxTasks });
  return { store, givenStore: options.store !== undefined, ttlMs, pollIntervalMs };
}
