/**
 * The reference implementation of the Store contract in one process's memory: several servers
 * given the same MemoryStore act as instances sharing one Redis. Tests use it for cross-instance
 * behaviour without a Redis server; the contract test runs it beside RedisStore.
 */
import type { LogEntry, Store } from "../../src/stores/store.js";
import { StoreUnavailableError } from "../../src/stores/store.js";

interface Held {
  kind: "value" | "hash" | "log";
  value?: string;
  hash?: Map<string, string>;
  log?: { next: number; entries: LogEntry[] };
  expiresAt: number;
}

export class MemoryStore implements Store {
  private readonly data = new Map<string, Held>();
  private readonly channels = new Map<string, Set<(message: string) => void>>();
  /** While true every operation rejects, as a store that cannot be reached does. */
  down = false;
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Live keys (for tests that check nothing is left behind). */
  keys(): string[] {
    const now = this.now();
    return [...this.data.entries()].filter(([, held]) => held.expiresAt > now).map(([key]) => key);
  }

  private check(): void {
    if (this.down) throw new StoreUnavailableError("Store unavailable (MemoryStore.down)");
  }

  private live(key: string, kind: Held["kind"]): Held | undefined {
    const held = this.data.get(key);
    if (!held) return undefined;
    if (held.expiresAt <= this.now()) {
      this.data.delete(key);
      return undefined;
    }
    if (held.kind !== kind) throw new Error(`WRONGTYPE: ${key} holds a ${held.kind}`);
    return held;
  }

  async get(key: string): Promise<string | undefined> {
    this.check();
    return this.live(key, "value")?.value;
  }

  async set(key: string, value: string, options: { ttlMs: number; ifAbsent?: boolean }): Promise<boolean> {
    this.check();
    if (options.ifAbsent && this.live(key, "value")) return false;
    this.data.set(key, { kind: "value", value, expiresAt: this.now() + options.ttlMs });
    return true;
  }

  async delete(...keys: string[]): Promise<void> {
    this.check();
    for (const key of keys) this.data.delete(key);
  }

  async take(key: string): Promise<string | undefined> {
    this.check();
    const held = this.live(key, "value");
    if (held) this.data.delete(key);
    return held?.value;
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    this.check();
    const held = this.data.get(key);
    if (!held || held.expiresAt <= this.now()) return false;
    held.expiresAt = this.now() + ttlMs;
    return true;
  }

  async hashGet(key: string, field: string): Promise<string | undefined> {
    this.check();
    return this.live(key, "hash")?.hash?.get(field);
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    this.check();
    return Object.fromEntries(this.live(key, "hash")?.hash ?? []);
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    this.check();
    const held = this.live(key, "hash") ?? { kind: "hash" as const, hash: new Map(), expiresAt: 0 };
    held.hash?.set(field, value);
    held.expiresAt = this.now() + ttlMs;
    this.data.set(key, held);
  }

  async hashDelete(key: string, field: string): Promise<void> {
    this.check();
    const held = this.live(key, "hash");
    held?.hash?.delete(field);
    if (held?.hash?.size === 0) this.data.delete(key);
  }

  async append(key: string, value: string, options: { maxLength: number; ttlMs: number }): Promise<number> {
    this.check();
    const held = this.live(key, "log") ?? {
      kind: "log" as const,
      log: { next: 1, entries: [] },
      expiresAt: 0,
    };
    const log = held.log as { next: number; entries: LogEntry[] };
    const seq = log.next++;
    log.entries.push({ seq, value });
    if (log.entries.length > options.maxLength) log.entries.splice(0, log.entries.length - options.maxLength);
    held.expiresAt = this.now() + options.ttlMs;
    this.data.set(key, held);
    return seq;
  }

  async readAfter(key: string, afterSeq: number): Promise<LogEntry[] | undefined> {
    this.check();
    const log = this.live(key, "log")?.log;
    if (!log) return undefined;
    const last = log.next - 1;
    const first = log.entries[0]?.seq ?? log.next;
    if (afterSeq > last || afterSeq < first - 1) return undefined;
    return log.entries.filter((entry) => entry.seq > afterSeq).map((entry) => ({ ...entry }));
  }

  async publish(channel: string, message: string): Promise<void> {
    this.check();
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    // Delivered after the publisher's turn, as a network hop would be, and in publish order.
    for (const listener of [...listeners]) queueMicrotask(() => listener(message));
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    this.check();
    const wrapped = (message: string) => {
      if (!this.down) listener(message);
    };
    const listeners = this.channels.get(channel) ?? new Set<(message: string) => void>();
    this.channels.set(channel, listeners);
    listeners.add(wrapped);
    return async () => {
      listeners.delete(wrapped);
      if (listeners.size === 0) this.channels.delete(channel);
    };
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}
