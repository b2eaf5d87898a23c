/**
 * `ClientCredentials` and `OAuth` with `dpop: true` (RFC 9449): the real OpenID provider (oidc-provider) binds
 * the token to the client's key from the proof on the token request (asking for a nonce first when
 * configured to); a DPoP-checking front for a FastMCP (the server side has no DPoP yet) verifies
 * every request's proof (signature, `htm`, `htu`, `ath`, fresh `jti`, the token's `cnf.jkt`, and
 * its own nonce when it asks for one) over Streamable HTTP in both eras and legacy SSE.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import {
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  jwtVerify,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ClientCredentials, MemoryTokenStorage, OAuth } from "../../src/auth/client/index.js";
import { Client, type ClientOptions, FastMCP, SSETransport } from "../../src/index.js";
import { CLIENT_ERAS } from "../helpers/clients.js";
import { Cleanup, freePort, nodeListenerFor } from "../helpers/node-host.js";
import { type OidcProvider, playUser, startOidcProvider } from "../helpers/oidc.js";

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

/** What the front saw: each authenticated request's scheme and proof `jti`, and its nonce rounds. */
interface Seen {
  schemes: string[];
  jtis: string[];
  refusals: string[];
  nonceChallenges: number;
}

const RS_NONCE = "rs-nonce-7f3a";

/**
 * A FastMCP (no auth of its own) behind a front that takes only DPoP-bound tokens from `oidc` for
 * its resource, with a valid proof for each request; with `requireNonce`, proofs must carry RS_NONCE.
 */
async function dpopProtected(oidc: OidcProvider, nonce: "none" | "fixed" | "rotating") {
  const requireNonce = nonce !== "none";
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const resource = `${origin}/mcp`;
  // One protected resource (the origin) for both endpoints, /mcp and /sse.
  const audience = `${origin}/`;
  oidc.addResource(audience, "jwt");
  const jwks = createRemoteJWKSet(new URL(oidc.jwksUri));
  const mcp = new FastMCP({ name: "dpop" });
  mcp.tool("whoami", { inputSchema: z.object({}) }, () => "ok");
  const inner = mcp.webHandler({ transports: ["http", "sse"] });
  const seen: Seen = { schemes: [], jtis: [], refusals: [], nonceChallenges: 0 };
  const metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
  const refuse = (why: string, extra: Record<string, string> = {}) => {
    seen.refusals.push(why);
    return new Response(JSON.stringify({ error: why }), {
      status: 401,
      headers: { "www-authenticate": `DPoP resource_metadata="${metadataUrl}"`, ...extra },
    });
  };
  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.pathname === "/.well-known/oauth-protected-resource/mcp")
      return Response.json({ resource: audience, authorization_servers: [oidc.issuer] });
    const authorization = request.headers.get("authorization");
    if (!authorization) return refuse("no token");
    const [scheme, token = ""] = authorization.split(" ");
    seen.schemes.push(scheme ?? "");
    if (scheme !== "DPoP") return refuse("not DPoP");
    const proof = request.headers.get("dpop");
    if (!proof || proof.includes(",")) return refuse("one proof");
    let payload: Record<string, unknown>;
    let jwk: JWK;
    try {
      const header = decodeProtectedHeader(proof);
      if (header.typ !== "dpop+jwt" || !header.jwk || "d" in header.jwk) return refuse("proof header");
      jwk = header.jwk;
      payload = (await jwtVerify(proof, EmbeddedJWK, { typ: "dpop+jwt" })).payload;
    } catch {
      return refuse("proof signature");
    }
    if (payload.htm !== request.method) return refuse("htm");
    if (payload.htu !== `${url.origin}${url.pathname}`) return refuse("htu");
    if (payload.ath !== createHash("sha256").update(token).digest("base64url")) return refuse("ath");
    if (typeof payload.jti !== "string" || seen.jtis.includes(payload.jti)) return refuse("jti replay");
    seen.jtis.push(payload.jti);
    try {
      const claims = (await jwtVerify(token, jwks, { issuer: oidc.issuer, audience })).payload;
      const cnf = claims.cnf as { jkt?: string } | undefined;
      if (cnf?.jkt !== (await calculateJwkThumbprint(jwk))) return refuse("cnf.jkt");
    } catch {
      return refuse("token");
    }
    if (requireNonce && (nonce === "rotating" || payload.nonce !== RS_NONCE)) {
      seen.nonceChallenges++;
      return new Response(null, {
        status: 401,
        headers: {
          "www-authenticate": `DPoP error="use_dpop_nonce", resource_metadata="${metadataUrl}"`,
          "dpop-nonce": nonce === "rotating" ? `${RS_NONCE}-${seen.nonceChallenges}` : RS_NONCE,
        },
      });
    }
    return inner(request);
  };
  const server = createServer(nodeListenerFor(handle));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { http: resource, sse: `${origin}/sse`, seen };
}

/** A fetch that passes through and keeps the DPoP header of each token request. */
function recordTokenProofs(tokenEndpoint: string) {
  const proofs: (string | null)[] = [];
  const recording: typeof fetch = async (input, init) => {
    if (String(input) === tokenEndpoint) proofs.push(new Headers(init?.headers).get("dpop"));
    return fetch(input, init);
  };
  return { fetch: recording, proofs };
}

async function call(target: string | SSETransport, options: ClientOptions): Promise<void> {
  const client = new Client(target, options);
  cleanup.add(() => client.close());
  await client.connect();
  expect((await client.callTool("whoami")).text).toBe("ok");
  expect((await client.callTool("whoami")).text).toBe("ok");
}

describe.each([
  ["no nonces", false],
  ["nonces asked by the token endpoint and the server", true],
])("DPoP-bound client credentials (%s)", (_name, nonces) => {
  let oidc: OidcProvider;
  let server: Awaited<ReturnType<typeof dpopProtected>>;
  beforeAll(async () => {
    oidc = await startOidcProvider({ dpopNonce: nonces });
    cleanup.add(() => oidc.close());
    server = await dpopProtected(oidc, nonces ? "fixed" : "none");
  });

  it.each([...CLIENT_ERAS, ["legacy SSE", {}] as [string, ClientOptions]])(
    "every request carries the token with the DPoP scheme and a fresh valid proof (%s)",
    async (era, eraOptions) => {
      const before = { schemes: server.seen.schemes.length, challenges: server.seen.nonceChallenges };
      const { fetch: recording, proofs } = recordTokenProofs(oidc.tokenEndpoint);
      const auth = new ClientCredentials({ ...oidc.app, scopes: ["mcp"], dpop: true, fetch: recording });
      await call(era === "legacy SSE" ? new SSETransport({ url: server.sse }) : server.http, {
        ...eraOptions,
        auth,
      });
      // Each token request carried a proof; with nonces, the first was answered use_dpop_nonce.
      expect(proofs.length).toBe(nonces ? 2 : 1);
      expect(proofs.every((proof) => typeof proof === "string")).toBe(true);
      const schemes = server.seen.schemes.slice(before.schemes);
      expect(schemes.length).toBeGreaterThan(0);
      expect(new Set(schemes)).toEqual(new Set(["DPoP"]));
      expect(server.seen.refusals.filter((why) => why !== "no token")).toEqual([]);
      if (nonces) expect(server.seen.nonceChallenges - before.challenges).toBeGreaterThan(0);
    },
  );
});

describe.each([
  ["no nonces", false],
  ["nonces asked by the token endpoint and the server", true],
])("OAuth (the user's login) with DPoP (%s)", (_name, nonces) => {
  it("the code is redeemed with a proof, and every request carries the bound token with a fresh proof", async () => {
    const oidc = await startOidcProvider({ dpopNonce: nonces });
    cleanup.add(() => oidc.close());
    const server = await dpopProtected(oidc, nonces ? "fixed" : "none");
    const { fetch: recording, proofs } = recordTokenProofs(oidc.tokenEndpoint);
    const logins: string[] = [];
    const auth = new OAuth({
      clientName: "dpop-user-app",
      scopes: ["mcp"],
      dpop: true,
      fetch: recording,
      redirectUri: "http://127.0.0.1:9/callback",
      redirectHandler: async (url) => {
        logins.push(url);
        return playUser(url);
      },
    });
    await call(server.http, { auth });
    expect(logins).toHaveLength(1);
    // The code went to the token endpoint with a proof (twice with nonces: the first got use_dpop_nonce).
    expect(proofs.length).toBe(nonces ? 2 : 1);
    expect(proofs.every((proof) => typeof proof === "string")).toBe(true);
    expect(new Set(server.seen.schemes)).toEqual(new Set(["DPoP"]));
    expect(server.seen.refusals.filter((why) => why !== "no token")).toEqual([]);
    if (nonces) expect(server.seen.nonceChallenges).toBeGreaterThan(0);
  });
});

describe("stored DPoP tokens", () => {
  it("a DPoP token stored by another process (another key) is not sent; a stored Bearer token is", async () => {
    const url = "http://127.0.0.1:9/mcp";
    const stored = { requestedScopes: [], grantedScopes: [], issuer: "http://127.0.0.1:9", resource: url };
    const storage = new MemoryTokenStorage();
    await storage.set(url, {
      tokens: { ...stored, accessToken: "bound", tokenType: "DPoP", dpopKey: "gone" },
    });
    expect(await new OAuth({ dpop: true, tokenStorage: storage }).headers(url)).toEqual({});
    await storage.set(url, { tokens: { ...stored, accessToken: "plain", tokenType: "Bearer" } });
    expect(await new OAuth({ dpop: true, tokenStorage: storage }).headers(url)).toEqual({
      Authorization: "Bearer plain",
    });
  });
});

describe("a server that never takes the nonce", () => {
  it("asks a new one on every try: the client gives up after a bounded number of tries, with the 401", async () => {
    const oidc = await startOidcProvider();
    cleanup.add(() => oidc.close());
    const server = await dpopProtected(oidc, "rotating");
    const client = new Client(server.http, {
      auth: new ClientCredentials({ ...oidc.app, scopes: ["mcp"], dpop: true }),
    });
    cleanup.add(() => client.close());
    const failure = await client.connect().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/401/);
    // The first request, then at most MAX_AUTH_RETRIES more, each answered with a new nonce.
    expect(server.seen.nonceChallenges).toBeGreaterThan(0);
    expect(server.seen.nonceChallenges).toBeLessThanOrEqual(3);
  });
});
