/**
 * A FastMCP server behind an OAuthProxy in front of the fake GitHub (test/helpers/fake-github.ts),
 * listening on 127.0.0.1 port 0 under the public base URL https://mcp.example.com, with the steps
 * of a login as an MCP client does them with plain fetch.
 */

import { expect } from "vitest";
import {
  GitHubTokenVerifier,
  MemoryOAuthProxyStore,
  OAuthProxy,
  type OAuthProxyOptions,
} from "../../src/auth/server/index.js";
import { FastMCP, type ListeningServer } from "../../src/index.js";
import type { Store } from "../../src/stores/store.js";
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from "./fake-github.js";
import { Browser, CLIENT_REDIRECT, consentFields, location, PUBLIC, pkce } from "./oauth-browser.js";

export interface Registered {
  client_id: string;
  client_secret?: string;
}

export interface ProxyRig {
  github: FakeGitHub;
  listening: ListeningServer;
  origin: string;
  /** The proxy's own store when it has a memory one (undefined when it uses the server's store). */
  store: MemoryOAuthProxyStore | undefined;
  proxy: OAuthProxy;
  browser(): Browser;
  register(body?: Record<string, unknown>): Promise<Registered>;
  authorizeUrl(clientId: string, challenge: string, extra?: Record<string, string>): string;
  /**
   * The user at `authorizationUrl` (the proxy's `/authorize` with a client's parameters): consent
   * page, approve, upstream sign-in, callback; resolves to the redirect back to the client.
   */
  approveInBrowser(
    b: Browser,
    authorizationUrl: string,
  ): Promise<{ html: string; upstream: URL; callbackUrl: URL; back: URL }>;
  /** Authorize, consent, upstream sign-in, callback: the redirect back to the client. */
  authorizeInBrowser(
    b: Browser,
    clientId: string,
    challenge: string,
    extra?: Record<string, string>,
  ): Promise<{ html: string; upstream: URL; callbackUrl: URL; back: URL }>;
  tokenRequest(
    fields: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, string> }>;
  /** A whole login; resolves to the proxy's tokens. */
  login(client?: Registered): Promise<{
    client: Registered;
    code: string;
    verifier: string;
    tokens: Record<string, string>;
  }>;
  /** The status of an initialize with this bearer token (200 when it is accepted). */
  whoami(token: string): Promise<number>;
  close(): Promise<void>;
}

export async function startProxyRig(
  options: Partial<OAuthProxyOptions> = {},
  upstreamOptions: Partial<FakeGitHubOptions> = {},
  /** An upstream another rig started (two proxy instances in front of one GitHub); not closed here. */
  shared: { github?: FakeGitHub } = {},
  /** The server's shared store (`listen({ store })`); the proxy then gets no store of its own unless `options` has one. */
  serverStore?: Store,
): Promise<ProxyRig> {
  const github =
    shared.github ?? (await startFakeGitHub({ callbackUrl: `${PUBLIC}/auth/callback`, ...upstreamOptions }));
  const store =
    options.store instanceof MemoryOAuthProxyStore || serverStore
      ? options.store
      : new MemoryOAuthProxyStore();
  const proxy = new OAuthProxy({
    upstreamAuthorizationEndpoint: github.authorizeUrl,
    upstreamTokenEndpoint: github.tokenUrl,
    upstreamClientId: github.clientId,
    upstreamClientSecret: github.clientSecret,
    tokenVerifier: new GitHubTokenVerifier({ apiBaseUrl: github.apiBaseUrl, cacheTtlMs: 0 }),
    baseUrl: PUBLIC,
    validScopes: ["read:user", "repo"],
    ...(store ? { store } : {}),
    ...options,
  });
  const mcp = new FastMCP({ name: "github-tools", auth: proxy });
  mcp.tool("whoami", (_args, ctx) => ({
    login: ctx.auth?.claims?.login,
    subject: ctx.auth?.subject,
    clientId: ctx.auth?.clientId,
    scopes: ctx.auth?.scopes,
    upstreamToken: ctx.auth?.token,
  }));
  const listening = await mcp.listen({
    host: "127.0.0.1",
    port: 0,
    ...(serverStore ? { store: serverStore } : {}),
  });
  const origin = new URL(listening.url).origin;
  const browser = () => new Browser(() => origin);

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

  async function approveInBrowser(b: Browser, authorizationUrl: string) {
    const page = await b.go(authorizationUrl);
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

  function authorizeInBrowser(
    b: Browser,
    clientId: string,
    challenge: string,
    extra: Record<string, string> = {},
  ) {
    return approveInBrowser(b, authorizeUrl(clientId, challenge, extra));
  }

  async function tokenRequest(fields: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(`${origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields),
    });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  }

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

  return {
    github,
    listening,
    origin,
    store: store instanceof MemoryOAuthProxyStore ? store : undefined,
    proxy,
    browser,
    register,
    authorizeUrl,
    approveInBrowser,
    authorizeInBrowser,
    tokenRequest,
    login,
    whoami,
    async close() {
      await listening.close();
      if (!shared.github) await github.close();
    },
  };
}
