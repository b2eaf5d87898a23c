/** `rateLimit()`: a token bucket per client; past the burst, JSON-RPC error -32000. */
import { McpError } from "../errors.js";
import type { Middleware, MiddlewareContext } from "../server/middleware.js";
import { callerIdentity } from "./identity.js";

export interface RateLimitOptions {
  /** Tokens added per second (the sustained rate). */
  perSecond: number;
  /** The bucket's size: requests allowed at once after a quiet spell (default `perSecond`). */
  burst?: number;
  /** Whose bucket a request draws from (default: the client identity, else the session, else one shared bucket). */
  key?: (ctx: MiddlewareContext) => string;
  /** The most buckets kept; the least recently used goes first (default 10000). */
  maxKeys?: number;
  /** The clock, in ms (default `Date.now`). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** The code of a rate-limited request (the JSON-RPC implementation-defined server error). */
export const RATE_LIMITED = -32000;

/**
 * Limits each client to `perSecond` requests a second with bursts of `burst`. Buckets are kept in
 * least-recently-used order and capped at `maxKeys`, so a flood of identities cannot grow memory;
 * an evicted bucket was idle longest and starts again full.
 *
 * @example
 * ```ts
 * mcp.use(rateLimit({ perSecond: 5, burst: 10 }));
 * ```
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  const { perSecond } = options;
  const burst = options.burst ?? perSecond;
  if (!(perSecond > 0) || !(burst >= 1)) throw new TypeError("rateLimit needs perSecond > 0 and burst >= 1");
  const key = options.key ?? callerIdentity;
  const maxKeys = options.maxKeys ?? 10_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  return {
    name: "rateLimit",
    onRequest(ctx, next) {
      const id = key(ctx);
      const time = now();
      let bucket = buckets.get(id);
      if (bucket) {
        buckets.delete(id);
        bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.at) / 1000) * perSecond);
        bucket.at = time;
      } else {
        bucket = { tokens: burst, at: time };
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
      }
      buckets.set(id, bucket);
      if (bucket.tokens < 1) {
        const retryAfterMs = Math.ceil(((1 - bucket.tokens) / perSecond) * 1000);
        return Promise.reject(
          new McpError(RATE_LIMITED, `Too many requests: rate limit exceeded, retry in ${retryAfterMs} ms`, {
            retryAfterMs,
          }),
        );
      }
      bucket.tokens -= 1;
      return next();
    },
  };
}
