/** `responseLimit()`: a tool result larger than a limit becomes an `isError` result saying so. */
import type { CallToolResult } from "../protocol/types.js";
import type { Middleware } from "../server/middleware.js";

export interface ResponseLimitOptions {
  /** The largest tool result allowed, in bytes of its JSON (UTF-8). */
  maxBytes: number;
  /** Only these tools (default: every tool). */
  tools?: string[];
}

const encoder = new TextEncoder();

/**
 * Caps the size of tool results, so one tool cannot flood the model's context or the transport.
 *
 * @example
 * ```ts
 * mcp.use(responseLimit({ maxBytes: 100_000 }));
 * ```
 */
export function responseLimit(options: ResponseLimitOptions): Middleware {
  const { maxBytes } = options;
  if (!(maxBytes > 0)) throw new TypeError("responseLimit needs maxBytes > 0");
  const only = options.tools ? new Set(options.tools) : undefined;
  return {
    name: "responseLimit",
    async onCallTool(ctx, next) {
      const result = await next();
      if (only && !only.has(ctx.name)) return result;
      // Interim 2026-07-28 results (input_required, a task handle) are not the tool's output.
      if (result.resultType !== undefined && result.resultType !== "complete") return result;
      const size = encoder.encode(JSON.stringify(result)).length;
      if (size <= maxBytes) return result;
      return {
        content: [
          {
            type: "text",
            text: `The result of tool ${ctx.name} is too large: ${size} bytes, over the limit of ${maxBytes} bytes`,
          },
        ],
        isError: true,
      } satisfies CallToolResult;
    },
  };
}
