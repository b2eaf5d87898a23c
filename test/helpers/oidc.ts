/**
 * A real OpenID provider (npm `oidc-provider`) on 127.0.0.1, port 0, for the auth tests: fresh
 * signing keys per start, a client_credentials client, a resource server client that may
 * introspect, introspection and revocation on, and resource indicators whose access tokens are JWTs
 * or opaque per resource. It counts the requests each endpoint path gets.
 *
 * For the MCP authorization flow it also has open dynamic client registration (RFC 7591), the
 * authorization code grant with PKCE S256 required of every client, the `iss` authorization
 * response parameter (RFC 9207), refresh tokens for every client allowed the refresh_token grant
 * (rotated at each use), and login and consent pages (test/helpers/oidc-interactions.ts) that
 * `playUser` (test/helpers/oidc-user.ts) drives like a browser.
 *
 * @example
 * ```ts
 * const oidc = await startOidcProvider({ accessTokenTtlSec: 3 });
 * oidc.addResource("http://127.0.0.1:4000/mcp", "jwt", { scopes: ["mcp", "write"] });
 * // an OAuth client discovers oidc.issuer, registers, and sends its user to playUser(authorizationUrl)
 * ```
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import { handleInteraction, INTERACTION_PREFIX, type InteractionProvider } from "./oidc-interactions.js";

export {
  authorizationRequest,
  pkcePair,
  type RegisteredClient,
  registerPublicClient,
  TEST_REDIRECT_URI,
  type TokenAnswer,
  tokenRequest,
  type UserTokenOptions,
  userToken,
} from "./oidc-login.js";
export { CookieJar, type PlayUserOptions, playUser } from "./oidc-user.js";

/** An oidc-provider instance: its request handler, events and interaction API. */
type ProviderInstance = InteractionProvider & {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  on(event: "grant.success", listener: (ctx: { oidc: { params?: { grant_type?: string } } }) => void): void;
};

/** The slice of oidc-provider's API the fixture uses (the package ships no types). */
interface OidcModule {
  Provider: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
  errors: { InvalidTarget: new (description?: string) => Error };
}

/** A client registered at the provider, with its secret. */
export interface OidcClient {
  clientId: string;
  clientSecret: string;
}

/** How a resource's access tokens are made (see `OidcProvider.addResource`). */
export interface OidcResourceOptions {
  /** The scopes the resource grants; a token carries those asked for, of these. Default `mcp read`. */
  scopes?: string[];
  /** Lifetime of its access tokens, in seconds; default the provider's `accessTokenTtlSec`. */
  accessTokenTtlSec?: number;
}

/** Options of `startOidcProvider`. */
export interface OidcProviderOptions {
  /**
   * Lifetime of access tokens, in seconds (default 600). A test that wants to see a token expire
   * sets a few seconds and waits for the resource server's 401, not for the clock.
   */
  accessTokenTtlSec?: number;
  /** Lifetime of refresh tokens, in seconds (default one day). */
  refreshTokenTtlSec?: number;
  /** More clients to register (oidc-provider client metadata, e.g. a private_key_jwt client with its `jwks`). */
  clients?: Record<string, unknown>[];
  /** The token endpoint asks every DPoP token request for a nonce (RFC 9449 §8). */
  dpopNonce?: boolean;
}

export interface OidcProvider {
  /** The issuer (`iss`), e.g. `http://127.0.0.1:1234`. */
  issuer: string;
  jwksUri: string;
  /** `/auth`: where `playUser` starts. */
  authorizationEndpoint: string;
  /** `/reg`: open dynamic client registration. */
  registrationEndpoint: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  /** May use the client_credentials grant, with scopes `mcp` and `read`. */
  app: OidcClient;
  /** The resource server's own credentials, for introspection. */
  resourceServer: OidcClient;
  /**
   * Declares a resource indicator (an MCP endpoint URL), the format of its access tokens (a JWT's
   * `aud` is the resource), its scopes and token lifetime. Authorization and token requests for a
   * resource not declared fail with `invalid_target`.
   */
  addResource(resource: string, format: "jwt" | "opaque", options?: OidcResourceOptions): void;
  /**
   * The `grant_type` of each token request answered with tokens, in order (e.g.
   * `["authorization_code", "refresh_token"]`): how a test sees a client log in and refresh.
   */
  readonly issuedGrants: readonly string[];
  /** How many requests a path (e.g. `/token/introspection`) has had. */
  hits(path: string): number;
  close(): Promise<void>;
}

/** Scopes a resource grants (a client_credentials token carries those it asked for, of these). */
const RESOURCE_SCOPE = "mcp read";

/** The scopes the provider knows: OpenID's, and those the resources may grant. */
const SCOPES = ["openid", "offline_access", "mcp", "read", "write", "admin"];

/** Starts the provider on 127.0.0.1, port 0; `close()` it after the tests. */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProvider> {
  const { accessTokenTtlSec = 600, refreshTokenTtlSec = 24 * 3600 } = options;
  // Untyped package: the cast names the parts used (a non-literal specifier keeps tsc from asking for types).
  const { Provider, errors } = (await import("oidc-provider" as string)) as OidcModule;
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: "sig-1", alg: "RS256", use: "sig" };

  const hits = new Map<string, number>();
  let provider: ProviderInstance | undefined;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (!provider || !handler) res.writeHead(503).end();
    else if (path.startsWith(INTERACTION_PREFIX)) void handleInteraction(provider, req, res);
    else handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const resources = new Map<string, { format: "jwt" | "opaque" } & OidcResourceOptions>();
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

  const accessTokenTtl = (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
    token.resourceServer?.accessTokenTTL ?? accessTokenTtlSec;
  /** The oidc-provider client model, as far as the hooks below read it. */
  type ClientModel = { grantTypeAllowed(grant: string): boolean };

  provider = new Provider(issuer, {
    clients: [client(app), client(resourceServer), ...(options.clients ?? [])],
    jwks: { keys: [signingKey] },
    scopes: SCOPES,
    cookies: { keys: ["cookie-key-for-tests-only"] },
    // Any user name signs in; the token's `sub` is that name.
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${INTERACTION_PREFIX}${interaction.uid}`,
    },
    pkce: { required: () => true },
    // A refresh token for every client registered for the grant (not only with offline_access),
    // a new one at each use (the old one is then refused).
    issueRefreshToken: (_ctx: unknown, client: ClientModel) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: () => true,
    ttl: {
      // A resource's own lifetime first (a number here would override it).
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      RefreshToken: refreshTokenTtlSec,
      Grant: refreshTokenTtlSec,
      Session: refreshTokenTtlSec,
      Interaction: 600,
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
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
          const known = resources.get(resource);
          if (!known) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: known.scopes?.join(" ") ?? RESOURCE_SCOPE,
            audience: resource,
            accessTokenTTL: known.accessTokenTtlSec ?? accessTokenTtlSec,
            accessTokenFormat: known.format,
            ...(known.format === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
          };
        },
      },
    },
  });
  handler = provider.callback();
  const issuedGrants: string[] = [];
  provider.on("grant.success", (ctx) => issuedGrants.push(ctx.oidc.params?.grant_type ?? "unknown"));

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    authorizationEndpoint: `${issuer}/auth`,
    registrationEndpoint: `${issuer}/reg`,
    tokenEndpoint: `${issuer}/token`,
    introspectionEndpoint: `${issuer}/token/introspection`,
    revocationEndpoint: `${issuer}/token/revocation`,
    app,
    resourceServer,
    issuedGrants,
    addResource: (resource, format, resourceOptions = {}) =>
      void resources.set(resource, { format, ...resourceOptions }),
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
