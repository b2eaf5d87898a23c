/** `responseCache()`: answers repeated list, read and read-only tool calls from memory for a while. */
import type { Result } from "../protocol/types.js";
import type { Middleware, MiddlewareContext, MiddlewareServer } from "../server/middleware.js";
import { callerIdentity } from "./identity.js";

/** The methods `responseCache` can cache. */
export type CacheableMethod =
  | "tools/list"
  | "resources/list"
  | "resources/templates/list"
  | "prompts/list"
  | "resources/read"
  | "prompts/get"
  | "tools/call";

const DEFAULT_METHODS: readonly CacheableMethod[] = [
  "tools/list",
  "resources/list",
  "resources/templates/list",
  "prompts/list",
  "resources/read",
  "tools/call",
];

export interface ResponseCacheOptions {
  /** How long an answer is reused, in ms. */
  ttlMs: number;
  /**
   * What to cache (default: the four lists, `resources/read`, and `tools/call` of tools annotated
   * `readOnlyHint: true`; `prompts/get` on request). Other tools are never cached.
   */
  methods?: readonly CacheableMethod[];
  /** The most answers kept; the least recently used goes first (default 1000). */
  maxEntries?: number;
  /** Whose cache a request uses (default: the client identity, else the session, else shared). */
  key?: (ctx: MiddlewareContext) => string;
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
}

/** The `responseCache` middleware, with its counters. */
export interface ResponseCache extends Middleware {
  readonly stats: { hits: number; misses: number; size: number };
  /** Drops every cached answer. */
  clear(): void;
}

interface Cached {
  result: Result;
  expires: number;
}

/** JSON with sorted keys, so `{a, b}` and `{b, a}` share an entry; `_meta` is left out. */
function stableKey(value: unknown, top = true): string {
  if (Array.isArray(value)) return `[${value.map((item) => stableKey(item, false)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => !(top && key === "_meta") && record[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${stableKey(record[key], false)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Caches answers per caller (the key holds the identity, era, method and params), drops them all
 * when a tool, resource or prompt list changes, and keeps at most `maxEntries`. Errors, tool
 * `isError` results and interim 2026-07-28 results are never cached.
 *
 * @example
 * ```ts
 * mcp.use(responseCache({ ttlMs: 30_000 }));
 * mcp.tool("weather", { annotations: { readOnlyHint: true } }, ({ city }) => lookup(city));
 * ```
 */
export function responseCache(options: ResponseCacheOptions): ResponseCache {
  const { ttlMs } = options;
  if (!(ttlMs > 0)) throw new TypeError("responseCache needs ttlMs > 0");
  const methods = new Set<string>(options.methods ?? DEFAULT_METHODS);
  const maxEntries = options.maxEntries ?? 1000;
  const identity = options.key ?? callerIdentity;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Cached>();
  const stats = { hits: 0, misses: 0, size: 0 };
  let server: MiddlewareServer | undefined;
  const clear = () => {
    entries.clear();
    stats.size = 0;
  };

  const cacheable = (ctx: MiddlewareContext): boolean => {
    if (!methods.has(ctx.method)) return false;
    if (ctx.method !== "tools/call") return true;
    const name = ctx.params.name;
    return typeof name === "string" && server?.tool(name)?.annotations?.readOnlyHint === true;
  };

  return {
    name: "responseCache",
    stats,
    clear,
    setup(view) {
      server = view;
      view.onListChanged(clear);
    },
    async onRequest(ctx, next) {
      if (!cacheable(ctx)) return next();
      const key = `${identity(ctx)}\0${ctx.protocolVersion}\0${ctx.method}\0${stableKey(ctx.params)}`;
      const time = now();
      const hit = entries.get(key);
      if (hit && hit.expires > time) {
        stats.hits++;
        entries.delete(key);
        entries.set(key, hit);
        // A copy: the server adds per-answer fields to the object it sends.
        return { ...hit.result };
      }
      if (hit) entries.delete(key);
      stats.misses++;
      const result = await next();
      const complete = result.resultType === undefined || result.resultType === "complete";
      if (complete && result.isError !== true) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
        entries.set(key, { result: { ...result }, expires: time + ttlMs });
      }
      stats.size = entries.size;
      return result;
    },
  };
}
