/**
 * Who the client is at an authorization server: a preregistered client ID, a client ID metadata
 * document URL (when the server accepts one), a registration kept from an earlier run, or a new
 * dynamic registration (RFC 7591). Identities are kept per authorization server and never shown
 * to another one.
 */
import type { AuthorizationServerMetadata } from "./discovery.js";
import { OAuthError } from "./errors.js";
import { type HttpContext, networkReason, oauthErrorOf, requestJson } from "./http.js";
import type { StoredClient } from "./storage.js";

/** What the client says about itself. */
export interface ClientIdentityOptions {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  clientMetadataUrl?: string | undefined;
  clientName: string;
  redirectUri: string;
  additionalClientMetadata?: Record<string, unknown> | undefined;
}

/** The identity to use, and whether it is new (to be stored). */
export interface ResolvedClient {
  client: StoredClient;
  source: "preregistered" | "metadata-document" | "stored" | "registered";
}

/** The token endpoint authentication a client with (or without) a secret should use at this server. */
export function chooseAuthMethod(server: AuthorizationServerMetadata, hasSecret: boolean): string {
  const supported = server.tokenEndpointAuthMethodsSupported;
  if (!hasSecret) return "none";
  // RFC 8414 §2: when the server lists nothing, client_secret_basic is its default.
  if (!supported || supported.includes("client_secret_basic")) return "client_secret_basic";
  if (supported.includes("client_secret_post")) return "client_secret_post";
  return "client_secret_basic";
}

/** What to ask for at registration: a public client when the server allows it. */
function registrationAuthMethod(server: AuthorizationServerMetadata): string {
  const supported = server.tokenEndpointAuthMethodsSupported;
  if (!supported || supported.includes("none")) return "none";
  for (const method of ["client_secret_basic", "client_secret_post"])
    if (supported.includes(method)) return method;
  return supported[0] ?? "none";
}

function isLoopback(uri: string): boolean {
  const host = new URL(uri).hostname;
  return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
}

/** Rejects a client ID metadata document URL the spec does not allow (https, with a path). */
export function checkClientMetadataUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`clientMetadataUrl is not a URL: ${url}`);
  }
  if (parsed.protocol !== "https:" || parsed.pathname === "/" || parsed.hash)
    throw new TypeError("clientMetadataUrl must be an https URL with a path and no fragment");
}

async function register(
  http: HttpContext,
  server: AuthorizationServerMetadata,
  options: ClientIdentityOptions,
): Promise<StoredClient> {
  const endpoint = server.registrationEndpoint!;
  const requestedMethod = registrationAuthMethod(server);
  const body = {
    client_name: options.clientName,
    redirect_uris: [options.redirectUri],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: requestedMethod,
    application_type: isLoopback(options.redirectUri) ? "native" : "web",
    ...options.additionalClientMetadata,
  };
  let answer: Awaited<ReturnType<typeof requestJson>>;
  try {
    answer = await requestJson(http, endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new OAuthError("registration", `cannot reach ${endpoint}: ${networkReason(error)}`, {
      cause: error,
    });
  }
  if (!answer.ok) {
    const { error, description } = oauthErrorOf(answer.body);
    throw new OAuthError(
      "registration",
      `${endpoint} answered HTTP ${answer.status}${error ? ` ${error}` : ""}${description ? `: ${description}` : ""}`,
      error ? { oauthError: error } : undefined,
    );
  }
  const clientId = answer.body?.client_id;
  if (typeof clientId !== "string" || clientId.length === 0)
    throw new OAuthError("registration", `${endpoint} returned no client_id`);
  const client: StoredClient = { clientId, redirectUris: [options.redirectUri] };
  const secret = answer.body?.client_secret;
  const method = answer.body?.token_endpoint_auth_method;
  client.tokenEndpointAuthMethod = typeof method === "string" ? method : requestedMethod;
  if (typeof secret === "string" && secret && client.tokenEndpointAuthMethod !== "none")
    client.clientSecret = secret;
  const expires = answer.body?.client_secret_expires_at;
  if (typeof expires === "number" && expires > 0) client.secretExpiresAt = expires * 1000;
  return client;
}

/** True when a stored registration still fits: same redirect URI, secret not expired. */
function usable(client: StoredClient | undefined, redirectUri: string): client is StoredClient {
  if (!client) return false;
  if (client.redirectUris && !client.redirectUris.includes(redirectUri)) return false;
  return client.secretExpiresAt === undefined || client.secretExpiresAt > Date.now() + 60_000;
}

/**
 * The client identity for this authorization server, in the order the MCP spec gives:
 * preregistered, client ID metadata document, then dynamic registration (reusing a stored one).
 */
export async function resolveClient(
  http: HttpContext,
  server: AuthorizationServerMetadata,
  stored: StoredClient | undefined,
  options: ClientIdentityOptions,
): Promise<ResolvedClient> {
  if (options.clientId) {
    const client: StoredClient = { clientId: options.clientId };
    if (options.clientSecret) client.clientSecret = options.clientSecret;
    client.tokenEndpointAuthMethod = chooseAuthMethod(server, Boolean(options.clientSecret));
    return { client, source: "preregistered" };
  }
  if (options.clientMetadataUrl && server.clientIdMetadataDocumentSupported) {
    return {
      client: { clientId: options.clientMetadataUrl, tokenEndpointAuthMethod: "none" },
      source: "metadata-document",
    };
  }
  if (usable(stored, options.redirectUri)) return { client: stored, source: "stored" };
  if (!server.registrationEndpoint) {
    throw new OAuthError(
      "registration",
      `the authorization server ${server.issuer} offers no dynamic registration and no clientId was given (pass clientId, or clientMetadataUrl if it supports client ID metadata documents)`,
    );
  }
  return { client: await register(http, server, options), source: "registered" };
}
