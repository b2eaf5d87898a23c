/**
 * The OAuth proxy's HTTP vocabulary: OAuth error replies (RFC 6749 §5.2), redirects, HTML pages,
 * form and JSON bodies with a size limit, cookies.
 */
import {
  BodyTooLargeError,
  type HttpReply,
  type HttpRequestLike,
} from "../../../transports/http/exchange.js";

/** Endpoints a browser-based client calls with fetch (metadata, registration, token): any origin. */
export const PUBLIC_CORS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, mcp-protocol-version",
};

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

/** A JSON reply that no cache keeps (tokens, registrations, errors). */
export function oauthJson(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { "content-type": "application/json", ...NO_STORE, ...PUBLIC_CORS, ...headers },
    body: JSON.stringify(value),
  };
}

/** An OAuth error: `{ error, error_description }`. */
export function oauthError(
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
): HttpReply {
  return oauthJson(status, { error, error_description: description }, headers);
}

/** A 302 to `location`. */
export function redirect(location: string, headers: Record<string, string> = {}): HttpReply {
  return { status: 302, headers: { location, ...NO_STORE, ...headers }, body: "" };
}

/** Pages are never framed (clickjacking) and run no script. */
export function htmlPage(status: number, html: string, formTargets: string[] = []): HttpReply {
  const formAction = ["'self'", ...formTargets].join(" ");
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      ...NO_STORE,
      "x-frame-options": "DENY",
      "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action ${formAction}; base-uri 'none'`,
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
    body: html,
  };
}

/** Escapes text for HTML element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A page for an error the proxy cannot send back to a client (no trusted redirect URI). */
export function errorPage(status: number, error: string, description: string): HttpReply {
  return htmlPage(
    status,
    `<!doctype html><html><head><meta charset="utf-8"><title>Authorization error</title></head><body><h1>Authorization error</h1><p><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p></body></html>`,
  );
}

/** The preflight answer for the public endpoints. */
export function preflight(): HttpReply {
  return { status: 204, headers: { ...PUBLIC_CORS, "access-control-max-age": "600" } };
}

export type BodyResult<T> = { ok: true; value: T } | { ok: false; reply: HttpReply };

async function readText(request: HttpRequestLike, limit: number): Promise<BodyResult<string>> {
  try {
    return { ok: true, value: await request.text(limit) };
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return { ok: false, reply: oauthError(413, "invalid_request", `The body exceeds ${limit} bytes`) };
    return { ok: false, reply: oauthError(400, "invalid_request", "Could not read the request body") };
  }
}

/** An `application/x-www-form-urlencoded` body, each parameter at most once (RFC 6749 §3.2). */
export async function readForm(
  request: HttpRequestLike,
  limit: number,
): Promise<BodyResult<Map<string, string>>> {
  const type = (request.header("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/x-www-form-urlencoded"))
    return {
      ok: false,
      reply: oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded"),
    };
  const text = await readText(request, limit);
  if (!text.ok) return text;
  return singleValued(new URLSearchParams(text.value));
}

/** Query or form parameters, refusing a repeated one (RFC 6749 §3.1). */
export function singleValued(params: URLSearchParams): BodyResult<Map<string, string>> {
  const map = new Map<string, string>();
  for (const [name, value] of params) {
    if (map.has(name))
      return { ok: false, reply: oauthError(400, "invalid_request", `Parameter ${name} is repeated`) };
    map.set(name, value);
  }
  return { ok: true, value: map };
}

/** A JSON object body (registration). */
export async function readJsonObject(
  request: HttpRequestLike,
  limit: number,
  error: string,
): Promise<BodyResult<Record<string, unknown>>> {
  const type = (request.header("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/json"))
    return { ok: false, reply: oauthError(400, error, "Content-Type must be application/json") };
  const text = await readText(request, limit);
  if (!text.ok) return text;
  let value: unknown;
  try {
    value = JSON.parse(text.value);
  } catch {
    return { ok: false, reply: oauthError(400, error, "The body is not valid JSON") };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, reply: oauthError(400, error, "The body must be a JSON object") };
  return { ok: true, value: value as Record<string, unknown> };
}

/** One cookie's value from the Cookie header. */
export function cookie(request: HttpRequestLike, name: string): string | undefined {
  const header = request.header("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure on https, scoped to `path`. */
export function setCookie(
  name: string,
  value: string,
  options: { path: string; secure: boolean; maxAgeSec: number },
): string {
  return `${name}=${value}; Path=${options.path}; Max-Age=${options.maxAgeSec}; HttpOnly; SameSite=Lax${options.secure ? "; Secure" : ""}`;
}
