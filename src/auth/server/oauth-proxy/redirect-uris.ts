/**
 * Which redirect URIs a client may register, and when a requested one matches: exactly, except the
 * port of a loopback http URI (RFC 8252 §7.3, native apps listen on a port they pick at run time).
 */
import { isLoopback } from "../../../transports/http/guard.js";

/** Schemes that run or embed content instead of reaching a client. */
const FORBIDDEN_SCHEMES = new Set([
  "javascript:",
  "data:",
  "file:",
  "vbscript:",
  "about:",
  "blob:",
  "filesystem:",
]);

/** Why `uri` may not be a redirect URI, or undefined when it may. */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri.length === 0 || uri.length > 2000) return "must be a URL string";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "must be an absolute URL";
  }
  if (url.hash || uri.includes("#")) return "must not have a fragment";
  if (url.username || url.password) return "must not carry credentials";
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `the ${url.protocol} scheme is not allowed`;
  if (url.protocol === "http:" && !isLoopback(url.hostname))
    return "http is only allowed for loopback addresses (use https)";
  return undefined;
}

/** Whether `requested` matches one of `registered`. */
export function redirectUriMatches(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" || !isLoopback(url.hostname)) return false;
  return registered.some((entry) => {
    let candidate: URL;
    try {
      candidate = new URL(entry);
    } catch {
      return false;
    }
    if (candidate.protocol !== "http:" || candidate.hostname !== url.hostname) return false;
    candidate.port = url.port;
    return candidate.href === url.href;
  });
}
