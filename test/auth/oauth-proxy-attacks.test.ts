/**
 * What a hostile peer sends an OAuthProxy (see test/helpers/oauth-proxy-rig.ts): tampered state,
 * stolen or replayed codes, wrong PKCE, foreign redirect URIs, consent CSRF, bad registrations and
 * token requests. Each is refused with the OAuth error it deserves, never a 500, the server keeps
 * serving, and no token or code shows up in logs or error messages.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CLIENT_REDIRECT, consentFields, location, PUBLIC, pkce } from "../helpers/oauth-browser.js";
import { type ProxyRig, startProxyRig } from "../helpers/oauth-proxy-rig.js";

let rig: ProxyRig;

beforeAll(async () => {
  rig = await startProxyRig();
});

afterAll(() => rig?.close());

/** Every reply in these tests: no 5xx, and the server still answers its health check. */
afterEach(async () => {
  const health = await fetch(`${rig.origin}/health`);
  expect(health.status).toBe(200);
});

/** Starts a login up to the upstream redirect back to the proxy (not followed yet). */
async function upToCallback(clientId: string, challenge: string, extra: Record<string, string> = {}) {
  const b = rig.browser();
  const page = await b.go(rig.authorizeUrl(clientId, challenge, extra));
  const approved = await b.post(`${PUBLIC}/consent`, {
    ...consentFields(await page.text()),
    action: "approve",
  });
  const signedIn = await rig.browser().go(location(approved).href);
  return { b, callbackUrl: location(signedIn) };
}

describe("state", () => {
  it("a tampered or missing state at the proxy's callback is refused with a page, not a redirect; the real one still works", async () => {
    const client = await rig.register();
    const { b, callbackUrl } = await upToCallback(client.client_id, pkce().challenge);
    for (const state of [`${callbackUrl.searchParams.get("state")}x`, "", "../../etc"]) {
      const forged = new URL(callbackUrl);
      forged.searchParams.set("state", state);
      const response = await b.go(forged.href);
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expect(await response.text()).toContain("Unknown or expired state");
    }
    const real = await b.go(callbackUrl.href);
    expect(real.status).toBe(302);
    expect(location(real).searchParams.get("code")).toBeTruthy();
    // Single use: the same callback again is unknown.
    expect((await b.go(callbackUrl.href)).status).toBe(400);
  });

  it("the client's state comes back exactly as sent, so a client comparing it detects tampering", async () => {
    const client = await rig.register();
    const state = "a b&c=d%26<script>\u00e9";
    const { back } = await rig.authorizeInBrowser(rig.browser(), client.client_id, pkce().challenge, {
      state,
    });
    expect(back.searchParams.get("state")).toBe(state);
    expect(back.searchParams.getAll("state")).toHaveLength(1);
  });

  it("a callback in another browser than the one that approved is refused", async () => {
    const client = await rig.register();
    const { callbackUrl } = await upToCallback(client.client_id, pkce().challenge);
    const elsewhere = await rig.browser().go(callbackUrl.href);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get("location")).toBeNull();
  });
});

describe("codes", () => {
  async function codeFor(clientId: string) {
    const { verifier, challenge } = pkce();
    const { back } = await rig.authorizeInBrowser(rig.browser(), clientId, challenge);
    return { code: back.searchParams.get("code") ?? "", verifier };
  }

  it("a wrong PKCE verifier is invalid_grant, and burns the code", async () => {
    const client = await rig.register();
    const { code, verifier } = await codeFor(client.client_id);
    const fields = {
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: client.client_id,
    };
    const wrong = await rig.tokenRequest({ ...fields, code_verifier: pkce().verifier });
    expect(wrong).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const after = await rig.tokenRequest({ ...fields, code_verifier: verifier });
    expect(after).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const missing = await rig.tokenRequest(fields);
    expect(missing).toMatchObject({ status: 400, body: { error: "invalid_request" } });
  });

  it("a replayed code is refused and the tokens of its first use are revoked", async () => {
    const { client, code, verifier, tokens } = await rig.login();
    expect(await rig.whoami(tokens.access_token ?? "")).toBe(200);
    const replay = await rig.tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: client.client_id,
      code_verifier: verifier,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await rig.whoami(tokens.access_token ?? "")).toBe(401);
    const refresh = await rig.tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token ?? "",
      client_id: client.client_id,
    });
    expect(refresh).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("of the same code sent twice at once, exactly one exchange succeeds", async () => {
    const client = await rig.register();
    const { code, verifier } = await codeFor(client.client_id);
    const fields = {
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: client.client_id,
      code_verifier: verifier,
    };
    const answers = await Promise.all([rig.tokenRequest(fields), rig.tokenRequest(fields)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400]);
  });

  it("a code presented by another client, or with another redirect_uri, is invalid_grant", async () => {
    const victim = await rig.register();
    const thief = await rig.register();
    const stolen = await codeFor(victim.client_id);
    const byThief = await rig.tokenRequest({
      grant_type: "authorization_code",
      code: stolen.code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: thief.client_id,
      code_verifier: stolen.verifier,
    });
    expect(byThief).toMatchObject({ status: 400, body: { error: "invalid_grant" } });

    const other = await codeFor(victim.client_id);
    const elsewhere = await rig.tokenRequest({
      grant_type: "authorization_code",
      code: other.code,
      redirect_uri: "http://127.0.0.1:33418/other",
      client_id: victim.client_id,
      code_verifier: other.verifier,
    });
    expect(elsewhere).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("an expired code is invalid_grant", async () => {
    const expiring = await startProxyRig({ codeTtlMs: 0 });
    try {
      const client = await expiring.register();
      const { verifier, challenge } = pkce();
      const { back } = await expiring.authorizeInBrowser(expiring.browser(), client.client_id, challenge);
      const answer = await expiring.tokenRequest({
        grant_type: "authorization_code",
        code: back.searchParams.get("code") ?? "",
        redirect_uri: CLIENT_REDIRECT,
        client_id: client.client_id,
        code_verifier: verifier,
      });
      expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    } finally {
      await expiring.close();
    }
  });

  it("made-up codes and refresh tokens are invalid_grant", async () => {
    const client = await rig.register();
    for (const fields of [
      { grant_type: "authorization_code", code: "made-up", code_verifier: pkce().verifier },
      { grant_type: "refresh_token", refresh_token: "made-up" },
    ]) {
      const answer = await rig.tokenRequest({ ...fields, client_id: client.client_id });
      expect(answer).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    }
  });
});

describe("redirect URIs", () => {
  it("an unregistered redirect_uri gets an error page, never a redirect", async () => {
    const client = await rig.register();
    for (const redirectUri of [
      "https://evil.example/callback",
      "http://127.0.0.1:33418/callback/../../evil",
      "http://127.0.0.1.evil.example:33418/callback",
      "http://127.0.0.1:33418/callback?next=https://evil.example",
      `${CLIENT_REDIRECT}#frag`,
      "javascript:alert(1)",
    ]) {
      const response = await fetch(
        rig
          .browser()
          .toLocal(rig.authorizeUrl(client.client_id, pkce().challenge, { redirect_uri: redirectUri })),
        { redirect: "manual" },
      );
      expect(response.status, redirectUri).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  it("an unknown client gets an error page, never a redirect", async () => {
    const response = await fetch(rig.browser().toLocal(rig.authorizeUrl("mcp_unknown", pkce().challenge)), {
      redirect: "manual",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });

  it("a loopback redirect URI may use another port (RFC 8252), nothing else may differ", async () => {
    const client = await rig.register();
    const b = rig.browser();
    const page = await b.go(
      rig.authorizeUrl(client.client_id, pkce().challenge, {
        redirect_uri: "http://127.0.0.1:50123/callback",
      }),
    );
    expect(page.status).toBe(200);
    const host = await fetch(
      rig.browser().toLocal(
        rig.authorizeUrl(client.client_id, pkce().challenge, {
          redirect_uri: "http://localhost:33418/callback",
        }),
      ),
      { redirect: "manual" },
    );
    expect(host.status).toBe(400);
  });

  it("registrations with dangerous redirect URIs are invalid_redirect_uri", async () => {
    for (const uri of [
      "javascript:alert(1)",
      "data:text/html,hi",
      "http://evil.example/cb",
      "https://app.example/cb#frag",
      "https://user:pw@app.example/cb",
      "not a url",
      42,
    ]) {
      const response = await fetch(`${rig.origin}/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: [uri] }),
      });
      expect(response.status, String(uri)).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_redirect_uri" });
    }
  });

  it("after the redirect URI is checked, protocol errors go back to the client", async () => {
    const client = await rig.register();
    for (const [extra, error] of [
      [{ code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: "" }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
      [{ scope: "admin" }, "invalid_scope"],
      [{ resource: "https://other.example/mcp" }, "invalid_target"],
    ] as const) {
      const response = await fetch(
        rig.browser().toLocal(rig.authorizeUrl(client.client_id, pkce().challenge, extra)),
        {
          redirect: "manual",
        },
      );
      expect(response.status).toBe(302);
      const back = location(response);
      expect(back.origin + back.pathname).toBe(CLIENT_REDIRECT);
      expect(back.searchParams.get("error")).toBe(error);
      expect(back.searchParams.get("state")).toBe("client-state-1");
    }
  });
});

describe("consent", () => {
  it("cannot be framed, escapes what the client registered, and a denial goes back as access_denied", async () => {
    const client = await rig.register({ client_name: '<script>alert("x")</script>' });
    const b = rig.browser();
    const page = await b.go(rig.authorizeUrl(client.client_id, pkce().challenge));
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;");
    const denied = await b.post(`${PUBLIC}/consent`, { ...consentFields(html), action: "deny" });
    expect(location(denied).searchParams.get("error")).toBe("access_denied");
  });

  it("a POST without the CSRF value, with a wrong one, or from a browser without the page's cookie is refused", async () => {
    const client = await rig.register();
    const b = rig.browser();
    const page = await b.go(rig.authorizeUrl(client.client_id, pkce().challenge));
    const { txn, csrf } = consentFields(await page.text());
    for (const fields of [
      { txn, action: "approve" },
      { txn, csrf: `${csrf}x`, action: "approve" },
    ]) {
      const forged = await b.post(`${PUBLIC}/consent`, fields);
      expect(forged.status).toBe(403);
      expect(forged.headers.get("location")).toBeNull();
    }
    // A cross-site form post: the victim's browser has no cookie for a transaction the attacker started.
    const crossSite = await rig.browser().post(`${PUBLIC}/consent`, { txn, csrf, action: "approve" });
    expect(crossSite.status).toBe(403);
    // The genuine answer still works, once.
    const approved = await b.post(`${PUBLIC}/consent`, { txn, csrf, action: "approve" });
    expect(approved.status).toBe(302);
    expect((await b.post(`${PUBLIC}/consent`, { txn, csrf, action: "approve" })).status).toBe(400);
  });

  it("consent: false goes straight upstream, still bound to the browser", async () => {
    const trusted = await startProxyRig({ consent: false });
    try {
      const client = await trusted.register();
      const b = trusted.browser();
      const start = await b.go(trusted.authorizeUrl(client.client_id, pkce().challenge));
      expect(start.status).toBe(302);
      expect(location(start).href.startsWith(trusted.github.authorizeUrl)).toBe(true);
      const signedIn = await b.go(location(start).href);
      expect((await trusted.browser().go(location(signedIn).href)).status).toBe(403);
    } finally {
      await trusted.close();
    }
  });
});

describe("registration", () => {
  async function post(body: string, contentType = "application/json") {
    const response = await fetch(`${rig.origin}/register`, {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("refuses oversized, malformed and incomplete bodies with 4xx OAuth errors", async () => {
    const huge = JSON.stringify({ redirect_uris: [CLIENT_REDIRECT], client_name: "x".repeat(100_000) });
    expect(await post(huge)).toMatchObject({ status: 413, body: { error: "invalid_request" } });
    expect(await post("{not json")).toMatchObject({
      status: 400,
      body: { error: "invalid_client_metadata" },
    });
    expect(await post("[1,2]")).toMatchObject({ status: 400, body: { error: "invalid_client_metadata" } });
    expect(await post("null")).toMatchObject({ status: 400, body: { error: "invalid_client_metadata" } });
    expect(await post("{}")).toMatchObject({ status: 400, body: { error: "invalid_redirect_uri" } });
    expect(await post("a=b", "application/x-www-form-urlencoded")).toMatchObject({ status: 400 });
    const base = { redirect_uris: [CLIENT_REDIRECT] };
    for (const extra of [
      { token_endpoint_auth_method: "private_key_jwt" },
      { grant_types: ["client_credentials"] },
      { response_types: ["token"] },
      { client_name: { toString: 1 } },
      { scope: "admin" },
      { redirect_uris: Array(11).fill(CLIENT_REDIRECT) },
    ])
      expect(await post(JSON.stringify({ ...base, ...extra }))).toMatchObject({ status: 400 });
  });

  it("a registration flood is capped: memory stays bounded and new clients still register", async () => {
    const flooded = await startProxyRig({
      store: new (await import("../../src/auth/server/index.js")).MemoryOAuthProxyStore({
        maxEntriesPerNamespace: 20,
      }),
    });
    try {
      const first = await flooded.register();
      for (let i = 0; i < 40; i++) await flooded.register();
      expect(flooded.store?.size("client")).toBe(20);
      const latest = await flooded.register();
      const page = await flooded.browser().go(flooded.authorizeUrl(latest.client_id, pkce().challenge));
      expect(page.status).toBe(200);
      const evicted = await fetch(
        flooded.browser().toLocal(flooded.authorizeUrl(first.client_id, pkce().challenge)),
        {
          redirect: "manual",
        },
      );
      expect(evicted.status).toBe(400);
    } finally {
      await flooded.close();
    }
  });
});

describe("token endpoint", () => {
  it("refuses unknown grants, missing or forged client authentication and repeated parameters", async () => {
    const client = await rig.register();
    expect(await rig.tokenRequest({ grant_type: "password", client_id: client.client_id })).toMatchObject({
      status: 400,
      body: { error: "unsupported_grant_type" },
    });
    expect(await rig.tokenRequest({ grant_type: "authorization_code" })).toMatchObject({
      status: 401,
      body: { error: "invalid_client" },
    });
    expect(
      await rig.tokenRequest({ grant_type: "authorization_code" }, { authorization: "Basic !!!" }),
    ).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    expect(
      await rig.tokenRequest(
        { grant_type: "authorization_code" },
        { authorization: `Basic ${Buffer.from("%zz:%zz").toString("base64")}` },
      ),
    ).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    // A public client may not present a secret it does not have.
    expect(
      await rig.tokenRequest({
        grant_type: "refresh_token",
        client_id: client.client_id,
        client_secret: "guess",
      }),
    ).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    const repeated = await fetch(`${rig.origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=refresh_token&client_id=${client.client_id}&client_id=other`,
    });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ error: "invalid_request" });
    const json = await fetch(`${rig.origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    const huge = await fetch(`${rig.origin}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `code=${"x".repeat(100_000)}`,
    });
    expect(huge.status).toBe(413);
  });

  it("a refresh token used by another client is refused and its grant revoked", async () => {
    const { tokens } = await rig.login();
    const other = await rig.register();
    const stolen = await rig.tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token ?? "",
      client_id: other.client_id,
    });
    expect(stolen).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await rig.whoami(tokens.access_token ?? "")).toBe(401);
  });

  it("a refresh asking for more scopes than granted is invalid_scope", async () => {
    const { client, tokens } = await rig.login();
    const wider = await rig.tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token ?? "",
      client_id: client.client_id,
      scope: "read:user repo",
    });
    expect(wider).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
  });
});

describe("secrets", () => {
  it("no token or code appears in logs, error messages or pages during logins and attacks", async () => {
    const written: string[] = [];
    const capture = (stream: NodeJS.WriteStream) =>
      vi.spyOn(stream, "write").mockImplementation(((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }) as NodeJS.WriteStream["write"]);
    const spies = [capture(process.stdout), capture(process.stderr)];
    const bodies: string[] = [];
    let secrets: string[] = [];
    try {
      const { client, code, verifier, tokens } = await rig.login();
      secrets = [code, verifier, tokens.access_token ?? "", tokens.refresh_token ?? "", ...rig.github.issued];
      for (const fields of [
        { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: CLIENT_REDIRECT },
        { grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "" },
        { grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "" },
      ])
        bodies.push(JSON.stringify(await rig.tokenRequest({ ...fields, client_id: client.client_id })));
      const refused = await fetch(rig.listening.url, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.access_token}`, "content-type": "application/json" },
        body: "{}",
      });
      bodies.push(refused.headers.get("www-authenticate") ?? "", await refused.text());
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(secrets.every((s) => s.length > 0)).toBe(true);
    const seen = [...written, ...bodies].join("\n");
    for (const secret of secrets) expect(seen).not.toContain(secret);
  });
});

describe("requests", () => {
  it("the proxy's routes check the Host header like the MCP endpoint (DNS rebinding), and refuse wrong methods", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${rig.origin}/register`,
        { method: "POST", headers: { host: "evil.example" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end("{}");
    });
    expect(status).toBe(403);
    for (const [path, method, expected] of [
      ["/authorize", "POST", 405],
      ["/consent", "GET", 405],
      ["/token", "GET", 405],
      ["/register", "GET", 405],
      ["/auth/callback", "POST", 405],
      ["/.well-known/oauth-authorization-server", "POST", 405],
    ] as const) {
      const response = await fetch(`${rig.origin}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(expected);
    }
  });
});
