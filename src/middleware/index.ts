/**
 * `fastmcp-ts/middleware`: the Middleware types and the built-in middleware.
 *
 * @example
 * ```ts
 * import { FastMCP } from "fastmcp-ts";
 * import { errorHandling, rateLimit, timing } from "fastmcp-ts/middleware";
 *
 * const mcp = new FastMCP("Demo");
 * mcp.use(errorHandling(), timing(), rateLimit({ perSecond: 10, burst: 20 }));
 * ```
 *
 * @module fastmcp-ts/middleware
 */

export type {
  CallToolContext,
  GetPromptContext,
  Middleware,
  MiddlewareContext,
  MiddlewareServer,
  Next,
  NotificationContext,
  ReadResourceContext,
} from "../server/middleware.js";
export { type ErrorHandlingOptions, errorHandling } from "./error-handling.js";
export { callerIdentity } from "./identity.js";
export { type LoggingOptions, logging } from "./logging.js";
export { RATE_LIMITED, type RateLimitOptions, rateLimit } from "./rate-limit.js";
export {
  type CacheableMethod,
  type ResponseCache,
  type ResponseCacheOptions,
  responseCache,
} from "./response-cache.js";
export { type ResponseLimitOptions, responseLimit } from "./response-limit.js";
export { type TelemetryOptions, type TelemetryTracer, telemetry } from "./telemetry.js";
export { type TimingEvent, type TimingOptions, timing } from "./timing.js";
