/**
 * The state of tasks in a shared {@link Store}, so that `tasks/get` answers on every instance.
 */
import type { TaskRecord, TaskStore } from "../server/tasks/task-store.js";
import type { Store } from "./store.js";

/** The namespace of task records in the store. */
const PREFIX = "task:";

/** Options of {@link SharedTaskStore}. */
export interface SharedTaskStoreOptions {
  /**
   * How long a task without `expiresAt` is kept (default 24 hours): every key of a shared store has
   * a time to live, so a task outlives no instance forever.
   */
  defaultTtlMs?: number;
}

/**
 * A {@link TaskStore} on any {@link Store}: each record as JSON under `task:<taskId>`, living until
 * its `expiresAt` (or `defaultTtlMs` when it has none).
 *
 * `update` replaces a record only while it exists, checked just before the write: a task deleted
 * by another instance in between those two steps is written again (until its time to live ends).
 *
 * @example
 * ```ts
 * import { RedisStore, SharedTaskStore } from "fastmcp-ts/redis";
 * const tasks = new SharedTaskStore(new RedisStore({ url }));
 * ```
 */
export class SharedTaskStore implements TaskStore {
  private readonly defaultTtlMs: number;

  constructor(
    private readonly store: Store,
    options: SharedTaskStoreOptions = {},
  ) {
    const ttl = options.defaultTtlMs ?? 86_400_000;
    if (!(Number.isFinite(ttl) && ttl > 0))
      throw new TypeError("SharedTaskStore: defaultTtlMs must be positive");
    this.defaultTtlMs = ttl;
  }

  async create(record: TaskRecord): Promise<void> {
    await this.store.set(PREFIX + record.taskId, JSON.stringify(record), { ttlMs: this.ttlOf(record) });
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const text = await this.store.get(PREFIX + taskId);
    if (text === undefined) return undefined;
    let record: TaskRecord;
    try {
      record = JSON.parse(text) as TaskRecord;
    } catch {
      return undefined;
    }
    // Another writer's value under our key is no task of ours.
    if (typeof record !== "object" || record === null || record.taskId !== taskId) return undefined;
    return record;
  }

  async update(record: TaskRecord): Promise<void> {
    // Extends nothing: only tells whether the task still exists (a removed task stays removed).
    if ((await this.store.get(PREFIX + record.taskId)) === undefined) return;
    await this.store.set(PREFIX + record.taskId, JSON.stringify(record), { ttlMs: this.ttlOf(record) });
  }

  async delete(taskId: string): Promise<void> {
    await this.store.delete(PREFIX + taskId);
  }

  /** Until `expiresAt` (at least 1 ms: an expired task goes at once), else the default. */
  private ttlOf(record: TaskRecord): number {
    if (record.expiresAt === undefined) return this.defaultTtlMs;
    return Math.max(1, record.expiresAt - Date.now());
  }
}
