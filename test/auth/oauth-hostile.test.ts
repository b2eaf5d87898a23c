/**
 * What a hostile or broken server can send the OAuth client: a mangled WWW-Authenticate header,
 * metadata naming another resource or issuer, an authorization endpoint that is not http(s), no
 * PKCE, oversized documents. Each ends in an OAuthError naming the failed step, before any browser
 * opens, and the process goes on.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { parseBearerChallenge } from "../../src/auth/client/challenge.js";
import { OAuth, OAuthError } from "../../src/auth/client/index.js";
import { Client } from "../../src/index.js";
import { serveNode } from "../helpers/node-host.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

interface Hostile {
  challenge?: (origin: string) => string;
  resourceMetadata?: (origin: string) => unknown;
  serverMetadata?: (origin: string) => unknown;
  /** A raw body for the server metadata (overrides serverMetadata). */
  rawServerMetadata?: string;
}

/** One origin playing MCP server (always 401) and authorization server, as `hostile` says. */
async function hostileServer(hostile: Hostile): Promise<{ url: string; opened: string[]; client: Client }> {
  let origin = "";
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const host = await serveNode((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    req.resume();
    if (path === "/mcp")
      return send(
        res,
        401,
        { error: "invalid_token" },
        {
          "www-authenticate":
            hostile.challenge?.(origin) ??
            `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
        },
      );
    if (path === "/.well-known/oauth-protected-resource/mcp")
      return send(
        res,
        200,
        hostile.resourceMetadata?.(origin) ?? { resource: `${origin}/mcp`, authorization_servers: [origin] },
      );
    if (path === "/.well-known/oauth-authorization-server") {
      if (hostile.rawServerMetadata !== undefined) return send(res, 200, hostile.rawServerMetadata);
      return send(
        res,
        200,
        hostile.serverMetadata?.(origin) ?? {
          issuer: origin,
          authorization_endpoint: `${origin}/authorize`,
          token_endpoint: `${origin}/token`,
          registration_endpoint: `${origin}/register`,
          code_challenge_methods_supported: ["S256"],
        },
      );
    }
    if (path === "/register") return send(res, 201, { client_id: "c1" });
    send(res, 404, { error: "not_found" });
  });
  origin = host.origin;
  cleanups.push(() => host.close());
  const opened: string[] = [];
  const client = new Client(`${origin}/mcp`, {
    auth: new OAuth({
      openBrowser: (url) => {
        opened.push(url);
      },
      callbackTimeout: 300,
    }),
  });
  cleanups.push(() => client.close());
  return { url: `${origin}/mcp`, opened, client };
}

async function failure(client: Client): Promise<OAuthError> {
  const error = await client.connect().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OAuthError);
  return error as OAuthError;
}

describe("OAuth against a hostile server", () => {
  it("refuses protected resource metadata that names another resource", async () => {
    const { client, opened } = await hostileServer({
      resourceMetadata: (origin) => ({
        resource: "https://evil.example.com/mcp",
        authorization_servers: [origin],
      }),
    });
    const error = await failure(client);
    expect(error.step).toBe("discovery");
    expect(error.message).toContain("names resource https://evil.example.com/mcp");
    expect(opened).toEqual([]);
  });

  it("refuses protected resource metadata for a sibling endpoint of the same origin (RFC 9728: the URL or a parent)", async () => {
    const { client, opened } = await hostileServer({
      resourceMetadata: (origin) => ({ resource: `${origin}/sse`, authorization_servers: [origin] }),
    });
    const error = await failure(client);
    expect(error.step).toBe("discovery");
    expect(error.message).toMatch(/names resource http:\/\/127\.0\.0\.1:\d+\/sse/);
    expect(opened).toEqual([]);
  });

  it("refuses protected resource metadata for another path of the same origin", async () => {
    const { client, opened } = await hostileServer({
      resourceMetadata: (origin) => ({ resource: `${origin}/other/mcp`, authorization_servers: [origin] }),
    });
    const error = await failure(client);
    expect(error.step).toBe("discovery");
    expect(error.message).toMatch(/names resource http:\/\/127\.0\.0\.1:\d+\/other\/mcp/);
    expect(opened).toEqual([]);
  });

  it("refuses authorization server metadata that names another issuer", async () => {
    const { client, opened } = await hostileServer({
      serverMetadata: () => ({
        issuer: "https://attacker.example.com",
        authorization_endpoint: "https://attacker.example.com/authorize",
        token_endpoint: "https://attacker.example.com/token",
        code_challenge_methods_supported: ["S256"],
      }),
    });
    const error = await failure(client);
    expect(error.step).toBe("discovery");
    expect(error.message).toContain("names issuer https://attacker.example.com");
    expect(opened).toEqual([]);
  });

  it("never opens an authorization endpoint that is not http(s)", async () => {
    const { client, opened } = await hostileServer({
      serverMetadata: (origin) => ({
        issuer: origin,
        authorization_endpoint: "javascript:alert(1)",
        token_endpoint: `${origin}/token`,
        code_challenge_methods_supported: ["S256"],
      }),
    });
    const error = await failure(client);
    expect(error.message).toContain("no valid authorization_endpoint");
    expect(opened).toEqual([]);
  });

  it("refuses an authorization server that does not advertise PKCE S256", async () => {
    const { client, opened } = await hostileServer({
      serverMetadata: (origin) => ({
        issuer: origin,
        authorization_endpoint: `${origin}/authorize`,
        token_endpoint: `${origin}/token`,
        code_challenge_methods_supported: ["plain"],
      }),
    });
    const error = await failure(client);
    expect(error.message).toContain("does not advertise PKCE S256");
    expect(opened).toEqual([]);
  });

  it("refuses an oversized metadata document", async () => {
    const { client, opened } = await hostileServer({
      rawServerMetadata: `{"pad":"${"x".repeat(300 * 1024)}"}`,
    });
    const error = await failure(client);
    expect(error.step).toBe("discovery");
    expect(error.message).toContain("larger than");
    expect(opened).toEqual([]);
  });

  it("reads a mangled challenge as no challenge and discovers through the well-known URLs", async () => {
    const { client, opened, url } = await hostileServer({
      challenge: () => `Bearer resource_metadata="javascript:x", scope="unterminated ${"\\".repeat(4_000)}`,
    });
    const error = await failure(client);
    // The flow went on to the browser step, with the metadata of the well-known URL.
    expect(error.step).toBe("callback");
    expect(opened).toHaveLength(1);
    expect(new URL(opened[0]!).searchParams.get("resource")).toBe(url);
  });
});

describe("parseBearerChallenge", () => {
  it("reads scope, error and resource_metadata, quoted or not, among other challenges", () => {
    expect(
      parseBearerChallenge(
        'Basic realm="x", Bearer error=insufficient_scope, scope="a b", resource_metadata="https://r/.well-known/x"',
      ),
    ).toEqual({
      error: "insufficient_scope",
      scopes: ["a", "b"],
      resourceMetadata: "https://r/.well-known/x",
    });
    expect(parseBearerChallenge('Bearer scope="a \\"b\\""')).toEqual({ scopes: ["a", '"b"'] });
    expect(parseBearerChallenge("Bearer realm=mcp, error=invalid_token")).toEqual({ error: "invalid_token" });
    // A parameter after another challenge is that challenge's.
    expect(parseBearerChallenge('Bearer realm="a", Basic realm="b", error="x"')).toEqual({});
    expect(parseBearerChallenge("Bearer")).toEqual({});
  });

  it("reads a DPoP challenge's error beside a Bearer challenge's metadata, in either order", () => {
    expect(
      parseBearerChallenge(
        'DPoP error="use_dpop_nonce", algs="ES256", Bearer resource_metadata="https://x/r"',
      ),
    ).toEqual({ error: "use_dpop_nonce", scheme: "dpop", resourceMetadata: "https://x/r" });
    expect(parseBearerChallenge('Bearer realm="x", DPoP algs="ES256" error="use_dpop_nonce"')).toEqual({
      error: "use_dpop_nonce",
      scheme: "dpop",
    });
    expect(parseBearerChallenge('Basic realm="x", error="invalid_token"')).toBeUndefined();
  });

  it("gives nothing for no Bearer challenge, and never throws on garbage", () => {
    expect(parseBearerChallenge(null)).toBeUndefined();
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
    expect(parseBearerChallenge("x".repeat(20_000))).toBeUndefined();
    for (const garbage of [
      'Bearer ="',
      "Bearer ,,,",
      'Bearer scope="',
      "Bearer a=b=c, ===",
      "\u0000\u00ff Bearer",
    ]) {
      expect(() => parseBearerChallenge(garbage)).not.toThrow();
    }
  });
});
