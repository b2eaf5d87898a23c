/**
 * OAuth discovery for an MCP client: where to get a token for a server. Reads the server's
 * `WWW-Authenticate` challenge, its RFC 9728 protected-resource metadata (the challenge's
 * `resource_metadata`, then the well-known URLs), and the RFC 8414 / OpenID Connect metadata of its
 * authorization server. Shared by every client auth provider that has to find a token endpoint.
 */
import { ClientError } from "../../errors.js";
import { readLimited } from "./read-limited.js";

/** RFC 9728 protected-resource metadata, as a client reads it. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers?: string[];
  scopes_supported?: string[];
  [field: string]: unknown;
}

/** RFC 8414 authorization-server metadata (or an OpenID provider configuration), as a client reads it. */
export interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint?: string;
  authorization_endpoint?: string;
  registration_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  token_endpoint_auth_signing_alg_values_supported?: string[];
  grant_types_supported?: string[];
  scopes_supported?: string[];
  [field: string]: unknown;
}

/** What discovery found for one MCP server. */
export interface DiscoveredAuthorization {
  /** The resource indicator to send (RFC 8707): the metadata's `resource`, exactly as published. */
  resource: string;
  /** The protected-resource metadata, or undefined when the server publishes none. */
  protectedResource: ProtectedResourceMetadata | undefined;
  authorizationServer: AuthorizationServerMetadata;
}

/** A failed discovery step: names the URL, never a credential. */
export class DiscoveryError extends ClientError {
  override name = "DiscoveryError";
}

/** Options of the discovery functions. */
export interface DiscoveryOptions {
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Milliseconds each metadata request may take (default 10000). */
  timeoutMs?: number;
  /**
   * The issuer the client trusts: discovery fails unless the server's metadata names it among its
   * authorization servers (and then uses it).
   */
  authorizationServer?: string;
}

/** Metadata documents larger than this are refused (a hostile server cannot make us buffer more). */
const MAX_METADATA_BYTES = 256 * 1024;
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The parameters of a `WWW-Authenticate` challenge (`Bearer realm="x", scope="a b"`), keys in
 * lower case. Only the first challenge is read; a header that does not parse gives `{}`.
 */
export function parseChallenge(header: string | null | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  if (!header || header.length > MAX_CHALLENGE_LENGTH) return params;
  const scheme = /^\s*[^\s,="]+(?:\s+|$)/.exec(header);
  if (!scheme) return params;
  let rest = header.slice(scheme[0].length);
  for (;;) {
    const match = PARAM.exec(rest);
    if (!match) break;
    const key = (match[1] as string).toLowerCase();
    if (!(key in params))
      params[key] = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : (match[3] ?? "");
    rest = rest.slice(match[0].length);
    // The next challenge starts (`Basic realm="x"`): only the first one is read.
    if (NEXT_CHALLENGE.test(rest)) break;
  }
  return params;
}

const MAX_CHALLENGE_LENGTH = 8192;
const PARAM = /^\s*([^\s,="]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/;
const NEXT_CHALLENGE = /^\s*[^\s,="]+\s+[^\s,="]+\s*=/;

/** GETs a JSON object, or undefined on 4xx (the document is not there). Throws on anything else. */
async function getJson(url: string, options: DiscoveryOptions): Promise<Record<string, unknown> | undefined> {
  const fetcher = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetcher(url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (error) {
    throw new DiscoveryError(`Cannot fetch ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status >= 400 && response.status < 500) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new DiscoveryError(`${url} answered HTTP ${response.status}`);
  }
  const text = await readLimited(
    response,
    MAX_METADATA_BYTES,
    () => new DiscoveryError(`${url} answered with more than ${MAX_METADATA_BYTES} bytes`),
  );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DiscoveryError(`${url} did not answer with JSON`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new DiscoveryError(`${url} did not answer with a JSON object`);
  return value as Record<string, unknown>;
}

/** A WebSocket URL's HTTP form (`ws:` → `http:`, `wss:` → `https:`): where its metadata lives. */
export function httpForm(url: string): string {
  return url.replace(/^ws(s?):/i, "http$1:");
}

function httpUrl(value: unknown, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new DiscoveryError(`${what} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new DiscoveryError(`${what} is not an http(s) URL`);
  return url;
}

/** A URL the server gave, resolved against its own (a relative one is taken leniently). */
function resolve(value: string, base: URL): string {
  try {
    return new URL(value, base).href;
  } catch {
    return value;
  }
}

/** `origin/.well-known/<name><path>` (RFC 8414 §3.1 / RFC 9728 §3.1 path insertion). */
function wellKnown(base: URL, name: string): string {
  const path = base.pathname.replace(/\/+$/, "");
  return `${base.origin}/.well-known/${name}${path}`;
}

/**
 * Whether metadata naming `resource` may speak for the server at `serverUrl` (a client must not use
 * metadata, nor get tokens, for another resource): same origin, and the server's path at or under
 * the resource's path, or beside it (one server's `/mcp`, `/sse` and `/ws` endpoints share one
 * resource, `/mcp`; `/a/mcp` covers `/a/sse`, never `/b/sse`).
 */
export function resourceCovers(resource: string, serverUrl: string): boolean {
  let published: URL;
  let server: URL;
  try {
    published = new URL(resource);
    server = new URL(httpForm(serverUrl));
  } catch {
    return false;
  }
  if (published.origin !== server.origin) return false;
  const path = withSlash(server.pathname);
  if (path.startsWith(withSlash(published.pathname))) return true;
  const parent = published.pathname.replace(/\/+$/, "").replace(/[^/]*$/, "");
  const serverParent = server.pathname.replace(/\/+$/, "").replace(/[^/]*$/, "");
  return parent === serverParent;
}

function withSlash(path: string): string {
  return path.endsWith("/") ? path : `${path}/`;
}

/**
 * The protected-resource metadata of the MCP server at `serverUrl` (RFC 9728): from the challenge's
 * `resource_metadata` URL when given, else the path-suffixed then the root well-known URL.
 * Undefined when none is published. Throws when one is published for another resource.
 */
export async function fetchProtectedResourceMetadata(
  serverUrl: string,
  resourceMetadataUrl?: string,
  options: DiscoveryOptions = {},
): Promise<ProtectedResourceMetadata | undefined> {
  const server = httpUrl(httpForm(serverUrl), "The server URL");
  const candidates = resourceMetadataUrl
    ? [httpUrl(resolve(resourceMetadataUrl, server), "The challenge's resource_metadata").href]
    : [
        wellKnown(server, "oauth-protected-resource"),
        `${server.origin}/.well-known/oauth-protected-resource`,
      ];
  for (const url of [...new Set(candidates)]) {
    const document = await getJson(url, options);
    if (!document) continue;
    if (typeof document.resource !== "string")
      throw new DiscoveryError(`The protected-resource metadata at ${url} has no resource`);
    if (!resourceCovers(document.resource, server.href))
      throw new DiscoveryError(
        `The protected-resource metadata at ${url} is for ${document.resource}, not for ${server.href}`,
      );
    const servers = document.authorization_servers;
    if (servers !== undefined && (!Array.isArray(servers) || servers.some((s) => typeof s !== "string")))
      throw new DiscoveryError(`The protected-resource metadata at ${url} has a bad authorization_servers`);
    return document as ProtectedResourceMetadata;
  }
  return undefined;
}

/**
 * The metadata of the authorization server `issuer`: RFC 8414 (`/.well-known/oauth-authorization-server`
 * inserted before the path), then OpenID Connect discovery (inserted, then appended). The document's
 * `issuer` must be `issuer` (RFC 8414 §3.3), so a server cannot speak for another.
 */
export async function fetchAuthorizationServerMetadata(
  issuer: string,
  options: DiscoveryOptions = {},
): Promise<AuthorizationServerMetadata> {
  const base = httpUrl(issuer, "The authorization server");
  const path = base.pathname.replace(/\/+$/, "");
  const candidates = [
    wellKnown(base, "oauth-authorization-server"),
    wellKnown(base, "openid-configuration"),
    `${base.origin}${path}/.well-known/openid-configuration`,
  ];
  for (const url of [...new Set(candidates)]) {
    const document = await getJson(url, options);
    if (!document) continue;
    if (typeof document.issuer !== "string" || !sameIssuer(document.issuer, issuer))
      throw new DiscoveryError(`The authorization server metadata at ${url} names another issuer`);
    for (const field of ["token_endpoint", "authorization_endpoint", "registration_endpoint"]) {
      if (document[field] !== undefined) httpUrl(document[field], `The metadata's ${field}`);
    }
    return document as AuthorizationServerMetadata;
  }
  throw new DiscoveryError(`No authorization server metadata found for ${issuer}`);
}

/** Issuers compare as strings; a trailing slash the protected resource added or left out is tolerated. */
function sameIssuer(a: string, b: string): boolean {
  return a === b || a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/**
 * Everything a client needs to ask for a token for the MCP server at `serverUrl`, after it answered
 * with `wwwAuthenticate` (or before any answer, with null): its resource indicator and its
 * authorization server's metadata. A server publishing no protected-resource metadata is taken to
 * be its own authorization server (the 2025-03-26 revision's fallback).
 */
export async function discoverAuthorization(
  serverUrl: string,
  wwwAuthenticate: string | null,
  options: DiscoveryOptions = {},
): Promise<DiscoveredAuthorization> {
  const challenge = parseChallenge(wwwAuthenticate);
  const protectedResource = await fetchProtectedResourceMetadata(
    serverUrl,
    challenge.resource_metadata,
    options,
  );
  const named = protectedResource?.authorization_servers ?? [new URL(httpForm(serverUrl)).origin];
  const pinned = options.authorizationServer;
  const issuer = pinned ? named.find((server) => sameIssuer(server, pinned)) : named[0];
  if (!issuer)
    throw new DiscoveryError(
      pinned
        ? `The server at ${serverUrl} does not name the trusted authorization server ${pinned}`
        : `The server at ${serverUrl} names no authorization server`,
    );
  const authorizationServer = await fetchAuthorizationServerMetadata(issuer, options);
  return {
    resource: protectedResource?.resource ?? httpForm(serverUrl),
    protectedResource,
    authorizationServer,
  };
}
