/**
 * Discovery of who protects an MCP server: its protected resource metadata (RFC 9728) and its
 * authorization server's metadata (RFC 8414, then OpenID Connect Discovery), with the 2025-03-26
 * fallback (the authorization server at the MCP server's origin, default endpoints without
 * metadata). Every document is checked before it is used.
 */
import { OAuthError } from "./errors.js";
import { type HttpContext, isHttpUrl, networkReason, peerText, requestJson } from "./http.js";

/** RFC 9728 protected resource metadata, the fields the client uses. */
export interface ProtectedResourceMetadata {
  resource: string;
  authorizationServers: string[];
  scopesSupported?: string[];
}

/** RFC 8414 authorization server metadata, the fields the client uses. */
export interface AuthorizationServerMetadata {
  issuer: string;
  authorizationEndpoint: string;
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

/**
 * True when a protected resource metadata `resource` covers the MCP server URL: same origin, and
 * its path is the server's path or a parent of it.
 */
export function resourceCovers(resource: string, serverUrl: string): boolean {
  let declared: URL;
  let server: URL;
  try {
    declared = new URL(resource);
    server = new URL(serverUrl);
  } catch {
    return false;
  }
  if (declared.origin !== server.origin) return false;
  const base = declared.pathname.endsWith("/") ? declared.pathname : `${declared.pathname}/`;
  const path = server.pathname.endsWith("/") ? server.pathname : `${server.pathname}/`;
  return path.startsWith(base);
}

/** The well-known URLs of a server's protected resource metadata, in the order the spec gives. */
export function protectedResourceMetadataUrls(serverUrl: string, fromChallenge?: string): string[] {
  const server = new URL(serverUrl);
  const urls: string[] = [];
  if (fromChallenge && isHttpUrl(fromChallenge)) urls.push(fromChallenge);
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
    let answer: Awaited<ReturnType<typeof requestJson>>;
    try {
      answer = await requestJson(http, url);
    } catch (error) {
      throw new OAuthError(
        "discovery",
        `cannot fetch protected resource metadata ${url}: ${networkReason(error)}`,
        {
          cause: error,
        },
      );
    }
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
  for (const field of ["authorization_endpoint", "token_endpoint"] as const) {
    if (!isHttpUrl(body[field]))
      throw new OAuthError("discovery", `the authorization server metadata at ${url} has no valid ${field}`);
  }
  const metadata: AuthorizationServerMetadata = {
    issuer,
    authorizationEndpoint: body.authorization_endpoint as string,
    tokenEndpoint: body.token_endpoint as string,
    issParameterSupported: body.authorization_response_iss_parameter_supported === true,
    clientIdMetadataDocumentSupported: body.client_id_metadata_document_supported === true,
    fromMetadata: true,
  };
  if (isHttpUrl(body.registration_endpoint)) metadata.registrationEndpoint = body.registration_endpoint;
  const scopes = stringArray(body.scopes_supported);
  if (scopes) metadata.scopesSupported = scopes;
  const methods = stringArray(body.code_challenge_methods_supported);
  if (methods) metadata.codeChallengeMethodsSupported = methods;
  const auth = stringArray(body.token_endpoint_auth_methods_supported);
  if (auth) metadata.tokenEndpointAuthMethodsSupported = auth;
  // MCP: without S256 in the metadata, the server does not support PKCE and the client must not go on.
  if (!metadata.codeChallengeMethodsSupported?.includes("S256")) {
    throw new OAuthError(
      "discovery",
      `the authorization server ${issuer} does not advertise PKCE S256 (code_challenge_methods_supported), so the flow cannot proceed`,
    );
  }
  return metadata;
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
    let answer: Awaited<ReturnType<typeof requestJson>>;
    try {
      answer = await requestJson(http, url);
    } catch (error) {
      throw new OAuthError(
        "discovery",
        `cannot fetch authorization server metadata ${url}: ${networkReason(error)}`,
        { cause: error },
      );
    }
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
