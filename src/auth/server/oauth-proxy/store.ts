/**
 * Where the OAuth proxy keeps its state: client registrations, pending authorizations, codes,
 * tokens and grants. A small async key-value interface with TTLs and an atomic take, so a shared
 * store (Redis: `SET key value PX ttl`, `GETDEL key`) can replace the bounded in-memory default
 * and any instance can finish a flow another one started.
 */

/**
 * The proxy's state store. Values are JSON (a shared store serializes them); keys are
 * `namespace:id` strings (`client:…`, `txn:…`, `code:…`, `token:…`, `grant:…`).
 */
export interface OAuthProxyStore {
  /** The value under `key`, or undefined when absent or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing what was there. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Reads and removes `key` in one atomic step: of concurrent takers exactly one gets the value.
   * Single-use codes and refresh tokens depend on it.
   */
  take<T = unknown>(key: string): Promise<T | undefined>;
}

/** Options of {@link MemoryOAuthProxyStore}. */
export interface MemoryOAuthProxyStoreOptions {
  /**
   * Most entries kept per namespace (the part of the key before the first `:`), default 10000.
   * Past it the oldest entry of that namespace goes: a flood of registrations cannot grow memory
   * without bound, nor push out pending codes or tokens.
   */
  maxEntriesPerNamespace?: number;
  /** Expired entries are swept on writes, at most this often, in ms (default 60000); no timer runs. */
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** The default store: one process's memory, bounded per namespace, expired entries swept. */
export class MemoryOAuthProxyStore implements OAuthProxyStore {
  private readonly namespaces = new Map<string, Map<string, Entry>>();
  private readonly maxPerNamespace: number;
  private readonly sweepIntervalMs: number;
  private lastSweep = Date.now();

  constructor(options: MemoryOAuthProxyStoreOptions = {}) {
    this.maxPerNamespace = options.maxEntriesPerNamespace ?? 10_000;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (!(this.maxPerNamespace >= 1)) throw new TypeError("maxEntriesPerNamespace must be at least 1");
  }

  /** How many live entries a namespace holds (for monitoring and tests). */
  size(namespace: string): number {
    this.sweep(true);
    return this.namespaces.get(namespace)?.size ?? 0;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.live(key);
    // Stored as JSON text: callers get a copy, as they would from a shared store.
    return entry ? (JSON.parse(entry.value) as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.sweep(false);
    const [namespace, id] = split(key);
    let entries = this.namespaces.get(namespace);
    if (!entries) {
      entries = new Map();
      this.namespaces.set(namespace, entries);
    }
    entries.delete(id);
    while (entries.size >= this.maxPerNamespace) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
    entries.set(id, { value: JSON.stringify(value), expiresAt: Date.now() + Math.max(0, ttlMs) });
  }

  async delete(key: string): Promise<void> {
    const [namespace, id] = split(key);
    this.namespaces.get(namespace)?.delete(id);
  }

  async take<T = unknown>(key: string): Promise<T | undefined> {
    // Synchronous between the read and the delete: nothing else runs in between.
    const entry = this.live(key);
    if (!entry) return undefined;
    const [namespace, id] = split(key);
    this.namespaces.get(namespace)?.delete(id);
    return JSON.parse(entry.value) as T;
  }

  private live(key: string): Entry | undefined {
    const [namespace, id] = split(key);
    const entries = this.namespaces.get(namespace);
    const entry = entries?.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries?.delete(id);
      return undefined;
    }
    return entry;
  }

  /** Drops expired entries, at most once per interval unless forced. */
  private sweep(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    for (const entries of this.namespaces.values())
      for (const [id, entry] of entries) if (entry.expiresAt <= now) entries.delete(id);
  }
}

function split(key: string): [string, string] {
  const at = key.indexOf(":");
  return at < 0 ? ["", key] : [key.slice(0, at), key.slice(at + 1)];
}
