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
import { GitHubTokenVerifier, MemoryOAuthProxyStore, OAuthProxy } from "../../src/auth/server/index.js";
import { BearerAuth, FastMCP, type ListeningServer } from "../../src/index.js";
import { CLIENT_ERAS, closingClients } from "../helpers/clients.js";
import { type FakeGitHub, startFakeGitHub } from "../helpers/fake-github.js";
import { Browser, CLIENT_REDIRECT, consentFields, location, PUBLIC, pkce } from "../helpers/oauth-browser.js";

const connect = closingClients();

let github: FakeGitHub;
let listening: ListeningServer;
let origin: string;
let store: MemoryOAuthProxyStore;

beforeAll(async () => {
  github = await startFakeGitHub({ callbackUrl: `${PUBLIC}/auth/callback` });
  store = new MemoryOAuthProxyStore();
  const mcp = new FastMCP({
    name: "github-tools",
    auth: new OAuthProxy({
      upstreamAuthorizationEndpoint: github.authorizeUrl,
      upstreamTokenEndpoint: github.tokenUrl,
      upstreamClientId: github.clientId,
      upstreamClientSecret: github.clientSecret,
      tokenVerifier: new GitHubTokenVerifier({ apiBaseUrl: github.apiBaseUrl, cacheTtlMs: 0 }),
      baseUrl: PUBLIC,
      validScopes: ["read:user", "repo"],
      store,
    }),
  });
  mcp.tool("whoami", (_args, ctx) => ({
    login: ctx.auth?.claims?.login,
    subject: ctx.auth?.subject,
    clientId: ctx.auth?.clientId,
    scopes: ctx.auth?.scopes,
    upstreamToken: ctx.auth?.token,
  }));
  listening = await mcp.listen({ host: "127.0.0.1", port: 0 });
  origin = new URL(listening.url).origin;
});

afterAll(async () => {
  await listening?.close();
  await github?.close();
});

const browser = () => new Browser(() => origin);

interface Registered {
  client_id: string;
  client_secret?: string;
}

async function register(body: Record<string, unknown> = {}): Promise<Registered> {
  const response = await fetch(`${origin}/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: [CLIENT_REDIRECT],
      client_name: "Test Client",
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      ...body,
    }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Registered;
}

function authorizeUrl(clientId: string, challenge: string, extra: Record<string, string> = {}): string {
  const url = new URL(`${PUBLIC}/authorize`);
  for (const [name, value] of Object.entries({
    response_type: "code",
    client_id: clientId,
    redirect_uri: CLIENT_REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "client-state-1",
    scope: "read:user",
    resource: `${PUBLIC}/mcp`,
    ...extra,
  }))
    url.searchParams.set(name, value);
  return url.href;
}

/** Authorize, consent, upstream sign-in, callback: the redirect back to the client. */
async function authorizeInBrowser(
  b: Browser,
  clientId: string,
  challenge: string,
  extra: Record<string, string> = {},
) {
  const page = await b.go(authorizeUrl(clientId, challenge, extra));
  expect(page.status).toBe(200);
  const html = await page.text();
  const approved = await b.post(`${PUBLIC}/consent`, { ...consentFields(html), action: "approve" });
  expect(approved.status).toBe(302);
  const upstream = location(approved);
  const signedIn = await b.go(upstream.href);
  expect(signedIn.status).toBe(302);
  const callback = await b.go(location(signedIn).href);
  expect(callback.status).toBe(302);
  return { html, upstream, callbackUrl: location(signedIn), back: location(callback) };
}

async function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${origin}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** A whole login; resolves to the proxy's tokens. */
async function login(client?: Registered) {
  const registered = client ?? (await register());
  const { verifier, challenge } = pkce();
  const { back } = await authorizeInBrowser(browser(), registered.client_id, challenge);
  const code = back.searchParams.get("code") ?? "";
  const tokens = await tokenRequest({
    grant_type: "authorization_code",
    code,
    redirect_uri: CLIENT_REDIRECT,
    client_id: registered.client_id,
    code_verifier: verifier,
  });
  expect(tokens.status).toBe(200);
  return { client: registered, code, verifier, tokens: tokens.body };
}

/** The status of an initialize with this bearer token (200 when it is accepted). */
async function whoami(token: string): Promise<number> {
  const response = await fetch(listening.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
  await response.body?.cancel();
  return response.status;
}

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
    expect(await store.get(`token:${tokens.access_token}`)).toBeUndefined();
    expect(await store.get(`refresh:${tokens.refresh_token}`)).toBeUndefined();
    expect(await store.get(`usedcode:${code}`)).toBeUndefined();
    expect(store.size("token")).toBeGreaterThan(0);
  });
});
