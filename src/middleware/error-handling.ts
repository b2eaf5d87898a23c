/** `errorHandling()`: reports failures and turns unexpected exceptions into a clean -32603. */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import type { Middleware, MiddlewareContext } from "../server/middleware.js";

export interface ErrorHandlingOptions {
  /** Told of every error a request ends in (McpErrors included); default: unexpected ones go to stderr. */
  onError?: (error: unknown, ctx: MiddlewareContext) => void;
  /**
   * Send "Internal error" alone, without the exception's message (default true: an unexpected
   * exception's message may carry internals, a path or a query).
   */
  maskDetails?: boolean;
  /** Maps an error to the McpError to answer with; return undefined to keep the default handling. */
  transform?: (error: unknown, ctx: MiddlewareContext) => McpError | undefined;
}

/**
 * Catches what the rest of the chain and the handler throw: each error is reported to `onError`;
 * McpErrors go out as they are; anything else becomes error -32603 with no stack or cause.
 * Put it first in `use()` so it sees what every later middleware throws.
 *
 * @example
 * ```ts
 * mcp.use(errorHandling({ onError: (error, ctx) => sentry.capture(error, { method: ctx.method }) }));
 * ```
 */
export function errorHandling(options: ErrorHandlingOptions = {}): Middleware {
  const mask = options.maskDetails ?? true;
  const report =
    options.onError ??
    ((error: unknown, ctx: MiddlewareContext) => {
      if (!(error instanceof McpError)) console.error(`[fastmcp-ts] ${ctx.method} failed:`, error);
    });
  return {
    name: "errorHandling",
    async onRequest(ctx, next) {
      try {
        return await next();
      } catch (error) {
        try {
          report(error, ctx);
        } catch (failure) {
          console.error("[fastmcp-ts] errorHandling: onError threw:", failure);
        }
        const mapped = options.transform?.(error, ctx);
        if (mapped) throw mapped;
        if (error instanceof McpError) throw error;
        const detail = !mask && error instanceof Error && error.message ? `: ${error.message}` : "";
        throw new McpError(ErrorCode.InternalError, `Internal error${detail}`);
      }
    },
  };
}
