/** `logging()`: one line per request and per answer, to a logger (stderr by default). */
import { McpError } from "../errors.js";
import type { Middleware } from "../server/middleware.js";
import { requestTarget } from "./identity.js";

export interface LoggingOptions {
  /** Where lines go (default: stderr through console.error; never stdout, the stdio channel). */
  logger?: (line: string) => void;
  /** Also log request params and results, as JSON cut to `maxPayloadLength` (default false). */
  payloads?: boolean;
  /** Longest payload logged, in characters (default 1000). */
  maxPayloadLength?: number;
  /** Log client notifications too (default true). */
  notifications?: boolean;
}

function cut(value: unknown, max: number): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? "undefined";
  } catch {
    text = "[unserializable]";
  }
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}

/**
 * Logs a summary of every request and its outcome.
 *
 * @example
 * ```ts
 * mcp.use(logging({ payloads: true, maxPayloadLength: 200 }));
 * // [mcp] -> tools/call add {"name":"add","arguments":{"a":1,"b":2}}
 * // [mcp] <- tools/call add ok {"content":[{"type":"text","text":"3"}]}
 * ```
 */
export function logging(options: LoggingOptions = {}): Middleware {
  const log = options.logger ?? ((line: string) => console.error(line));
  const max = options.maxPayloadLength ?? 1000;
  const payloads = options.payloads === true;
  const middleware: Middleware = {
    name: "logging",
    async onRequest(ctx, next) {
      const target = requestTarget(ctx.params);
      const what = target === undefined ? ctx.method : `${ctx.method} ${target}`;
      log(`[mcp] -> ${what}${payloads ? ` ${cut(ctx.params, max)}` : ""}`);
      try {
        const result = await next();
        const outcome = result.isError === true ? "tool error" : "ok";
        log(`[mcp] <- ${what} ${outcome}${payloads ? ` ${cut(result, max)}` : ""}`);
        return result;
      } catch (error) {
        const detail =
          error instanceof McpError ? `error ${error.code} ${error.message}` : `failed ${String(error)}`;
        log(`[mcp] <- ${what} ${detail}`);
        throw error;
      }
    },
  };
  if (options.notifications !== false) {
    middleware.onNotification = (ctx, next) => {
      log(`[mcp] notification ${ctx.method}${payloads && ctx.params ? ` ${cut(ctx.params, max)}` : ""}`);
      return next();
    };
  }
  return middleware;
}
