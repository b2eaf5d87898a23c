/**
 * RemoteAuthProvider: the MCP server as an OAuth 2.1 resource server whose tokens come from an
 * external authorization server. It verifies tokens with the given verifier and publishes the RFC
 * 9728 protected resource metadata that tells clients where to get one.
 *
 * @example
 * ```ts
 * const mcp = new FastMCP({
 *   name: "secure",
 *   auth: new RemoteAuthProvider({
 *     tokenVerifier: new JWTVerifier({ jwksUri, issuer, audience }),
 *     authorizationServers: ["https://auth.example.com"],
 *     baseUrl: "https://mcp.example.com",
 *   }),
 * });
 * ```
 */

import type { AuthInfo } from "../types.js";
import {
  type AuthProvider,
  PROTECTED_RESOURCE_WELL_KNOWN,
  type ProtectedResource,
  type ProtectedResourceMetadata,
  type TokenVerifier,
} from "./core.js";

export interface RemoteAuthProviderOptions {
  /** Checks the bearer tokens (a JWTVerifier, an introspection verifier, a StaticTokenVerifier...). */
  tokenVerifier: TokenVerifier;
  /** Issuer URLs of the authorization servers that issue tokens for this resource. */
  authorizationServers: string[];
  /** The public URL of this server (scheme, host, optional path prefix), e.g. `https://mcp.example.com`. */
  baseUrl: string;
  /** The resource identifier (the audience tokens are issued for); default `baseUrl` + the MCP path. */
  resource?: string;
  /** Scopes to advertise; default the verifier's `requiredScopes`. */
  scopesSupported?: string[];
  /** A human-readable name for the resource. */
  resourceName?: string;
  /** URL of documentation for developers. */
  resourceDocumentation?: string;
}

function absoluteUrl(value: string, option: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(
      `RemoteAuthProvider: ${option} must be an absolute URL, got ${JSON.stringify(value)}`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new TypeError(`RemoteAuthProvider: ${option} must be an http(s) URL, got ${value}`);
  return url;
}

/** Token verification by a given verifier, plus the RFC 9728 metadata naming the authorization servers. */
export class RemoteAuthProvider implements AuthProvider {
  private readonly options: RemoteAuthProviderOptions;
  private readonly baseUrl: string;
  readonly requiredScopes?: readonly string[];

  constructor(options: RemoteAuthProviderOptions) {
    if (!options.tokenVerifier || typeof options.tokenVerifier.verify !== "function")
      throw new TypeError("RemoteAuthProvider needs a tokenVerifier");
    if (!Array.isArray(options.authorizationServers) || options.authorizationServers.length === 0)
      throw new TypeError("RemoteAuthProvider needs at least one authorization server");
    for (const server of options.authorizationServers) absoluteUrl(server, "authorizationServers");
    const base = absoluteUrl(options.baseUrl, "baseUrl");
    if (options.resource !== undefined) absoluteUrl(options.resource, "resource");
    this.options = options;
    const required = options.tokenVerifier.requiredScopes;
    if (required) this.requiredScopes = required;
    this.baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, "")}`;
  }

  verify(token: string): AuthInfo | undefined | Promise<AuthInfo | undefined> {
    return this.options.tokenVerifier.verify(token);
  }

  protectedResource(mcpPath: string): ProtectedResource {
    const { options } = this;
    const resource = options.resource ?? `${this.baseUrl}${mcpPath}`;
    options.tokenVerifier.forResource?.(resource);
    const url = new URL(resource);
    const path = url.pathname === "/" ? "" : url.pathname;
    const scopes = options.scopesSupported ?? options.tokenVerifier.requiredScopes;
    const metadata: ProtectedResourceMetadata = {
      resource,
      authorization_servers: [...options.authorizationServers],
      ...(scopes ? { scopes_supported: [...scopes] } : {}),
      bearer_methods_supported: ["header"],
      ...(options.resourceName !== undefined ? { resource_name: options.resourceName } : {}),
      ...(options.resourceDocumentation !== undefined
        ? { resource_documentation: options.resourceDocumentation }
        : {}),
    };
    return { metadata, metadataUrl: `${url.origin}${PROTECTED_RESOURCE_WELL_KNOWN}${path}` };
  }
}
