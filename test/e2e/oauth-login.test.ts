/**
 * Our own `Client` with `OAuth` logs in end to end: to a FastMCP resource server
 * (`RemoteAuthProvider` + `JWTVerifier`) of a real OpenID provider (oidc-provider,
 * test/helpers/oidc.ts), over Streamable HTTP in both eras, legacy SSE and WebSocket; refreshes
 * expired tokens, steps up on 403 insufficient_scope, keeps tokens in a FileTokenStorage; and logs
 * in through our own OAuthProxy in front of a GitHub-like provider. The user is `playUser` (or the
 * proxy rig's browser), called by the OAuth `redirectHandler` as an app would open a browser.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  FileTokenStorage,
  MemoryTokenStorage,
  OAuth,
  OAuthError,
  type OAuthOptions,
  type TokenStorage,
} from "../../src/auth/client/index.js";
import { requireScopes } from "../../src/auth/server/index.js";
import { Client, type ClientOptions, type ClientTarget, StreamableHttpTransport } from "../../src/index.js";
import { CLIENT_ERAS, LEGACY_CLIENT } from "../helpers/clients.js";
import { PUBLIC } from "../helpers/oauth-browser.js";
import { type ProxyRig, startProxyRig } from "../helpers/oauth-proxy-rig.js";
import {
  type OidcProvider,
  type PlayUserOptions,
  pkcePair,
  playUser,
  startOidcProvider,
} from "../helpers/oidc.js";
import {
  type Identity,
  type ProtectedServer,
  type ProtectedServerOptions,
  protectedServer as startProtectedServer,
} from "../helpers/protected-server.js";
import { type Exchange, recordingFetch } from "../helpers/recording-fetch.js";
import { until } from "../helpers/wait.js";

let oidc: OidcProvider;
const servers: ProtectedServer[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcProvider();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});
afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.close()));
  await oidc?.close();
});

async function protectedServer(options: ProtectedServerOptions = {}): Promise<ProtectedServer> {
  const server = await startProtectedServer(oidc, options);
  servers.push(server);
  return server;
}

interface LoggingIn {
  client: Client;
  oauth: OAuth;
  storage: TokenStorage;
  /** The authorization URLs the redirectHandler was given, one per login. */
  authorizations: URL[];
}

/**
 * A Client whose OAuth sends the user through `playUser`: the n-th login plays `plays[n]` (the
 * last one again after the list ends). Closed after the test.
 */
function oauthClient(
  target: ClientTarget,
  plays: PlayUserOptions[] = [{ user: "ada" }],
  options: OAuthOptions & { client?: ClientOptions } = {},
): LoggingIn {
  const { client: clientOptions = {}, ...oauthOptions } = options;
  const authorizations: URL[] = [];
  const storage = oauthOptions.tokenStorage ?? new MemoryTokenStorage();
  const oauth = new OAuth({
    clientName: "e2e-client",
    tokenStorage: storage,
    redirectHandler: (url) => {
      authorizations.push(new URL(url));
      const play = plays[Math.min(authorizations.length, plays.length) - 1];
      return playUser(url, play);
    },
    ...oauthOptions,
  });
  const client = new Client(target, { timeout: 30_000, ...clientOptions, auth: oauth });
  cleanups.push(() => client.close());
  return { client, oauth, storage, authorizations };
}

async function whoami(client: Client): Promise<Identity> {
  return (await client.callTool("whoami", {})).structuredContent as Identity;
}

/** The tokens and client identity OAuth stored for `url`. */
async function stored(storage: TokenStorage, url: string) {
  const state = await storage.get(url);
  const tokens = state?.tokens;
  if (!tokens) throw new Error(`no tokens stored for ${url}`);
  const clientId = state?.clients?.[oidc.issuer]?.clientId;
  return { tokens, clientId };
}

describe("login at the OpenID provider, on every transport", () => {
  let server: ProtectedServer;
  beforeAll(async () => {
    // One server on three transports, one resource (the origin) covering all its endpoints.
    server = await protectedServer({ transport: ["http", "sse", "ws"], resourcePath: "/" });
  });

  const cases: Array<[name: string, endpoint: "http" | "sse" | "ws", options: ClientOptions]> = [
    ["Streamable HTTP, 2026-07-28", "http", {}],
    ["Streamable HTTP, legacy era", "http", LEGACY_CLIENT],
    ["legacy SSE", "sse", {}],
    ["WebSocket", "ws", {}],
  ];

  it.each(cases)(
    "%s: discovers from the 401, registers, logs the user in, and calls a tool as that user",
    async (_name, endpoint, options) => {
      const url = server.urls[endpoint] as string;
      const grantsBefore = oidc.issuedGrants.length;
      const { client, storage, authorizations } = oauthClient(url, [{ user: "ada" }], { client: options });
      await client.connect();
      const identity = await whoami(client);

      const { tokens, clientId } = await stored(storage, url);
      expect(clientId).toMatch(/\S/);
      expect(identity).toEqual({ subject: "ada", clientId, scopes: ["mcp"] });
      expect(authorizations).toHaveLength(1);
      const request = authorizations[0] as URL;
      expect(request.origin + request.pathname).toBe(oidc.authorizationEndpoint);
      expect(request.searchParams.get("client_id")).toBe(clientId);
      expect(request.searchParams.get("resource")).toBe(server.resource);
      expect(request.searchParams.get("code_challenge_method")).toBe("S256");
      expect(request.searchParams.get("scope")?.split(" ")).toContain("mcp");
      expect(decodeJwt(tokens.accessToken)).toMatchObject({
        iss: oidc.issuer,
        aud: server.resource,
        sub: "ada",
        client_id: clientId,
      });
      expect(tokens.refreshToken).toBeTypeOf("string");
      expect(oidc.issuedGrants.slice(grantsBefore)).toEqual(["authorization_code"]);
    },
  );
});

describe("a server on several transports with the default resources", () => {
  it("each endpoint is a resource of its own: a client at /sse or /ws logs in for that endpoint", async () => {
    // RFC 9728 §3.3 (and the SDKs' check): the metadata's resource must be the URL connected to.
    const server = await protectedServer({ transport: ["http", "sse", "ws"] });
    expect(server.resource).toBe(server.urls.http);
    for (const endpoint of ["sse", "ws"] as const) {
      const url = server.urls[endpoint] as string;
      const { client, storage, authorizations } = oauthClient(url);
      await client.connect();
      expect((await whoami(client)).subject).toBe("ada");
      // The SSE and WebSocket endpoints are discovered through their http(s) URL.
      const resource = `${new URL(server.url).origin}${new URL(url).pathname}`;
      expect(authorizations[0]?.searchParams.get("resource")).toBe(resource);
      expect(decodeJwt((await stored(storage, url)).tokens.accessToken).aud).toBe(resource);
    }
  });
});

/** The grants the provider answered since `from` (an index of `oidc.issuedGrants`). */
const grantsSince = (from: number) => oidc.issuedGrants.slice(from);

describe("token expiry", () => {
  it("refreshes before the token expires (after half its lifetime): no 401, no second login", async () => {
    const server = await protectedServer({ accessTokenTtlSec: 4 });
    const { fetch: recording, exchanges } = recordingFetch();
    const from = oidc.issuedGrants.length;
    const { client, storage, authorizations } = oauthClient(
      new StreamableHttpTransport({ url: server.url, fetch: recording }),
    );
    await client.connect();
    const first = (await stored(storage, server.url)).tokens;
    // A token that just came is used as it is.
    await whoami(client);
    expect(grantsSince(from)).toEqual(["authorization_code"]);

    await until(
      async () => {
        await whoami(client);
        return grantsSince(from).includes("refresh_token");
      },
      20_000,
      "the client to refresh its token",
    );
    const fresh = (await stored(storage, server.url)).tokens;
    expect(fresh.accessToken).not.toBe(first.accessToken);
    expect(fresh.refreshToken).not.toBe(first.refreshToken);
    // The refresh came before the server ever refused the first token.
    expect(exchanges.filter((e) => e.status === 401)).toHaveLength(1); // the first request, before login
    expect(exchanges.at(-1)).toMatchObject({ status: 200, authorization: `Bearer ${fresh.accessToken}` });
    expect(await whoami(client)).toMatchObject({ subject: "ada" });
    expect(authorizations).toHaveLength(1);
    expect(grantsSince(from)).toEqual(["authorization_code", "refresh_token"]);
  });

  it("a client whose clock runs an hour behind sends the expired token, gets the server's 401, refreshes and goes on", async () => {
    const server = await protectedServer({ accessTokenTtlSec: 2 });
    const storage = new MemoryTokenStorage();
    const login = oauthClient(server.url, [{ user: "grace" }], { tokenStorage: storage });
    await login.client.connect();
    await login.client.close();
    // The same tokens, seen by a clock an hour behind: the client believes they live an hour more.
    const state = (await storage.get(server.url)) ?? {};
    const tokens = state.tokens as NonNullable<typeof state.tokens>;
    await storage.set(server.url, { ...state, tokens: { ...tokens, expiresAt: Date.now() + 3_600_000 } });

    const { fetch: recording, exchanges } = recordingFetch();
    const from = oidc.issuedGrants.length;
    const { client, authorizations } = oauthClient(
      new StreamableHttpTransport({ url: server.url, fetch: recording }),
      [{ user: "grace" }],
      { tokenStorage: storage },
    );
    await client.connect();
    let identity: Identity | undefined;
    // Call until the token's real expiry shows as the server's 401.
    await until(
      async () => {
        identity = await whoami(client);
        return exchanges.some((e) => e.status === 401);
      },
      20_000,
      "the server to refuse the expired token",
    );
    expect(identity?.subject).toBe("grace");
    const refusedAt = exchanges.findIndex((e) => e.status === 401);
    const refused = exchanges[refusedAt] as Exchange;
    expect(refused.authorization).toBe(`Bearer ${tokens.accessToken}`);
    expect(refused.challenge).toContain('error="invalid_token"');
    const fresh = (await stored(storage, server.url)).tokens;
    // The same request again, with the refreshed token.
    expect(exchanges[refusedAt + 1]).toMatchObject({
      method: "POST",
      status: 200,
      authorization: `Bearer ${fresh.accessToken}`,
    });
    expect(grantsSince(from)).toEqual(["refresh_token"]);
    expect(authorizations).toHaveLength(0);
    expect(login.authorizations).toHaveLength(1);
  });
});

describe("step-up", () => {
  it("a user who granted only mcp is sent back for write on our 403, and the call goes through", async () => {
    const server = await protectedServer({ requiredScopes: ["mcp", "write"] });
    const { fetch: recording, exchanges } = recordingFetch();
    const { client, storage, authorizations } = oauthClient(
      new StreamableHttpTransport({ url: server.url, fetch: recording }),
      [{ user: "ada", scopes: ["mcp"] }, { user: "ada" }],
    );
    await client.connect();
    expect(await whoami(client)).toMatchObject({ subject: "ada", scopes: ["mcp", "write"] });

    const refusal = exchanges.find((e) => e.status === 403);
    expect(refusal?.challenge).toContain('error="insufficient_scope"');
    expect(refusal?.challenge).toContain('scope="mcp write"');
    expect(authorizations).toHaveLength(2);
    expect(authorizations[0]?.searchParams.get("scope")?.split(" ")).toEqual(
      expect.arrayContaining(["mcp", "write"]),
    );
    expect(authorizations[1]?.searchParams.get("scope")?.split(" ")).toEqual(
      expect.arrayContaining(["mcp", "write"]),
    );
    expect((await stored(storage, server.url)).tokens.grantedScopes).toEqual(
      expect.arrayContaining(["mcp", "write"]),
    );
  });

  it.each<[what: string, second: PlayUserOptions, message: RegExp]>([
    ["ticks mcp only again", { user: "ada", scopes: ["mcp"] }, /HTTP 403 .*insufficient_scope/],
    ["denies", { user: "ada", approve: false }, /access was denied/],
  ])(
    "a user who %s at the second login: the call fails with a clear error, no third login",
    async (_what, second, message) => {
      const server = await protectedServer({ requiredScopes: ["mcp", "write"] });
      const { client, authorizations } = oauthClient(server.url, [{ user: "ada", scopes: ["mcp"] }, second]);
      const error = await client.connect().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).toMatch(message);
      expect(authorizations).toHaveLength(2);
    },
  );

  it("a tool guarded by requireScopes('write') is unknown to a token without write (no 403, so no step-up)", async () => {
    const server = await protectedServer({
      setup: (mcp) => mcp.tool("publish", { auth: requireScopes("write") }, () => "published"),
    });
    const { client, authorizations } = oauthClient(server.url, [{ user: "ada", scopes: ["mcp"] }]);
    await client.connect();
    await expect(client.callTool("publish", {})).rejects.toThrow(/Unknown tool: publish/);
    expect(authorizations).toHaveLength(1);
  });
});

describe("FileTokenStorage", () => {
  it("a second Client, with a new OAuth on the same directory, calls without logging in", async () => {
    const server = await protectedServer();
    const dir = await mkdtemp(join(tmpdir(), "fastmcp-e2e-oauth-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const from = oidc.issuedGrants.length;
    const first = oauthClient(server.url, [{ user: "ada" }], { tokenStorage: new FileTokenStorage(dir) });
    await first.client.connect();
    expect((await whoami(first.client)).subject).toBe("ada");
    await first.client.close();

    const second = oauthClient(server.url, [], {
      tokenStorage: new FileTokenStorage(dir),
      redirectHandler: () => Promise.reject(new Error("a second login was started")),
    });
    await second.client.connect();
    expect((await whoami(second.client)).subject).toBe("ada");
    expect(first.authorizations).toHaveLength(1);
    expect(grantsSince(from)).toEqual(["authorization_code"]);
  });
});

describe("login through our OAuthProxy in front of a GitHub-like provider", () => {
  let rig: ProxyRig;
  let expiring: ProxyRig;
  beforeAll(async () => {
    rig = await startProxyRig();
    // GitHub Apps' expiring user tokens: the proxy's own tokens never outlive them.
    expiring = await startProxyRig({}, { expiresInSec: 2 });
  });
  afterAll(async () => {
    await rig?.close();
    await expiring?.close();
  });

  /**
   * A Client of the proxy at its public URL (a reverse proxy's, mapped to the listening port by the
   * rig's browser), whose user approves on the consent page and signs in upstream.
   */
  function proxyClient(target: ProxyRig, options: ClientOptions = {}) {
    const b = target.browser();
    const local = ((input: string | URL, init?: RequestInit) =>
      fetch(b.toLocal(String(input)), init)) as typeof fetch;
    const approvals: URL[] = [];
    const oauth = new OAuth({
      clientName: "e2e-proxy-client",
      fetch: local,
      redirectHandler: async (url) => {
        approvals.push(new URL(url));
        return (await target.approveInBrowser(b, url)).back;
      },
    });
    const client = new Client(new StreamableHttpTransport({ url: `${PUBLIC}/mcp`, fetch: local }), {
      ...options,
      auth: oauth,
    });
    cleanups.push(() => client.close());
    return { client, approvals };
  }

  it.each(CLIENT_ERAS)(
    "%s: registers at the proxy, the user consents and signs in at GitHub, and the tool sees the GitHub user",
    async (_era, options) => {
      const { client, approvals } = proxyClient(rig, options);
      await client.connect();
      const identity = (await client.callTool("whoami", {})).structuredContent as Record<string, unknown>;
      expect(approvals).toHaveLength(1);
      const request = approvals[0] as URL;
      expect(request.origin + request.pathname).toBe(`${PUBLIC}/authorize`);
      expect(request.searchParams.get("resource")).toBe(`${PUBLIC}/mcp`);
      // The scopes the proxy's protected resource metadata lists (its validScopes).
      expect(request.searchParams.get("scope")).toBe("read:user repo");
      expect(identity).toEqual({
        login: "octocat",
        subject: "583231",
        clientId: request.searchParams.get("client_id"),
        scopes: ["read:user", "repo"],
        upstreamToken: rig.github.issued.at(-1),
      });
    },
  );

  it("refreshes at the proxy, which renews the upstream token: no second consent", async () => {
    const { client, approvals } = proxyClient(expiring);
    await client.connect();
    const whoamiUpstream = async () =>
      ((await client.callTool("whoami", {})).structuredContent as { upstreamToken: string }).upstreamToken;
    const first = await whoamiUpstream();
    expect(first).toBe(expiring.github.issued.at(-1));
    let latest = first;
    await until(
      async () => {
        latest = await whoamiUpstream();
        return latest !== first;
      },
      20_000,
      "a refresh to renew the upstream token",
    );
    expect(latest).toBe(expiring.github.issued.at(-1));
    expect(approvals).toHaveLength(1);
  });
});

describe("attacks on the client's login", () => {
  it("an attacker's code delivered with the client's state is refused at the token endpoint (PKCE): nobody is logged in as the attacker", async () => {
    const server = await protectedServer();
    let injected = "";
    const { client, storage } = oauthClient(server.url, [], {
      // The attacker runs the client's authorization request with its own PKCE challenge, signs in
      // as mallory, and sends the victim's browser to the callback with that code and the victim's state.
      redirectHandler: async (url) => {
        const attackerRequest = new URL(url);
        attackerRequest.searchParams.set("code_challenge", pkcePair().challenge);
        attackerRequest.searchParams.set("state", "mallory-state");
        const callback = new URL(await playUser(attackerRequest, { user: "mallory" }));
        injected = callback.searchParams.get("code") ?? "";
        callback.searchParams.set("state", new URL(url).searchParams.get("state") ?? "");
        return callback;
      },
    });
    const error = (await client.connect().catch((caught: unknown) => caught)) as OAuthError;
    expect(injected).not.toBe("");
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.step).toBe("token");
    expect(error.oauthError).toBe("invalid_grant");
    expect(error.message).not.toContain(injected);
    expect(String(error.stack)).not.toContain(injected);
    expect((await storage.get(server.url))?.tokens).toBeUndefined();
  });

  it("a callback whose state is not the one sent is refused before its code is redeemed", async () => {
    const server = await protectedServer();
    const tokenRequests = oidc.hits("/token");
    let code = "";
    const { client } = oauthClient(server.url, [], {
      redirectHandler: async (url) => {
        const callback = new URL(await playUser(url, { user: "ada" }));
        code = callback.searchParams.get("code") ?? "";
        callback.searchParams.set("state", "another-state");
        return callback;
      },
    });
    const error = (await client.connect().catch((caught: unknown) => caught)) as OAuthError;
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.step).toBe("callback");
    expect(error.message).not.toContain(code);
    expect(oidc.hits("/token")).toBe(tokenRequests);
  });

  it("tokens the server does not accept (issued for another resource than it checks): one login, one refresh, then a clear 401", async () => {
    const server = await protectedServer({ audience: "http://127.0.0.1:1/another-resource" });
    const from = oidc.issuedGrants.length;
    const { client, storage, authorizations } = oauthClient(server.url);
    const error = await client.connect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/HTTP 401 .*invalid_token/);
    const { tokens } = await stored(storage, server.url);
    expect(String(error)).not.toContain(tokens.accessToken);
    expect(authorizations).toHaveLength(1);
    expect(grantsSince(from)).toEqual(["authorization_code", "refresh_token"]);
  });
});
