/**
 * The client `OAuth` provider against a real authorization server and a protected FastMCP server
 * on real sockets (test/helpers/oauth-server.ts): the browser login through the loopback listener,
 * tokens kept in a FileTokenStorage across Clients, refresh, one flow for concurrent refusals, and
 * what a failed flow reports. The official conformance suite covers the protocol variants
 * (test/conformance/client.test.ts).
 */
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  FileTokenStorage,
  MemoryTokenStorage,
  OAuth,
  OAuthError,
  type OAuthOptions,
} from "../../src/auth/client/index.js";
import { Client, StreamableHttpTransport } from "../../src/index.js";
import {
  type AuthServerBehaviour,
  type OAuthTestServers,
  startOAuthServers,
} from "../helpers/oauth-server.js";
import { holdingFetch } from "../helpers/recording-fetch.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

async function servers(behaviour: AuthServerBehaviour = {}): Promise<OAuthTestServers> {
  const started = await startOAuthServers(behaviour);
  cleanups.push(() => started.close());
  return started;
}

function client(url: string, options: OAuthOptions): { client: Client; oauth: OAuth } {
  const oauth = new OAuth({ clientName: "oauth-client-test", ...options });
  const created = new Client(url, { auth: oauth, timeout: 20_000 });
  cleanups.push(() => created.close());
  return { client: created, oauth };
}

/** The browser: follows the authorization URL's redirects to the loopback callback; keeps the pages. */
function browser() {
  const pages: Array<{ url: string; status: number; text: string }> = [];
  const open = async (url: string) => {
    const response = await fetch(url);
    pages.push({ url: response.url, status: response.status, text: await response.text() });
  };
  return { open, pages };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fastmcp-oauth-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe("OAuth login through the browser and the loopback listener", () => {
  it("registers, authorizes, redeems the code and calls the server with the token", async () => {
    const as = await servers();
    const seen = browser();
    const { client: c, oauth } = client(as.mcpUrl, { openBrowser: seen.open });
    await c.connect();
    // A fresh token is answered synchronously, from the cache.
    const headers = oauth.headers(as.mcpUrl);
    expect(headers).not.toBeInstanceOf(Promise);
    expect((headers as Record<string, string>).Authorization).toMatch(/^Bearer at-/);
    const result = await c.callTool("whoami", {});
    expect(result.text).toMatch(/^client-/);
    expect(as.counts).toMatchObject({ register: 1, authorize: 1, token: 1 });
    expect(seen.pages).toHaveLength(1);
    expect(seen.pages[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    expect(seen.pages[0]!.status).toBe(200);
    expect(seen.pages[0]!.text).toContain("Signed in");
    // The listener is gone once the flow is over.
    await expect(fetch(seen.pages[0]!.url)).rejects.toThrow();
  });

  it("refuses a callback with another state, and still takes the right one", async () => {
    const as = await servers();
    let refused: { status: number; text: string } | undefined;
    let tokenRequestsAtRefusal = -1;
    const { client: c } = client(as.mcpUrl, {
      openBrowser: async (url) => {
        const redirectUri = new URL(url).searchParams.get("redirect_uri")!;
        // A forged response: a code of the attacker's with a state this client never sent.
        const forged = await fetch(
          `${redirectUri}?code=attacker-code&state=forged&iss=${encodeURIComponent(as.issuer)}`,
        );
        refused = { status: forged.status, text: await forged.text() };
        tokenRequestsAtRefusal = as.counts.token;
        await (await fetch(url)).text();
      },
    });
    await c.connect();
    expect(refused?.status).toBe(400);
    expect(refused?.text).toContain("does not belong");
    expect(refused?.text).not.toContain("attacker-code");
    expect(tokenRequestsAtRefusal).toBe(0);
    expect(as.counts.token).toBe(1);
  });

  it("gives up after callbackTimeout with an OAuthError, and closes the listener", async () => {
    const as = await servers();
    let redirectUri = "";
    const { client: c } = client(as.mcpUrl, {
      callbackTimeout: 300,
      openBrowser: (url) => {
        redirectUri = new URL(url).searchParams.get("redirect_uri")!;
      },
    });
    const failure = await c.connect().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(OAuthError);
    expect((failure as OAuthError).step).toBe("callback");
    expect((failure as Error).message).toMatch(
      /no authorization response reached http:\/\/127\.0\.0\.1:\d+\/callback/,
    );
    await expect(fetch(redirectUri)).rejects.toThrow();
    expect(as.counts.token).toBe(0);
  });

  it("reports access_denied as a failed authorization, without asking for a token", async () => {
    const as = await servers({ deny: true });
    const { client: c } = client(as.mcpUrl, { openBrowser: browser().open });
    const failure = (await c.connect().catch((error: unknown) => error)) as OAuthError;
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure.step).toBe("authorization");
    expect(failure.oauthError).toBe("access_denied");
    expect(failure.message).toContain("access was denied (access_denied)");
    expect(as.counts.token).toBe(0);
  });

  it("reports a refused token request with its status and error, and no code or secret", async () => {
    const as = await servers({ tokenError: "invalid_grant" });
    const { client: c } = client(as.mcpUrl, { openBrowser: browser().open });
    const failure = (await c.connect().catch((error: unknown) => error)) as OAuthError;
    expect(failure).toBeInstanceOf(OAuthError);
    expect(failure.step).toBe("token");
    expect(failure.message).toContain("HTTP 400 invalid_grant");
    expect(as.codes).toHaveLength(1);
    for (const secret of [...as.codes, ...as.secrets]) {
      expect(failure.message).not.toContain(secret);
      expect(String(failure.stack)).not.toContain(secret);
    }
  });
});

describe("FileTokenStorage", () => {
  it("keeps the tokens in a 0600 file in a 0700 directory; a new Client needs no second login", async () => {
    const as = await servers();
    const dir = join(await tempDir(), "tokens");
    const seen = browser();
    const first = client(as.mcpUrl, { openBrowser: seen.open, tokenStorage: new FileTokenStorage(dir) });
    await first.client.connect();
    await first.client.close();
    expect(seen.pages).toHaveLength(1);

    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect((await stat(join(dir, files[0]!))).mode & 0o777).toBe(0o600);

    const second = client(as.mcpUrl, {
      openBrowser: () => {
        throw new Error("a second login was started");
      },
      tokenStorage: new FileTokenStorage(dir),
    });
    await second.client.connect();
    expect((await second.client.callTool("whoami", {})).text).toMatch(/^client-/);
    expect(as.counts).toMatchObject({ register: 1, authorize: 1, token: 1 });
  });

  it("reads a damaged file as nothing stored, and a file written for another URL not at all", async () => {
    const dir = await tempDir();
    const storage = new FileTokenStorage(dir);
    await storage.set("http://a.example/mcp", { clients: { "http://as": { clientId: "x" } } });
    expect(await storage.get("http://a.example/mcp")).toEqual({
      clients: { "http://as": { clientId: "x" } },
    });
    const { rename, writeFile } = await import("node:fs/promises");
    // A file copied over another server's name is not that server's state.
    await rename(
      await storage.pathFor("http://a.example/mcp"),
      await storage.pathFor("http://b.example/mcp"),
    );
    expect(await storage.get("http://b.example/mcp")).toBeUndefined();
    await writeFile(await storage.pathFor("http://a.example/mcp"), "{not json");
    expect(await storage.get("http://a.example/mcp")).toBeUndefined();
    await storage.delete("http://a.example/mcp");
    expect(await storage.get("http://a.example/mcp")).toBeUndefined();
  });
});

/** A redirectHandler that approves at once (the test server's authorization endpoint redirects back). */
function approve(logins: { count: number }): Pick<OAuthOptions, "redirectHandler" | "redirectUri"> {
  return {
    redirectHandler: async (url) => {
      logins.count++;
      const response = await fetch(url, { redirect: "manual" });
      return new URL(response.headers.get("location")!, url);
    },
    redirectUri: "http://127.0.0.1:9/callback",
  };
}

describe("the endpoints beside /mcp", () => {
  it("logs in at the SSE and WebSocket endpoints, each a resource of its own", async () => {
    const as = await servers();
    const logins = { count: 0 };
    const oauth = new OAuth({ clientName: "oauth-client-test", ...approve(logins) });
    for (const url of [as.sseUrl, as.wsUrl]) {
      const created = new Client(url, { auth: oauth, timeout: 20_000 });
      cleanups.push(() => created.close());
      await created.connect();
      expect((await created.callTool("whoami", {})).text).toMatch(/^client-/);
    }
    // One login per endpoint URL (tokens are kept per URL), each for that endpoint's resource.
    expect(logins.count).toBe(2);
    expect(as.counts).toMatchObject({ authorize: 2, token: 2 });
  });
});

describe("refresh and concurrency", () => {
  it("a 401 that arrives after a login replaced the refused token sends the request again, no new login or refresh", async () => {
    const as = await servers();
    const logins = { count: 0 };
    const wire = holdingFetch();
    const oauth = new OAuth({ clientName: "oauth-client-test", ...approve(logins) });
    const c = new Client(new StreamableHttpTransport({ url: as.mcpUrl, fetch: wire.fetch }), {
      auth: oauth,
      timeout: 20_000,
    });
    cleanups.push(() => c.close());
    await c.connect();
    expect(logins.count).toBe(1);
    as.revokeAll();
    // Call A goes with the first token and is refused; its 401 is held back.
    const heldBack = wire.holdNext();
    const a = c.callTool("whoami", {});
    await heldBack;
    // Call B is refused too, fails to refresh (revoked), logs in again and goes through.
    const b = await c.callTool("whoami", {});
    expect(logins.count).toBe(2);
    const refreshes = as.counts.refresh;
    // Now A's 401 arrives: its token was already replaced, so it goes again with the new one.
    wire.release();
    expect((await a).text).toBe(b.text);
    expect(logins.count).toBe(2);
    expect(as.counts.refresh).toBe(refreshes);
    expect(as.counts.authorize).toBe(2);
  });

  it("refreshes a stored token that expires within a minute before sending, with no new login", async () => {
    const as = await servers({ expiresIn: 30 });
    const tokenStorage = new MemoryTokenStorage();
    const { client: first } = client(as.mcpUrl, { openBrowser: browser().open, tokenStorage });
    await first.connect();
    // A token that just came is not refreshed before half its lifetime.
    await first.callTool("whoami", {});
    expect(as.counts.refresh).toBe(0);
    // Read back from the storage (its lifetime unknown), 30 s left is within the minute's margin.
    const { client: second } = client(as.mcpUrl, { openBrowser: browser().open, tokenStorage });
    await second.connect();
    await second.callTool("whoami", {});
    expect(as.counts.refresh).toBe(1);
    expect(as.counts).toMatchObject({ authorize: 1, token: 1, refused: 0 });
  });

  it("concurrent requests refused together share one login", async () => {
    const as = await servers();
    let logins = 0;
    const { client: c } = client(as.mcpUrl, {
      redirectHandler: async (url) => {
        logins++;
        // The second login waits until all three requests have been refused: they must join it.
        if (logins === 2) await as.refusedAtLeast(3);
        const response = await fetch(url, { redirect: "manual" });
        return new URL(response.headers.get("location")!, url);
      },
      redirectUri: "http://127.0.0.1:9/callback",
    });
    await c.connect();
    expect(logins).toBe(1);
    // Every token dies, the refresh token too: the three requests get 401, the refresh fails, one login follows.
    as.revokeAll();
    const results = await Promise.all([1, 2, 3].map(() => c.callTool("whoami", {})));
    expect(results.map((result) => result.text)).toEqual(Array(3).fill(results[0]!.text));
    expect(logins).toBe(2);
    expect(as.counts.authorize).toBe(2);
    expect(as.counts.refresh).toBe(1);
  });
});
