/**
 * CORS, so that browser pages on other origins can call the server. Preflights are answered here,
 * before routing and auth (a browser sends them without credentials); every other reply to an
 * allowed origin says so and exposes the MCP headers a browser client must read.
 *
 * With the Host/Origin checks of guard.ts: an origin `cors` allows passes the Origin check too
 * (`cors: true` allows every origin, so any page the user visits may call the server). The Host
 * check still applies to everything, preflights included, and it is what stops DNS rebinding: a
 * rebound name arrives as a Host the server does not accept.
 */

import { errorReply, type HttpReply, type HttpRequestLike } from "./exchange.js";
import { corsAllowsOrigin, type HttpGuardOptions, hostAllowed } from "./guard.js";

/** How the server answers browsers on other origins. */
export interface CorsOptions {
  /**
   * Origins allowed to call the server (default `"*"`, every one): exact origins such as
   * `https://app.example.com` (compared case-insensitively), or a predicate given the Origin header.
   */
  origins?: readonly string[] | "*" | ((origin: string) => boolean);
  /** Request headers allowed besides the MCP ones (`content-type`, `authorization`, `mcp-*`, ...). */
  allowHeaders?: readonly string[];
  /** Response headers exposed besides `Mcp-Session-Id`, `MCP-Protocol-Version`, `WWW-Authenticate`. */
  exposeHeaders?: readonly string[];
  /** How long a browser may cache a preflight, in seconds (default 600; Chrome caps it at 7200). */
  maxAgeSec?: number;
  /** Let pages send cookies and HTTP auth (`Access-Control-Allow-Credentials: true`). */
  credentials?: boolean;
}

/** The `cors` option: `true` for every origin with the defaults, or the options. */
export type CorsSetting = boolean | CorsOptions;

const ALLOW_METHODS = "GET, POST, DELETE, OPTIONS";

/** What MCP clients send: the session and version headers, resumption, 2026-07-28 routing headers. */
const ALLOW_HEADERS = [
  "content-type",
  "authorization",
  "mcp-protocol-version",
  "mcp-session-id",
  "last-event-id",
  "mcp-method",
  "mcp-name",
] as const;

const EXPOSE_HEADERS = ["Mcp-Session-Id", "MCP-Protocol-Version", "WWW-Authenticate"] as const;

const DEFAULT_MAX_AGE_SEC = 600;

/** An `Mcp-Param-*` header name as a preflight may ask for it (a token: nothing to smuggle). */
const PARAM_HEADER = /^mcp-param-[a-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Wraps the app's handler with CORS. Only called when `cors` is set: a server without it keeps its
 * handler as it is and pays nothing.
 */
export function withCors(
  handle: (request: HttpRequestLike) => Promise<HttpReply>,
  setting: CorsSetting,
  guard: HttpGuardOptions,
): (request: HttpRequestLike) => Promise<HttpReply> {
  const options: CorsOptions = setting === true || setting === false ? {} : setting;
  const allowHeaders = [...ALLOW_HEADERS, ...(options.allowHeaders ?? []).map((h) => h.toLowerCase())];
  const maxAge = String(options.maxAgeSec ?? DEFAULT_MAX_AGE_SEC);
  // Computed once: every reply to an allowed origin carries these.
  const granted: Record<string, string> = {
    "access-control-expose-headers": [...EXPOSE_HEADERS, ...(options.exposeHeaders ?? [])].join(", "),
  };
  if (options.credentials) granted["access-control-allow-credentials"] = "true";

  const preflight = (request: HttpRequestLike, origin: string): HttpReply => {
    const host = request.header("host");
    if (!hostAllowed(host, guard.allowedHosts))
      return errorReply(403, -32000, `Forbidden: host ${host ?? "(none)"} is not allowed`);
    if (!corsAllowsOrigin(setting, origin))
      return errorReply(403, -32000, `Forbidden: origin ${origin} is not allowed`);
    const headers: Record<string, string> = {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOW_METHODS,
      "access-control-allow-headers": [...allowHeaders, ...requestedParams(request)].join(", "),
      "access-control-max-age": maxAge,
      vary: "Origin",
    };
    if (options.credentials) headers["access-control-allow-credentials"] = "true";
    // Chrome's Private Network Access: a public page calling a loopback or LAN server asks first.
    if (request.header("access-control-request-private-network") === "true")
      headers["access-control-allow-private-network"] = "true";
    return { status: 204, headers };
  };

  return async (request) => {
    const origin = request.header("origin");
    if (
      origin !== undefined &&
      request.method === "OPTIONS" &&
      request.header("access-control-request-method") !== undefined
    )
      return preflight(request, origin);
    const reply = await handle(request);
    // The reflected origin makes every reply depend on Origin, for caches too.
    // Object.assign rather than spreads, so that V8 keeps one hidden class (see withKey).
    const headers: Record<string, string> = Object.assign({}, reply.headers);
    if (origin !== undefined && corsAllowsOrigin(setting, origin)) {
      Object.assign(headers, granted);
      headers["access-control-allow-origin"] = origin;
    }
    const vary = reply.headers.vary;
    headers.vary = vary ? `${vary}, Origin` : "Origin";
    if ("attach" in reply) return { status: reply.status, headers, attach: (sink) => reply.attach(sink) };
    return reply.body === undefined
      ? { status: reply.status, headers }
      : { status: reply.status, headers, body: reply.body };
  };
}

/** The `Mcp-Param-*` headers a preflight asks for (tool arguments mirrored as headers). */
function requestedParams(request: HttpRequestLike): string[] {
  const asked = request.header("access-control-request-headers");
  if (!asked) return [];
  const names: string[] = [];
  for (const part of asked.split(",")) {
    const name = part.trim().toLowerCase();
    if (PARAM_HEADER.test(name)) names.push(name);
  }
  return names;
}
