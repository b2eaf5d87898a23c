/**
 * The shared store that lets several server instances act as one (`fastmcp-ts/redis` implements
 * it on Redis). It is a handful of primitives, each one atomic in the store; what the server keeps
 * there (legacy sessions, resumable event logs, tasks, per-session state, the requestState key,
 * OAuth proxy state) and the messages instances send each other are built on them once, in
 * src/stores/, so another backend only implements this interface.
 *
 * Keys and channels are given without the store's prefix; the store adds it. Values are strings
 * (the server stores JSON). Every key is written with a time to live, so nothing outlives its use
 * when an instance dies mid-flight.
 */
import { FastMCPError } from "../errors.js";

/** One entry of an append-only log. */
export interface LogEntry {
  /** Its position: 1 for the first entry ever appended to the log, then consecutive. */
  seq: number;
  value: string;
}

/**
 * A shared store. Every method rejects with a {@link StoreUnavailableError} while the store cannot
 * be reached (nothing is queued for later); callers fail the request that needed it.
 */
export interface Store {
  /** The value under `key`, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value` under `key` for `ttlMs`. With `ifAbsent`, only when nothing is there. Resolves
   * true when the value was written.
   */
  set(key: string, value: string, options: { ttlMs: number; ifAbsent?: boolean }): Promise<boolean>;
  /** Removes keys (of any kind: values, hashes, logs). */
  delete(...keys: string[]): Promise<void>;
  /** Reads and removes `key` in one atomic step: of concurrent takers exactly one gets the value. */
  take(key: string): Promise<string | undefined>;
  /** Sets a new time to live on `key` (of any kind); resolves false when the key does not exist. */
  expire(key: string, ttlMs: number): Promise<boolean>;

  /** One field of the hash under `key`. */
  hashGet(key: string, field: string): Promise<string | undefined>;
  /** Every field of the hash under `key` (empty when absent). */
  hashGetAll(key: string): Promise<Record<string, string>>;
  /** Sets one field, and the whole hash's time to live to `ttlMs`. */
  hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void>;
  hashDelete(key: string, field: string): Promise<void>;

  /**
   * Appends `value` to the log under `key` and resolves its seq. The log keeps its last
   * `maxLength` entries (older ones are trimmed) and lives `ttlMs` after its last append.
   */
  append(key: string, value: string, options: { maxLength: number; ttlMs: number }): Promise<number>;
  /**
   * The entries after `afterSeq`, in order (empty when there are none yet). Undefined when that
   * cannot be answered without a gap: the log does not exist (never written, expired or deleted),
   * `afterSeq` is past its last entry, or an entry after `afterSeq` was trimmed.
   */
  readAfter(key: string, afterSeq: number): Promise<LogEntry[] | undefined>;

  /** Sends `message` to every subscriber of `channel`, on every instance (this one included). */
  publish(channel: string, message: string): Promise<void>;
  /**
   * Calls `listener` with each message published to `channel` from now on (after the returned
   * promise resolves), in publish order. Messages published while the store is unreachable are
   * lost. Resolves a function that ends the subscription.
   */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;

  /** Ends the store's connections. */
  close(): Promise<void>;
}

/** A store operation failed because the store cannot be reached (a local error, never sent as is). */
export class StoreUnavailableError extends FastMCPError {
  override name = "StoreUnavailableError";
}

/** Whether `value` implements {@link Store} (for options that take a store). */
export function isStore(value: unknown): value is Store {
  if (typeof value !== "object" || value === null) return false;
  const store = value as Partial<Store>;
  return (
    typeof store.get === "function" &&
    typeof store.append === "function" &&
    typeof store.publish === "function" &&
    typeof store.subscribe === "function"
  );
}
