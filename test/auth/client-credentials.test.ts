/**
 * `ClientCredentials` against a real OpenID provider (npm oidc-provider on 127.0.0.1): our Client
 * gets a client_credentials token and calls a tool on a FastMCP behind `RemoteAuthProvider` +
 * `JWTVerifier`, over Streamable HTTP (both eras), legacy SSE and WebSocket. The token endpoint is
 * discovered from the server's 401 (RFC 9728, then OpenID discovery) or given; the client
 * authenticates with client_secret_basic, client_secret_post or private_key_jwt (RFC 7523). A
 * short-lived token is replaced before it expires, a revoked one after the server's 401; a wrong
 * secret or key is a clear error that carries no secret.
 */
import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ClientCredentials, OAuthError } from "../../src/auth/client/index.js";
import {
  IntrospectionVerifier,
  JWTVerifier,
  RemoteAuthProvider,
  type TokenVerifier,
} from "../../src/auth/server/index.js";
import {
  Client,
  type ClientOptions,
  type ClientTransport,
  FastMCP,
  type ListeningServer,
  SSETransport,
  StreamableHttpTransport,
  WSTransport,
} from "../../src/index.js";
import { CLIENT_ERAS } from "../helpers/clients.js";
import { freePort } from "../helpers/node-host.js";
import { basic, type OidcProvider, revoke, startOidcProvider } from "../helpers/oidc.js";
import { holdingFetch } from "../helpers/recording-fetch.js";
import { until } from "../helpers/wait.js";

const POST_CLIENT = { clientId: "mcp-post", clientSecret: "post-secret-0123456789" };
const JWT_CLIENT_ID = "mcp-jwt";
const JWT_KID = "jwt-client-key-1";

let oidc: OidcProvider;
let jwtKey: { pem: string; jwk: JWK };

/** A protected FastMCP: its base URL, and its endpoints per transport. */
interface Protected {
  base: string;
  resource: string;
  urls: { http: string; sse: string; ws: string };
}

const listening: ListeningServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await Promise.all(listening.map((server) => server.close()));
  await oidc?.close();
});

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  jwtKey = { pem: await exportPKCS8(privateKey), jwk: { ...(await exportJWK(privateKey)), kid: JWT_KID } };
  const registered = (extra: Record<string, unknown>) => ({
    grant_types: ["client_credentials"],
    response_types: [],
    redirect_uris: [],
    scope: "mcp read",
    ...extra,
  });
  oidc = await startOidcProvider({
    clients: [
      registered({
        client_id: POST_CLIENT.clientId,
        client_secret: POST_CLIENT.clientSecret,
        token_endpoint_auth_method: "client_secret_post",
      }),
      registered({
        client_id: JWT_CLIENT_ID,
        token_endpoint_auth_method: "private_key_jwt",
        token_endpoint_auth_signing_alg: "ES256",
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: JWT_KID, alg: "ES256", use: "sig" }] },
      }),
    ],
  });
});

/**
 * A FastMCP on a free port whose `RemoteAuthProvider` names the provider; `whoami` answers with
 * the caller's client id, scopes and token. Its resource (`<base>/mcp`) issues tokens of `format`
 * living `ttlSeconds`.
 */
async function protectedServer(
  options: { ttlSeconds?: number; format?: "jwt" | "opaque"; verifier?: TokenVerifier } = {},
): Promise<Protected> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const resource = `${base}/mcp`;
  // Each endpoint (/mcp, /sse, /ws) is a resource of its own.
  for (const path of ["/mcp", "/sse", "/ws"])
    oidc.addResource(`${base}${path}`, options.format ?? "jwt", {
      accessTokenTtlSec: options.ttlSeconds ?? 600,
    });
  const mcp = new FastMCP({
    name: "machine-to-machine",
    auth: new RemoteAuthProvider({
      tokenVerifier:
        options.verifier ??
        new JWTVerifier({ jwksUri: oidc.jwksUri, issuer: oidc.issuer, requiredScopes: ["mcp"] }),
      authorizationServers: [oidc.issuer],
      baseUrl: base,
    }),
  });
  mcp.tool("whoami", { inputSchema: z.object({}) }, (_args, ctx) => ({
    clientId: ctx.auth?.clientId ?? null,
    scopes: ctx.auth?.scopes ?? [],
    token: ctx.auth?.token ?? null,
  }));
  const server = await mcp.listen({ host: "127.0.0.1", port, transport: ["http", "sse", "ws"] });
  listening.push(server);
  return {
    base,
    resource,
    urls: { http: server.urls.http as string, sse: server.urls.sse as string, ws: server.urls.ws as string },
  };
}

async function connect(target: string | ClientTransport, options: ClientOptions): Promise<Client> {
  const client = new Client(target, options);
  clients.push(client);
  await client.connect();
  return client;
}

interface Whoami {
  clientId: string | null;
  scopes: string[];
  token: string | null;
}

async function whoami(client: Client): Promise<Whoami> {
  return (await client.callTool("whoami")).data as Whoami;
}

/**
 * A fetch that passes every request through to the real one and keeps what each token request
 * carried (its Authorization header and form body): the wire, seen from the client's side.
 */
function recordTokenRequests(): {
  fetch: typeof fetch;
  tokenRequests: { authorization: string | null; body: URLSearchParams }[];
} {
  const tokenRequests: { authorization: string | null; body: URLSearchParams }[] = [];
  const recording: typeof fetch = async (input, init) => {
    if (String(input) === oidc.tokenEndpoint) {
      const headers = new Headers(init?.headers);
      tokenRequests.push({
        authorization: headers.get("authorization"),
        body: new URLSearchParams(String(init?.body)),
      });
    }
    return fetch(input, init);
  };
  return { fetch: recording, tokenRequests };
}

function basicCredentials(extra: Partial<ConstructorParameters<typeof ClientCredentials>[0]> = {}) {
  return new ClientCredentials({ ...oidc.app, scopes: ["mcp"], ...extra });
}

describe("ClientCredentials against oidc-provider", () => {
  let server: Protected;
  beforeAll(async () => {
    server = await protectedServer();
  });

  it.each(CLIENT_ERAS)(
    "discovers the token endpoint from the 401 and calls a tool over Streamable HTTP (%s)",
    async (_era, eraOptions) => {
      const tokensBefore = oidc.hits("/token");
      const client = await connect(server.urls.http, { ...eraOptions, auth: basicCredentials() });
      const first = await whoami(client);
      expect(first.clientId).toBe(oidc.app.clientId);
      expect(first.scopes).toEqual(["mcp"]);
      // The cached token serves later calls.
      expect((await whoami(client)).token).toBe(first.token);
      expect(oidc.hits("/token") - tokensBefore).toBe(1);
      expect(
        oidc.hits("/.well-known/oauth-authorization-server") + oidc.hits("/.well-known/openid-configuration"),
      ).toBeGreaterThan(0);
    },
  );

  it.each([
    ["SSE", () => new SSETransport({ url: server.urls.sse })],
    ["WebSocket", () => new WSTransport({ url: server.urls.ws })],
  ])(
    "works over %s: the resource is the server's, discovered from the challenge",
    async (_name, transport) => {
      const client = await connect(transport(), { auth: basicCredentials() });
      const me = await whoami(client);
      expect(me.clientId).toBe(oidc.app.clientId);
      expect(me.scopes).toEqual(["mcp"]);
    },
  );

  it.each([
    ["client_secret_basic", "client_secret_basic" as const],
    ["client_secret_post", "client_secret_post" as const],
  ])("%s: the secret goes where the method says, and only there", async (_name, method) => {
    const { fetch: recording, tokenRequests } = recordTokenRequests();
    const credentials = method === "client_secret_post" ? POST_CLIENT : oidc.app;
    const client = await connect(server.urls.http, {
      auth: new ClientCredentials({
        ...credentials,
        scopes: "mcp read",
        tokenEndpointAuthMethod: method,
        fetch: recording,
      }),
    });
    const me = await whoami(client);
    expect(me.clientId).toBe(credentials.clientId);
    expect(me.scopes.sort()).toEqual(["mcp", "read"]);
    const [request] = tokenRequests;
    expect(tokenRequests).toHaveLength(1);
    expect(request?.body.get("grant_type")).toBe("client_credentials");
    expect(request?.body.get("resource")).toBe(server.resource);
    expect(request?.body.get("scope")).toBe("mcp read");
    if (method === "client_secret_basic") {
      expect(request?.authorization).toBe(basic(credentials));
      expect(request?.body.has("client_secret")).toBe(false);
    } else {
      expect(request?.authorization).toBeNull();
      expect(request?.body.get("client_id")).toBe(credentials.clientId);
      expect(request?.body.get("client_secret")).toBe(credentials.clientSecret);
    }
  });

  it.each([
    [
      "a PEM with algorithm and keyId",
      () => ({ privateKey: jwtKey.pem, algorithm: "ES256", keyId: JWT_KID }),
    ],
    ["a JWK (alg given, kid from the JWK)", () => ({ privateKey: jwtKey.jwk, algorithm: "ES256" })],
  ])("private_key_jwt with %s, token endpoint given", async (_name, key) => {
    const client = await connect(server.urls.http, {
      auth: new ClientCredentials({
        clientId: JWT_CLIENT_ID,
        scopes: ["mcp"],
        tokenEndpoint: oidc.tokenEndpoint,
        ...key(),
      }),
    });
    expect((await whoami(client)).clientId).toBe(JWT_CLIENT_ID);
  });

  it("private_key_jwt with discovery: the assertion's audience is the discovered issuer", async () => {
    const client = await connect(server.urls.sse, {
      auth: new ClientCredentials({
        clientId: JWT_CLIENT_ID,
        scopes: ["mcp"],
        privateKey: jwtKey.jwk,
        algorithm: "ES256",
      }),
    });
    expect((await whoami(client)).clientId).toBe(JWT_CLIENT_ID);
  });

  it("a key the provider does not know is invalid_client, and the message holds no assertion", async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const client = new Client(server.urls.http, {
      auth: new ClientCredentials({
        clientId: JWT_CLIENT_ID,
        scopes: ["mcp"],
        privateKey,
        algorithm: "ES256",
        keyId: JWT_KID,
      }),
    });
    clients.push(client);
    const failure = (await client.connect().then(
      () => undefined,
      (error: unknown) => error,
    )) as Error | undefined;
    expect(failure?.message).toMatch(/invalid_client/);
    expect(failure?.message).not.toMatch(/eyJ/); // no JWT in the message
  });

  it("a token request refused before any request is sent (tokenEndpoint given) rejects with the OAuthError itself", async () => {
    const client = new Client(server.urls.http, {
      auth: new ClientCredentials({
        clientId: oidc.app.clientId,
        clientSecret: "wrong",
        scopes: ["mcp"],
        tokenEndpoint: oidc.tokenEndpoint,
      }),
    });
    clients.push(client);
    const failure = await client.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    // Not a ConnectionError ("Cannot reach ..."): the server was never asked.
    expect(failure).toBeInstanceOf(OAuthError);
    expect((failure as OAuthError).oauthError).toBe("invalid_client");
    expect((failure as Error).message).not.toMatch(/Cannot reach/);
  });

  it("a wrong secret: a clear error naming invalid_client, no secret, no token; the next client still works", async () => {
    const wrong = "wrong-secret-that-must-not-leak";
    const client = new Client(server.urls.http, {
      auth: new ClientCredentials({ clientId: oidc.app.clientId, clientSecret: wrong, scopes: ["mcp"] }),
    });
    clients.push(client);
    const failure = (await client.connect().then(
      () => undefined,
      (error: unknown) => error,
    )) as Error | undefined;
    expect(failure).toBeInstanceOf(Error);
    const text = `${failure?.message} ${String((failure?.cause as Error | undefined)?.message ?? "")}`;
    expect(text).toContain(oidc.tokenEndpoint);
    expect(text).toMatch(/invalid_client/);
    expect(text).not.toContain(wrong);
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
    // The server is unharmed and serves a correct client.
    const good = await connect(server.urls.http, { auth: basicCredentials() });
    expect((await whoami(good)).clientId).toBe(oidc.app.clientId);
  });

  it("without scopes it asks for those the server's metadata lists (scopes_supported)", async () => {
    const client = await connect(server.urls.http, { auth: new ClientCredentials({ ...oidc.app }) });
    expect((await whoami(client)).scopes).toEqual(["mcp"]);
  });

  it("a token that does not carry the required scope: 403 insufficient_scope, the client steps up", async () => {
    const client = await connect(server.urls.http, { auth: basicCredentials({ scopes: ["read"] }) });
    const me = await whoami(client);
    expect(me.scopes.sort()).toEqual(["mcp", "read"]);
  });
});

describe("token lifetime", () => {
  it.each(CLIENT_ERAS)("a short-lived token is replaced before it expires (%s)", async (_era, eraOptions) => {
    const server = await protectedServer({ ttlSeconds: 2 });
    const client = await connect(server.urls.http, { ...eraOptions, auth: basicCredentials() });
    const first = await whoami(client);
    const tokensBefore = oidc.hits("/token");
    // The replacement is the event waited for: each call shows the token the server saw.
    let latest = first;
    await until(
      async () => {
        latest = await whoami(client);
        return latest.token !== first.token;
      },
      10_000,
      "a new token",
    );
    expect(latest.clientId).toBe(oidc.app.clientId);
    expect(oidc.hits("/token") - tokensBefore).toBe(1);
  });

  it("a revoked token: the server's 401 makes the client get a new one and send the call again", async () => {
    const verifier = new IntrospectionVerifier({
      introspectionUrl: oidc.introspectionEndpoint,
      clientId: oidc.resourceServer.clientId,
      clientSecret: oidc.resourceServer.clientSecret,
      cacheTtlMs: 0,
    });
    const server = await protectedServer({ format: "opaque", verifier });
    const client = await connect(server.urls.http, { auth: basicCredentials() });
    const first = await whoami(client);
    await revoke(oidc, first.token as string);
    const second = await whoami(client);
    expect(second.token).not.toBe(first.token);
    expect(second.clientId).toBe(oidc.app.clientId);
  });

  it("a 401 that arrives after the token was already replaced sends the call again, no second token request", async () => {
    const verifier = new IntrospectionVerifier({
      introspectionUrl: oidc.introspectionEndpoint,
      clientId: oidc.resourceServer.clientId,
      clientSecret: oidc.resourceServer.clientSecret,
      cacheTtlMs: 0,
    });
    const server = await protectedServer({ format: "opaque", verifier });
    const recorded = recordTokenRequests();
    const wire = holdingFetch();
    const client = await connect(new StreamableHttpTransport({ url: server.urls.http, fetch: wire.fetch }), {
      auth: basicCredentials({ fetch: recorded.fetch }),
    });
    const first = await whoami(client);
    const before = recorded.tokenRequests.length;
    await revoke(oidc, first.token as string);
    // Call A goes with the revoked token; its 401 is held back.
    const heldBack = wire.holdNext();
    const a = whoami(client);
    await heldBack;
    // Call B is refused too, gets a new token and goes through.
    const b = await whoami(client);
    expect(b.token).not.toBe(first.token);
    expect(recorded.tokenRequests.length).toBe(before + 1);
    // A's 401 arrives: its token was already replaced, so it goes again with the new one.
    wire.release();
    expect((await a).token).toBe(b.token);
    expect(recorded.tokenRequests.length).toBe(before + 1);
  });
});

describe("ClientCredentials options", () => {
  it("refuses incomplete or contradictory options at construction, without echoing a secret", () => {
    expect(() => new ClientCredentials({ clientId: "", clientSecret: "x" })).toThrow(/clientId/);
    expect(() => new ClientCredentials({ clientId: "a" })).toThrow(/clientSecret/);
    expect(() => new ClientCredentials({ clientId: "a", privateKey: jwtKey.pem })).toThrow(/algorithm/);
    const { d: _d, ...publicJwk } = jwtKey.jwk;
    expect(() => new ClientCredentials({ clientId: "a", privateKey: publicJwk, algorithm: "ES256" })).toThrow(
      /public JWK/,
    );
    expect(
      () => new ClientCredentials({ clientId: "a", clientSecret: "s", tokenEndpoint: "ftp://x" }),
    ).toThrow(/http/);
    const auth = new ClientCredentials({ clientId: "a", clientSecret: "super-secret-value" });
    expect(JSON.stringify(auth)).not.toContain("super-secret-value");
  });

  it("OAuthError carries the OAuth error code and HTTP status", async () => {
    const auth = new ClientCredentials({
      clientId: "nobody",
      clientSecret: "nothing-at-all",
      tokenEndpoint: oidc.tokenEndpoint,
      resource: false,
    });
    const failure = await Promise.resolve(auth.headers("http://127.0.0.1:9/mcp")).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OAuthError);
    expect((failure as OAuthError).oauthError).toBe("invalid_client");
    expect((failure as OAuthError).status).toBe(401);
  });
});
