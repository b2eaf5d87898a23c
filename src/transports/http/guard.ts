/**
 * Checks every HTTP transport runs before anything else: Host and Origin against DNS rebinding,
 * and the bearer token when the server has a verifier.
 */
import { authenticate, type TokenVerifier } from "../../auth/server/core.js";
import type { AuthInfo } from "../../auth/types.js";
import type { CorsSetting } from "./cors.js";
import { errorReply, type HttpReply, type HttpRequestLike } from "./exchange.js";

export interface HttpGuardOptions {
  /**
   * Accepted `Host` header values (`name` accepts any port, `name:port` only that one). Set by
   * default for loopback binds to localhost, 127.0.0.1 and [::1]; undefined accepts any host.
   */
  allowedHosts?: string[];
  /**
   * Accepted `Origin` values; `"*"` accepts any. By default an Origin must match the request's own
   * host (same origin), or be a loopback origin when the host is one.
   */
  allowedOrigins?: string[] | "*";
  /**
   * Answer browsers on other origins (`listen`, `run`, `webHandler`, `nodeListener`): preflights,
   * and `Access-Control-*` headers on the replies. The origins it allows pass the Origin check too,
   * on every transport (WebSocket upgrades included); the Host check still applies. Off by default.
   *
   * @example
   * ```ts
   * await mcp.listen({ cors: { origins: ["https://app.example.com"] } });
   * ```
   */
  cors?: CorsSetting;
  /**
   * The RFC 9728 metadata URL named in 401/403 challenges (`resource_metadata`). The HTTP app sets
   * it from an AuthProvider such as RemoteAuthProvider; give it for a verifier whose metadata is
   * published elsewhere.
   */
  resourceMetadataUrl?: string;
}

export const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/** An IPv4 address in 127.0.0.0/8, as a dotted quad of decimal octets (no leading zeros, 0-255). */
const LOOPBACK_IPV4 = /^127(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

/**
 * Whether a host name (no port) is a loopback one: `localhost`, `::1` / `[::1]`, or an IPv4
 * address in 127.0.0.0/8 (`127.evil.com` is a DNS name, not loopback). Undefined (no Host header)
 * counts as loopback.
 */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return true;
  const name = host.toLowerCase();
  return name === "localhost" || name === "::1" || name === "[::1]" || LOOPBACK_IPV4.test(name);
}

function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Whether `host` (a Host header) is one of `allowed`; every host when `allowed` is undefined. Runs
 * on every request: a loop without a callback or allocation.
 */
export function hostAllowed(host: string | undefined, allowed: string[] | undefined): boolean {
  if (!allowed) return true;
  if (!host) return false;
  // Both are lower case as a rule: compared as they are first (toLowerCase makes a new string even
  // when nothing changes), and lower-cased only when that finds no match.
  return hostInList(host, allowed, false) || hostInList(host.toLowerCase(), allowed, true);
}

const COLON = 58;

function hostInList(host: string, allowed: string[], lower: boolean): boolean {
  for (const entry of allowed) {
    const wanted = lower ? entry.toLowerCase() : entry;
    if (wanted === host) return true;
    // An entry with a port matches only as it is; one without matches the name before any port,
    // compared in place (slicing the name out would allocate on every request).
    if (wanted.startsWith("[") ? !wanted.endsWith("]") : wanted.includes(":")) continue;
    if (host.startsWith(wanted) && host.charCodeAt(wanted.length) === COLON) return true;
  }
  return false;
}

function originAllowed(
  origin: string,
  host: string | undefined,
  allowed: string[] | "*" | undefined,
): boolean {
  if (allowed === "*") return true;
  if (allowed) return allowed.includes(origin);
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (host && url.host.toLowerCase() === host.toLowerCase()) return true;
  return (
    isLoopback(host ? hostName(host) : undefined) &&
    LOOPBACK_HOSTS.includes(url.hostname.toLowerCase().replace(/^::1$/, "[::1]"))
  );
}

/** Whether the `cors` option allows `origin` (no origin when CORS is off). */
export function corsAllowsOrigin(cors: CorsSetting | undefined, origin: string): boolean {
  if (!cors) return false;
  const origins = cors === true ? "*" : (cors.origins ?? "*");
  if (origins === "*") return true;
  if (typeof origins === "function") return origins(origin);
  const wanted = origin.toLowerCase();
  return origins.some((entry) => entry.toLowerCase().replace(/\/$/, "") === wanted);
}

export type GuardOutcome = { reply: HttpReply } | { auth: AuthInfo | undefined };

/** The outcome of every request that passes without a verifier. */
const ANONYMOUS: GuardOutcome = Object.freeze({ auth: undefined });

/**
 * A rejection to send, or the verified identity (undefined without a verifier). Only a verifier
 * makes it wait: without one the outcome is there at once.
 */
export function guardRequest(
  request: HttpRequestLike,
  options: HttpGuardOptions,
  verifier: TokenVerifier | undefined,
): GuardOutcome | Promise<GuardOutcome> {
  const host = request.header("host");
  if (!hostAllowed(host, options.allowedHosts)) {
    return { reply: errorReply(403, -32000, `Forbidden: host ${host ?? "(none)"} is not allowed`) };
  }
  const origin = request.header("origin");
  if (
    origin !== undefined &&
    !originAllowed(origin, host, options.allowedOrigins) &&
    !corsAllowsOrigin(options.cors, origin)
  ) {
    return { reply: errorReply(403, -32000, `Forbidden: origin ${origin} is not allowed`) };
  }
  if (!verifier) return ANONYMOUS;
  return authenticate(verifier, request.header("authorization"), options.resourceMetadataUrl).then(
    (outcome): GuardOutcome =>
      outcome.ok
        ? { auth: outcome.auth }
        : {
            reply: errorReply(outcome.status, -32000, outcome.message, null, {
              "www-authenticate": outcome.challenge,
            }),
          },
  );
}
