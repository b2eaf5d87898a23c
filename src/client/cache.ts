/**
 * The client's cache of 2026-07-28 cacheable results (lists, reads, discover): each result is fresh
 * for its `ttlMs`, and change notifications invalidate what they concern.
 */
import { CACHEABLE_METHODS } from "../protocol/methods.js";
import type { JSONRPCNotification, Result } from "../protocol/types.js";

const INVALIDATES: Record<string, string[]> = {
  "notifications/tools/list_changed": ["tools/list"],
  "notifications/prompts/list_changed": ["prompts/list"],
  "notifications/resources/list_changed": ["resources/list", "resources/templates/list"],
};

export class ResultCache {
  private readonly entries = new Map<string, { result: Result; expires: number }>();

  get size(): number {
    return this.entries.size;
  }

  /** The cache key of a request, or undefined when its result may not be cached. */
  key(method: string, params: Record<string, unknown>): string | undefined {
    if (!CACHEABLE_METHODS.has(method)) return undefined;
    // Retries of input-required rounds depend on inputs outside the key: never cached.
    if (params.inputResponses !== undefined || params.requestState !== undefined) return undefined;
    return `${method}\u0000${String(params.cursor ?? params.uri ?? "")}`;
  }

  get(key: string, now = Date.now()): Result | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires > now) return entry.result;
    this.entries.delete(key);
    return undefined;
  }

  /** Stores a complete result with a positive `ttlMs`. */
  set(key: string, result: Result, now = Date.now()): void {
    const ttl = typeof result.ttlMs === "number" ? result.ttlMs : 0;
    if (ttl <= 0 || (result.resultType !== undefined && result.resultType !== "complete")) return;
    this.entries.set(key, { result, expires: now + ttl });
  }

  /** Drops what a change notification makes stale. */
  invalidate(notification: JSONRPCNotification): void {
    const methods = INVALIDATES[notification.method];
    if (methods) {
      for (const key of [...this.entries.keys()]) {
        if (methods.some((method) => key.startsWith(`${method}\u0000`))) this.entries.delete(key);
      }
    } else if (notification.method === "notifications/resources/updated") {
      this.entries.delete(`resources/read\u0000${String(notification.params?.uri ?? "")}`);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
