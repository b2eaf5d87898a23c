/**
 * A real OpenID provider (npm `oidc-provider`) on 127.0.0.1, port 0, for the auth tests: fresh
 * signing keys per start, a client_credentials client, a resource server client that may
 * introspect, introspection and revocation on, and resource indicators whose access tokens are JWTs
 * or opaque per resource. It counts the requests each endpoint path gets.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";

/** The slice of oidc-provider's API the fixture uses (the package ships no types). */
interface OidcModule {
  Provider: new (
    issuer: string,
    configuration: Record<string, unknown>,
  ) => { callback(): (req: IncomingMessage, res: ServerResponse) => void };
  errors: { InvalidTarget: new (description?: string) => Error };
}

/** A client registered at the provider, with its secret. */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
}

export interface OidcProvider {
  /** The issuer (`iss`), e.g. `http://127.0.0.1:1234`. */
  issuer: string;
  jwksUri: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  /** May use the client_credentials grant, with scopes `mcp` and `read`. */
  app: OidcClient;
  /** The resource server's own credentials, for introspection. */
  resourceServer: OidcClient;
  /**
   * Declares a resource indicator (an MCP endpoint URL), the format of its access tokens and their
   * lifetime in seconds (default 600).
   */
  addResource(resource: string, format: "jwt" | "opaque", ttlSeconds?: number): void;
  /** How many requests a path (e.g. `/token/introspection`) has had. */
  hits(path: string): number;
  close(): Promise<void>;
}

/** Scopes a resource grants (a client_credentials token carries those it asked for, of these). */
const RESOURCE_SCOPE = "mcp read";

/** Options of {@link startOidcProvider}. */
export interface OidcProviderOptions {
  /** More clients to register (oidc-provider client metadata, e.g. a private_key_jwt client with its `jwks`). */
  clients?: Record<string, unknown>[];
  /** The token endpoint asks every DPoP token request for a nonce (RFC 9449 §8). */
  dpopNonce?: boolean;
}

export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProvider> {
  // Untyped package: the cast names the parts used (a non-literal specifier keeps tsc from asking for types).
  const { Provider, errors } = (await import("oidc-provider" as string)) as OidcModule;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: "sig-1", alg: "RS256", use: "sig" };

  const hits = new Map<string, number>();
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const resources = new Map<string, { format: "jwt" | "opaque"; ttl: number }>();
  const app = { clientId: "mcp-app", clientSecret: "app-secret-0123456789" };
  const resourceServer = { clientId: "mcp-server", clientSecret: "rs-secret-0123456789" };
  const client = ({ clientId, clientSecret }: OidcClient) => ({
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: "client_secret_basic",
    scope: RESOURCE_SCOPE,
  });

  const provider = new Provider(issuer, {
    clients: [client(app), client(resourceServer), ...(options.clients ?? [])],
    jwks: { keys: [signingKey] },
    scopes: ["openid", "mcp", "read"],
    cookies: { keys: ["cookie-key-for-tests-only"] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: {
        enabled: true,
        ...(options.dpopNonce ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
      },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          const found = resources.get(resource);
          if (!found) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          const { format, ttl } = found;
          return {
            scope: RESOURCE_SCOPE,
            audience: resource,
            accessTokenTTL: ttl,
            accessTokenFormat: format,
            ...(format === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
          };
        },
      },
    },
  });
  handler = provider.callback();

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    app,
    resourceServer,
    addResource: (resource, format, ttlSeconds = 600) =>
      void resources.set(resource, { format, ttl: ttlSeconds }),
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `Authorization: Basic` for a client (RFC 6749 §2.3.1; the test secrets need no escaping). */
export function basic({ clientId, clientSecret }: OidcClient): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
}

/** A client_credentials token for `resource` from the provider's token endpoint. */
export async function clientCredentialsToken(
  oidc: OidcProvider,
  resource: string,
  scope = RESOURCE_SCOPE,
): Promise<{ access_token: string; scope?: string; expires_in: number }> {
  const response = await fetch(oidc.tokenEndpoint, {
    method: "POST",
    headers: { authorization: basic(oidc.app), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }).toString(),
  });
  const body = (await response.json()) as { access_token: string; scope?: string; expires_in: number };
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Revokes a token at the provider (as the app it was issued to). */
export async function revoke(oidc: OidcProvider, token: string): Promise<void> {
  const response = await fetch(oidc.revocationEndpoint, {
    method: "POST",
    headers: { authorization: basic(oidc.app), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`revocation endpoint answered ${response.status}`);
}
