/**
 * Discovery of who protects an MCP server: its protected resource metadata (RFC 9728) and its
 * authorization server's metadata (RFC 8414, then OpenID Connect Discovery), with the 2025-03-26
 * fallback (the authorization server at the MCP server's origin, default endpoints without
 * metadata). Every document is checked before it is used. Shared by `OAuth` and the token grants;
 * what only the authorization code flow needs (an authorization endpoint, PKCE S256) is checked by
 * that flow ({@link checkCodeFlow}).
 */
import { OAuthError } from "./errors.js";
import {
  type HttpContext,
  isHttpUrl,
  type JsonResponse,
  networkReason,
  peerText,
  requestJson,
} from "./http.js";

/** RFC 9728 protected resource metadata, the fields the client uses. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
}

/** RFC 8414 authorization server metadata, the fields the client uses. */
export interface AuthorizationServerMetadata {
  issuer: string;
  /** Absent at a server for machine clients only (the token grants do not need it). */
  authorizationEndpoint?: string;
  tokenEndpoint: string;
  registrationEndpoint?: string;
  scopesSupported?: string[];
  codeChallengeMethodsSupported?: string[];
  tokenEndpointAuthMethodsSupported?: string[];
  /** RFC 9207: the authorization response carries `iss`. */
  issParameterSupported: boolean;
  /** The server accepts a client ID metadata document URL as `client_id`. */
  clientIdMetadataDocumentSupported: boolean;
  /** False when no metadata exists and the 2025-03-26 default endpoints are assumed. */
  fromMetadata: boolean;
}

/** What discovery found for one MCP server. */
export interface DiscoveredAuthorization {
  /** The resource indicator to send (RFC 8707): the metadata's `resource`, exactly as published. */
  resource: string;
  /** The protected resource metadata, or undefined when the server publishes none (2025-03-26). */
  protectedResource: ProtectedResourceMetadata | undefined;
  authorizationServer: AuthorizationServerMetadata;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
}

/**
 * The http(s) URL of a WebSocket MCP endpoint (`ws:` as `http:`, `wss:` as `https:`): the server's
 * metadata, its resource identifier and its challenges live on the HTTP side of the same origin.
 * Other URLs are returned as they are.
 */
export function httpUrlOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") return url;
  return `${parsed.protocol === "ws:" ? "http:" : "https:"}${parsed.href.slice(parsed.protocol.length)}`;
}

/** Removes the fragment; the rest of the URL stays as the user wrote it (RFC 8707 §2). */
export function canonicalResource(url: string): string {
  const parsed = new URL(url);
  parsed.hash = "";
  return parsed.href;
}

/** A WebSocket URL's HTTP form (`ws:` → `http:`, `wss:` → `https:`): where its metadata lives. */
export function httpForm(url: string): string {
  return url.replace(/^ws(s?):/i, "http$1:");
}

/**
 * Whether metadata naming `resource` may speak for the MCP server at `serverUrl` (a client must
 * not use metadata, nor get tokens, for another resource; RFC 9728 §3.3): same origin, and the
 * server's path at or under the resource's path (`/` covers `/mcp`; `/mcp` does not cover `/sse`:
 * a fastmcp-ts server publishes a resource for each endpoint).
 */
export function resourceCovers(resource: string, serverUrl: string): boolean {
  let declared: URL;
  let server: URL;
  try {
    declared = new URL(resource);
    server = new URL(httpForm(serverUrl));
  } catch {
    return false;
  }
  if (declared.origin !== server.origin) return false;
  return withSlash(server.pathname).startsWith(withSlash(declared.pathname));
}

function withSlash(path: string): string {
  return path.endsWith("/") ? path : `${path}/`;
}

/** Issuers compare as strings; a trailing slash one side added or left out is tolerated. */
export function sameIssuer(a: string, b: string): boolean {
  return a === b || a.replace(/\/+$/, "") === b.replace(/\/+$/, "");
}

/** GETs one metadata document; a network failure, a timeout or an oversized body is a discovery error. */
async function fetchMetadata(http: HttpContext, url: string, what: string): Promise<JsonResponse> {
  try {
    return await requestJson(http, url);
  } catch (error) {
    throw new OAuthError("discovery", `cannot fetch ${what} ${url}: ${networkReason(error)}`, {
      cause: error,
    });
  }
}

/** The well-known URLs of a server's protected resource metadata, in the order the spec gives. */
export function protectedResourceMetadataUrls(serverUrl: string, fromChallenge?: string): string[] {
  const server = new URL(httpForm(serverUrl));
  const urls: string[] = [];
  // A relative `resource_metadata` is resolved against the server's URL (taken leniently).
  if (fromChallenge !== undefined) {
    try {
      const given = new URL(fromChallenge, server).href;
      if (isHttpUrl(given)) urls.push(given);
    } catch {
      // not a URL: the well-known ones follow
    }
  }
  const path = server.pathname.replace(/\/+$/, "");
  if (path) urls.push(`${server.origin}/.well-known/oauth-protected-resource${path}`);
  urls.push(`${server.origin}/.well-known/oauth-protected-resource`);
  return [...new Set(urls)];
}

/**
 * Fetches the protected resource metadata of `serverUrl`: the challenge's `resource_metadata`,
 * then the path-suffixed, then the root well-known URL. Undefined when none exists (a server of
 * the 2025-03-26 revision). Rejects when a document names another resource.
 */
export async function discoverProtectedResource(
  http: HttpContext,
  serverUrl: string,
  fromChallenge?: string,
): Promise<ProtectedResourceMetadata | undefined> {
  for (const url of protectedResourceMetadataUrls(serverUrl, fromChallenge)) {
    const answer = await fetchMetadata(http, url, "protected resource metadata");
    if (!answer.ok || !answer.body) continue;
    const body = answer.body;
    const authorizationServers = stringArray(body.authorization_servers)?.filter(isHttpUrl) ?? [];
    if (typeof body.resource !== "string" || !resourceCovers(body.resource, serverUrl)) {
      throw new OAuthError(
        "discovery",
        `the protected resource metadata at ${url} names resource ${peerText(body.resource)}, not ${serverUrl}`,
      );
    }
    const metadata: ProtectedResourceMetadata = { resource: body.resource, authorizationServers };
    const scopes = stringArray(body.scopes_supported);
    if (scopes) metadata.scopesSupported = scopes;
    return metadata;
  }
  return undefined;
}

/**
 * The metadata URLs of an issuer, in order: RFC 8414 with the path inserted, OpenID Connect with
 * the path inserted, OpenID Connect with the path appended (one of each for an issuer without path).
 */
export function authorizationServerMetadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, "");
  if (!path) {
    return [
      `${url.origin}/.well-known/oauth-authorization-server`,
      `${url.origin}/.well-known/openid-configuration`,
    ];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

function readMetadata(
  issuer: string,
  url: string,
  body: Record<string, unknown>,
): AuthorizationServerMetadata {
  // RFC 8414 §3.3 (and MCP 2026-07-28): the issuer must be identical to the one the URL was
  // built from; metadata that claims another issuer is not used at all.
  if (body.issuer !== issuer) {
    throw new OAuthError(
      "discovery",
      `the authorization server metadata at ${url} names issuer ${peerText(body.issuer)}, not ${issuer}`,
    );
  }
  if (!isHttpUrl(body.token_endpoint))
    throw new OAuthError(
      "discovery",
      `the authorization server metadata at ${url} has no valid token_endpoint`,
    );
  for (const field of ["authorization_endpoint", "registration_endpoint"] as const) {
    if (body[field] !== undefined && !isHttpUrl(body[field]))
      throw new OAuthError("discovery", `the authorization server metadata at ${url} has no valid ${field}`);
  }
  const metadata: AuthorizationServerMetadata = {
    issuer,
    tokenEndpoint: body.token_endpoint,
    issParameterSupported: body.authorization_response_iss_parameter_supported === true,
    clientIdMetadataDocumentSupported: body.client_id_metadata_document_supported === true,
    fromMetadata: true,
  };
  if (isHttpUrl(body.authorization_endpoint)) metadata.authorizationEndpoint = body.authorization_endpoint;
  if (isHttpUrl(body.registration_endpoint)) metadata.registrationEndpoint = body.registration_endpoint;
  const scopes = stringArray(body.scopes_supported);
  if (scopes) metadata.scopesSupported = scopes;
  const methods = stringArray(body.code_challenge_methods_supported);
  if (methods) metadata.codeChallengeMethodsSupported = methods;
  const auth = stringArray(body.token_endpoint_auth_methods_supported);
  if (auth) metadata.tokenEndpointAuthMethodsSupported = auth;
  return metadata;
}

/**
 * What the authorization code flow needs beyond discovery: an authorization endpoint, and PKCE
 * S256 in the metadata (MCP: without it the server does not support PKCE and the client must not
 * go on). The token grants do not call it: a server for machine clients may publish neither.
 */
export function checkCodeFlow(
  server: AuthorizationServerMetadata,
): asserts server is AuthorizationServerMetadata & { authorizationEndpoint: string } {
  if (!server.authorizationEndpoint)
    throw new OAuthError(
      "discovery",
      `the authorization server ${server.issuer} has no valid authorization_endpoint`,
    );
  if (server.fromMetadata && !server.codeChallengeMethodsSupported?.includes("S256")) {
    throw new OAuthError(
      "discovery",
      `the authorization server ${server.issuer} does not advertise PKCE S256 (code_challenge_methods_supported), so the flow cannot proceed`,
    );
  }
}

/**
 * Fetches an authorization server's metadata. With `legacy` (no protected resource metadata: the
 * 2025-03-26 revision, issuer = the MCP server's origin), missing metadata means the default
 * endpoints `/authorize`, `/token` and `/register` at that origin.
 */
export async function discoverAuthorizationServer(
  http: HttpContext,
  issuer: string,
  legacy = false,
): Promise<AuthorizationServerMetadata> {
  for (const url of authorizationServerMetadataUrls(issuer)) {
    const answer = await fetchMetadata(http, url, "authorization server metadata");
    if (answer.ok && answer.body) return readMetadata(issuer, url, answer.body);
    if (answer.status >= 500)
      throw new OAuthError(
        "discovery",
        `authorization server metadata ${url} answered HTTP ${answer.status}`,
      );
  }
  if (legacy) {
    const origin = new URL(issuer).origin;
    return {
      issuer: origin,
      authorizationEndpoint: `${origin}/authorize`,
      tokenEndpoint: `${origin}/token`,
      registrationEndpoint: `${origin}/register`,
      issParameterSupported: false,
      clientIdMetadataDocumentSupported: false,
      fromMetadata: false,
    };
  }
  throw new OAuthError("discovery", `no authorization server metadata found for ${issuer}`);
}

/** Options of {@link discoverAuthorization}. */
export interface DiscoverOptions {
  /**
   * The issuer the client trusts: discovery fails unless the server's metadata names it among its
   * authorization servers (and then uses it), before any credential is sent anywhere.
   */
  authorizationServer?: string | undefined;
}

/**
 * Everything a client needs to get a token for the MCP server at `serverUrl`: its resource
 * indicator and its authorization server's metadata. `resourceMetadataUrl` is the challenge's
 * `resource_metadata`. A server publishing no protected resource metadata is taken to be its own
 * authorization server (the 2025-03-26 revision's fallback, default endpoints included).
 */
export async function discoverAuthorization(
  http: HttpContext,
  serverUrl: string,
  resourceMetadataUrl: string | undefined,
  options: DiscoverOptions = {},
): Promise<DiscoveredAuthorization> {
  const protectedResource = await discoverProtectedResource(http, serverUrl, resourceMetadataUrl);
  if (!protectedResource) {
    // 2025-03-26: the MCP server's origin is the authorization server.
    const origin = new URL(httpForm(serverUrl)).origin;
    const pinned = options.authorizationServer;
    if (pinned && !sameIssuer(origin, pinned))
      throw new OAuthError(
        "discovery",
        `the server at ${serverUrl} does not name the trusted authorization server ${pinned}`,
      );
    return {
      resource: canonicalResource(httpForm(serverUrl)),
      protectedResource,
      authorizationServer: await discoverAuthorizationServer(http, origin, true),
    };
  }
  const named = protectedResource.authorizationServers;
  const pinned = options.authorizationServer;
  const issuer = pinned ? named.find((server) => sameIssuer(server, pinned)) : named[0];
  if (!issuer)
    throw new OAuthError(
      "discovery",
      pinned
        ? `the server at ${serverUrl} does not name the trusted authorization server ${pinned}`
        : `the protected resource metadata of ${serverUrl} names no authorization server`,
    );
  return {
    resource: protectedResource.resource,
    protectedResource,
    authorizationServer: await discoverAuthorizationServer(http, issuer),
  };
}
