/** `timing()`: how long each request takes, reported to a callback or logged to stderr. */
import type { Middleware } from "../server/middleware.js";
import { requestTarget } from "./identity.js";

/** One timed request. */
export interface TimingEvent {
  method: string;
  /** The tool or prompt name, or the resource URI, when the request has one. */
  target: string | undefined;
  durationMs: number;
  /** False when the request ended in a JSON-RPC error (a tool's `isError` result counts as ok). */
  ok: boolean;
  transport: string;
}

export interface TimingOptions {
  /** Receives every timing; when absent, each one is logged through `logger`. */
  onTiming?: (event: TimingEvent) => void;
  /** Where lines go when there is no `onTiming` (default: stderr through console.error, never stdout). */
  logger?: (line: string) => void;
  /** The clock, in ms (default `performance.now`). */
  now?: () => number;
}

/**
 * Times every request (from entering this middleware to its answer).
 *
 * @example
 * ```ts
 * mcp.use(timing({ onTiming: (t) => metrics.observe(t.method, t.durationMs) }));
 * ```
 */
export function timing(options: TimingOptions = {}): Middleware {
  const now = options.now ?? (() => performance.now());
  const logger = options.logger ?? ((line: string) => console.error(line));
  const report =
    options.onTiming ??
    ((event: TimingEvent) =>
      logger(
        `[timing] ${event.method}${event.target ? ` ${event.target}` : ""} ${event.durationMs.toFixed(1)}ms${event.ok ? "" : " (failed)"}`,
      ));
  return {
    name: "timing",
    async onRequest(ctx, next) {
      const start = now();
      let ok = false;
      try {
        const result = await next();
        ok = true;
        return result;
      } finally {
        report({
          method: ctx.method,
          target: requestTarget(ctx.params),
          durationMs: now() - start,
          ok,
          transport: ctx.transport,
        });
      }
    },
  };
}
