/**
 * Where the state of tasks (the tasks extension) lives: a small interface, and a bounded in-memory
 * default. The store holds what `tasks/get` answers; the running handler and its pending input
 * requests stay with the server instance that runs the task.
 */
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { type DetailedTask, TERMINAL_STATUSES } from "../../protocol/tasks.js";

/** A stored task: its wire state plus what the server needs to guard and expire it. */
export interface TaskRecord extends DetailedTask {
  /** A digest of the authenticated principal that created the task; only it may see the task. */
  owner?: string;
  /** When the task expires (ms since the epoch); absent for no limit. */
  expiresAt?: number;
}

/**
 * The state of tasks. Records are replaced whole, never mutated in place, so a shared store
 * (Redis, a database) can implement this with plain reads and writes.
 */
export interface TaskStore {
  /** Stores a new task. Throws (an McpError) when it cannot, e.g. when full. */
  create(record: TaskRecord): Promise<void>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  /** Replaces the record of a stored task; a task removed meanwhile stays removed. */
  update(record: TaskRecord): Promise<void>;
  delete(taskId: string): Promise<void>;
}

export interface MemoryTaskStoreOptions {
  /** The most tasks kept at once (default 1000). */
  maxTasks?: number;
}

/**
 * The default store: a map bounded by `maxTasks`. When full, expired tasks go first, then the
 * oldest finished ones; a store full of running tasks refuses new ones.
 */
export class MemoryTaskStore implements TaskStore {
  readonly maxTasks: number;
  private readonly tasks = new Map<string, TaskRecord>();

  constructor(options: MemoryTaskStoreOptions = {}) {
    const max = options.maxTasks ?? 1000;
    if (!(Number.isInteger(max) && max > 0)) throw new TypeError("maxTasks must be a positive integer");
    this.maxTasks = max;
  }

  /** How many tasks are stored. */
  get size(): number {
    return this.tasks.size;
  }

  async create(record: TaskRecord): Promise<void> {
    if (this.tasks.size >= this.maxTasks) this.makeRoom();
    if (this.tasks.size >= this.maxTasks) {
      throw new McpError(
        ErrorCode.InternalError,
        `Cannot create a task: ${this.maxTasks} tasks are already running on this server`,
      );
    }
    this.tasks.set(record.taskId, record);
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.tasks.get(taskId);
  }

  async update(record: TaskRecord): Promise<void> {
    if (this.tasks.has(record.taskId)) this.tasks.set(record.taskId, record);
  }

  async delete(taskId: string): Promise<void> {
    this.tasks.delete(taskId);
  }

  private makeRoom(): void {
    const now = Date.now();
    for (const [id, record] of this.tasks) {
      if (record.expiresAt !== undefined && record.expiresAt <= now) this.tasks.delete(id);
    }
    if (this.tasks.size < this.maxTasks) return;
    // Insertion order is creation order: the first finished task found is the oldest one.
    for (const [id, record] of this.tasks) {
      if (TERMINAL_STATUSES.has(record.status)) {
        this.tasks.delete(id);
        return;
      }
    }
  }
}
