/**
 * OAuthProxy in front of a GitHub-like provider (test/helpers/fake-github.ts) on a real server:
 * metadata, a full login as an MCP client does it with plain fetch (registration, authorize,
 * consent, upstream sign-in, callback, code and PKCE, tokens), tool calls in both eras with the
 * token, refresh, and the official SDK's client auth flow against it.
 */
import {
  auth,
  discoverAuthorizationServerMetadata,
  type OAuthClientProvider,
} from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubTokenVerifier, type MemoryOAuthProxyStore, OAuthProxy } from "../../src/auth/server/index.js";
import { BearerAuth, FastMCP, type ListeningServer } from "../../src/index.js";
import type { HttpAppOptions } from "../../src/transports/http/app.js";
import { CLIENT_ERAS, closingClients } from "../helpers/clients.js";
import type { FakeGitHub } from "../helpers/fake-github.js";
import { CLIENT_REDIRECT, consentFields, location, PUBLIC, pkce } from "../helpers/oauth-browser.js";
import { type ProxyRig, startProxyRig } from "../helpers/oauth-proxy-rig.js";

const connect = closingClients();

type ListenCors = NonNullable<HttpAppOptions["cors"]>;

let rig: ProxyRig;
let github: FakeGitHub;
let listening: ListeningServer;
let origin: string;

beforeAll(async () => {
  rig = await startProxyRig();
  ({ github, listening, origin } = rig);
});

afterAll(() => rig?.close());

const browser = () => rig.browser();
const register = (body?: Record<string, unknown>) => rig.register(body);
const authorizeInBrowser: ProxyRig["authorizeInBrowser"] = (...args) => rig.authorizeInBrowser(...args);
const tokenRequest: ProxyRig["tokenRequest"] = (...args) => rig.tokenRequest(...args);
const login: ProxyRig["login"] = (...args) => rig.login(...args);
const whoami = (token: string) => rig.whoami(token);

describe("metadata", () => {
  it("publishes RFC 9728 metadata naming the proxy, and RFC 8414 metadata the official SDK accepts", async () => {
    const prm = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(await prm.json()).toMatchObject({ resource: `${PUBLIC}/mcp`, authorization_servers: [PUBLIC] });
    const challenge = await fetch(listening.url, { method: "POST" });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get("www-authenticate")).toContain(
      `resource_metadata="${PUBLIC}/.well-known/oauth-protected-resource/mcp"`,
    );
    const b = browser();
    const metadata = await discoverAuthorizationServerMetadata(PUBLIC, {
      fetchFn: (url, init) => fetch(b.toLocal(String(url)), init),
    });
    expect(metadata).toMatchObject({
      issuer: PUBLIC,
      authorization_endpoint: `${PUBLIC}/authorize`,
      token_endpoint: `${PUBLIC}/token`,
      registration_endpoint: `${PUBLIC}/register`,
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "refresh_token"],
      scopes_supported: ["read:user", "repo"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
    });
    const preflight = await fetch(`${origin}/.well-known/oauth-authorization-server`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("login", () => {
  it("goes upstream with the proxy's own app, callback, state and PKCE, and back to the client with a code, its state and the issuer", async () => {
    const client = await register();
    const { challenge } = pkce();
    const b = browser();
    const { html, upstream, callbackUrl, back } = await authorizeInBrowser(b, client.client_id, challenge, {
      state: "s&t=<x>\"'",
    });
    expect(html).toContain("Test Client");
    expect(html).toContain(CLIENT_REDIRECT);
    expect(upstream.origin + upstream.pathname).toBe(github.authorizeUrl);
    expect(upstream.searchParams.get("client_id")).toBe(github.clientId);
    expect(upstream.searchParams.get("redirect_uri")).toBe(`${PUBLIC}/auth/callback`);
    expect(upstream.searchParams.get("code_challenge_method")).toBe("S256");
    expect(upstream.searchParams.get("code_challenge")).not.toBe(challenge);
    expect(upstream.searchParams.get("state")).not.toBe("s&t=<x>\"'");
    expect(upstream.searchParams.get("scope")).toBe("read:user");
    expect(callbackUrl.origin + callbackUrl.pathname).toBe(`${PUBLIC}/auth/callback`);
    expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
    expect(back.searchParams.get("state")).toBe("s&t=<x>\"'");
    expect(back.searchParams.get("iss")).toBe(PUBLIC);
    expect(back.searchParams.get("code")).toMatch(/^[\w-]{43}$/);
  });

  it.each(CLIENT_ERAS)(
    "gives tokens a %s Client uses with BearerAuth; ctx.auth is the upstream user",
    async (_era, options) => {
      const { client, tokens } = await login();
      expect(tokens).toMatchObject({ token_type: "Bearer", scope: "read:user" });
      expect(tokens.expires_in).toBeGreaterThan(0);
      // The proxy's own token, not GitHub's.
      expect(github.issued).not.toContain(tokens.access_token);
      const mcp = await connect(listening.url, {
        ...options,
        auth: new BearerAuth(tokens.access_token ?? ""),
      });
      const result = await mcp.callTool("whoami", {});
      expect(result.structuredContent).toEqual({
        login: "octocat",
        subject: "583231",
        clientId: client.client_id,
        scopes: ["read:user"],
        upstreamToken: github.issued.at(-1),
      });
    },
  );

  it("refreshes with rotation; a replayed refresh token revokes the grant", async () => {
    const { client, tokens } = await login();
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token ?? "",
      client_id: client.client_id,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(tokens.access_token);
    expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(await whoami(refreshed.body.access_token ?? "")).toBe(200);
    const replay = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token ?? "",
      client_id: client.client_id,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await whoami(refreshed.body.access_token ?? "")).toBe(401);
    expect(await whoami(tokens.access_token ?? "")).toBe(401);
  });

  it("a confidential client authenticates with its secret, by Basic auth or in the form", async () => {
    const client = await register({ token_endpoint_auth_method: "client_secret_basic" });
    expect(client.client_secret).toBeTypeOf("string");
    const { verifier, challenge } = pkce();
    const { back } = await authorizeInBrowser(browser(), client.client_id, challenge);
    const code = back.searchParams.get("code") ?? "";
    const fields = {
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      code_verifier: verifier,
    };
    const wrong = await tokenRequest(fields, {
      authorization: `Basic ${Buffer.from(`${client.client_id}:nope`).toString("base64")}`,
    });
    expect(wrong).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    const right = await tokenRequest(fields, {
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString("base64")}`,
    });
    expect(right.status).toBe(200);
    const refreshed = await tokenRequest({
      grant_type: "refresh_token",
      refresh_token: right.body.refresh_token ?? "",
      client_id: client.client_id,
      client_secret: client.client_secret ?? "",
    });
    expect(refreshed.status).toBe(200);
  });

  it("a token GitHub revokes stops working at the MCP endpoint", async () => {
    const { tokens } = await login();
    expect(await whoami(tokens.access_token ?? "")).toBe(200);
    github.revoke(github.issued.at(-1) ?? "");
    expect(await whoami(tokens.access_token ?? "")).toBe(401);
  });

  it("the official SDK's client auth flow (discovery, registration, PKCE, resource, exchange) logs in", async () => {
    const b = browser();
    let client: OAuthClientInformationMixed | undefined;
    let saved: OAuthTokens | undefined;
    let verifier = "";
    let redirectedTo: URL | undefined;
    const provider: OAuthClientProvider = {
      redirectUrl: CLIENT_REDIRECT,
      clientMetadata: {
        redirect_uris: [CLIENT_REDIRECT],
        client_name: "SDK client",
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      },
      clientInformation: () => client,
      saveClientInformation: (info) => {
        client = info;
      },
      tokens: () => saved,
      saveTokens: (tokens) => {
        saved = tokens;
      },
      redirectToAuthorization: (url) => {
        redirectedTo = url;
      },
      saveCodeVerifier: (value) => {
        verifier = value;
      },
      codeVerifier: () => verifier,
    };
    const fetchFn = (url: string | URL, init?: RequestInit) => fetch(b.toLocal(String(url)), init);
    expect(await auth(provider, { serverUrl: `${PUBLIC}/mcp`, fetchFn })).toBe("REDIRECT");
    if (!redirectedTo) throw new Error("the SDK did not redirect");
    expect(redirectedTo.searchParams.get("resource")).toBe(`${PUBLIC}/mcp`);
    const page = await b.go(redirectedTo.href);
    const approved = await b.post(`${PUBLIC}/consent`, {
      ...consentFields(await page.text()),
      action: "approve",
    });
    const signedIn = await b.go(location(approved).href);
    const back = location(await b.go(location(signedIn).href));
    const code = back.searchParams.get("code") ?? "";
    expect(await auth(provider, { serverUrl: `${PUBLIC}/mcp`, authorizationCode: code, fetchFn })).toBe(
      "AUTHORIZED",
    );
    expect(await whoami(saved?.access_token ?? "")).toBe(200);
  });

  it("keeps only hashes of its codes and tokens in the store", async () => {
    const { code, tokens } = await login();
    const store = rig.store as MemoryOAuthProxyStore;
    expect(await store.get(`token:${tokens.access_token}`)).toBeUndefined();
    expect(await store.get(`refresh:${tokens.refresh_token}`)).toBeUndefined();
    expect(await store.get(`usedcode:${code}`)).toBeUndefined();
    expect(store.size("token")).toBeGreaterThan(0);
  });
});

describe("expiring upstream tokens", () => {
  it("never outlives the upstream token, and a refresh renews it upstream", async () => {
    const expiring = await startProxyRig({}, { expiresInSec: 30 });
    try {
      const { client, tokens } = await expiring.login();
      expect(Number(tokens.expires_in)).toBeLessThanOrEqual(30);
      const first = expiring.github.issued.at(-1);
      const refreshed = await expiring.tokenRequest({
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token ?? "",
        client_id: client.client_id,
      });
      expect(refreshed.status).toBe(200);
      const second = expiring.github.issued.at(-1);
      expect(second).not.toBe(first);
      const mcp = await connect(expiring.listening.url, {
        auth: new BearerAuth(refreshed.body.access_token ?? ""),
      });
      expect((await mcp.callTool("whoami", {})).structuredContent).toMatchObject({ upstreamToken: second });
    } finally {
      await expiring.close();
    }
  });
});

describe("web handler", () => {
  const proxied = (cors?: ListenCors) => {
    const mcp = new FastMCP({
      name: "prefixed",
      auth: new OAuthProxy({
        upstreamAuthorizationEndpoint: "https://github.com/login/oauth/authorize",
        upstreamTokenEndpoint: "https://github.com/login/oauth/access_token",
        upstreamClientId: "app",
        upstreamClientSecret: "secret",
        tokenVerifier: new GitHubTokenVerifier(),
        baseUrl: "https://mcp.example.com/api",
      }),
    });
    return mcp.webHandler(cors ? { cors } : {});
  };

  it("serves the routes under the base URL's path (or with it stripped by a reverse proxy), with path-inserted RFC 8414 metadata", async () => {
    const handler = proxied();
    const fetchFn = (url: string | URL, init?: RequestInit) => handler(new Request(url, init));
    const metadata = await discoverAuthorizationServerMetadata("https://mcp.example.com/api", { fetchFn });
    expect(metadata).toMatchObject({
      issuer: "https://mcp.example.com/api",
      authorization_endpoint: "https://mcp.example.com/api/authorize",
      token_endpoint: "https://mcp.example.com/api/token",
      registration_endpoint: "https://mcp.example.com/api/register",
    });
    const suffixed = await handler(
      new Request("https://mcp.example.com/api/.well-known/oauth-authorization-server"),
    );
    expect(await suffixed.json()).toMatchObject({ issuer: "https://mcp.example.com/api" });
    const prm = await handler(
      new Request("https://mcp.example.com/.well-known/oauth-protected-resource/api/mcp"),
    );
    expect(await prm.json()).toMatchObject({
      resource: "https://mcp.example.com/api/mcp",
      authorization_servers: ["https://mcp.example.com/api"],
    });
    const registered = await handler(
      new Request("https://mcp.example.com/api/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [CLIENT_REDIRECT], token_endpoint_auth_method: "none" }),
      }),
    );
    expect(registered.status).toBe(201);
    const stripped = await handler(new Request("https://mcp.example.com/token", { method: "OPTIONS" }));
    expect(stripped.status).toBe(204);
    expect((await handler(new Request("https://mcp.example.com/api/nothing"))).status).toBe(404);
  });

  it("answers browsers on other origins at the token endpoint (with and without the cors option)", async () => {
    for (const handler of [proxied(), proxied({ origins: ["https://app.example"] })]) {
      const preflight = await handler(
        new Request("https://mcp.example.com/api/token", {
          method: "OPTIONS",
          headers: { origin: "https://app.example", "access-control-request-method": "POST" },
        }),
      );
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toMatch(/^(\*|https:\/\/app\.example)$/);
      const refused = await handler(
        new Request("https://mcp.example.com/api/token", {
          method: "POST",
          headers: { origin: "https://app.example", "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=authorization_code",
        }),
      );
      expect(refused.status).toBe(401);
      expect(refused.headers.get("access-control-allow-origin")).toMatch(/^(\*|https:\/\/app\.example)$/);
    }
  });
});
