/**
 * JWTVerifier behind a real FastMCP over Streamable HTTP: tokens minted with jose, the JWKS served
 * by a node:http server on 127.0.0.1 that counts its fetches. A good token reaches the tool with
 * its identity; every bad token is a 401 (never a 500) and the server stays up; key rotation and
 * unknown-`kid` floods cost bounded JWKS fetches; a JWKS outage refuses tokens without throwing.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { exportJWK, exportSPKI, generateKeyPair, type JWK, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { JWTVerifier, RemoteAuthProvider } from "../../src/auth/server/index.js";
import { BearerAuth, Client, FastMCP, type ListeningServer } from "../../src/index.js";
import { callTool } from "../helpers/modern-http.js";
import { ROOT } from "../helpers/paths.js";

const ISSUER = "https://as.example.com/";
const AUDIENCE = "https://mcp.example.com/mcp";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let rsa: KeyPair; // kid "rsa-1": published from the start
let ec: KeyPair; // kid "ec-2": published later (rotation)
let stranger: KeyPair; // never published

/** The JWKS host: one key set per path, with its fetch count. */
const jwksPaths = new Map<string, { keys: JWK[]; hits: number; status: number }>();
let jwksHost: Server;
let jwksBase: string;

async function publicJwk(pair: KeyPair, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg, use: "sig" };
}

function jwks(path: string, keys: JWK[], status = 200): { uri: string; hits: () => number } {
  jwksPaths.set(path, { keys, hits: 0, status });
  return { uri: `${jwksBase}${path}`, hits: () => jwksPaths.get(path)?.hits ?? 0 };
}

function mint(
  claims: Record<string, unknown> = {},
  options: { key?: KeyPair; kid?: string; alg?: string; exp?: number | string; nbf?: number } = {},
): Promise<string> {
  // `claims` override the defaults; an undefined claim is left out of the token.
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "user-42",
    scope: "mcp read",
    client_id: "app-1",
    ...claims,
  };
  const jwt = new SignJWT(
    Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined)),
  )
    .setProtectedHeader({ alg: options.alg ?? "RS256", kid: options.kid ?? "rsa-1", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(options.exp ?? "5m");
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign((options.key ?? rsa).privateKey);
}

const now = () => Math.floor(Date.now() / 1000);

const servers: ListeningServer[] = [];
async function serveWith(verifier: JWTVerifier): Promise<string> {
  const mcp = new FastMCP({ name: "jwt", auth: verifier });
  mcp.tool("whoami", { inputSchema: z.object({}) }, (_args, ctx) => ({ auth: ctx.auth ?? null }));
  const listening = await mcp.listen({ host: "127.0.0.1", port: 0 });
  servers.push(listening);
  return listening.url;
}

/** A raw modern tools/call with this bearer token: the HTTP status and the challenge. */
async function call(url: string, token: string) {
  const response = await callTool(url, "whoami", {}, { authorization: `Bearer ${token}` });
  const body = await response.text();
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body };
}

let mainUrl: string;
let mainJwks: { uri: string; hits: () => number };

beforeAll(async () => {
  [rsa, ec, stranger] = await Promise.all([
    generateKeyPair("RS256"),
    generateKeyPair("ES256"),
    generateKeyPair("RS256"),
  ]);
  jwksHost = createServer((req, res) => {
    const entry = jwksPaths.get(req.url ?? "");
    if (!entry) return void res.writeHead(404).end();
    entry.hits++;
    res.writeHead(entry.status, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: entry.keys }));
  });
  await new Promise<void>((resolve) => jwksHost.listen(0, "127.0.0.1", resolve));
  jwksBase = `http://127.0.0.1:${(jwksHost.address() as AddressInfo).port}`;
  mainJwks = jwks("/main", [await publicJwk(rsa, "rsa-1", "RS256")]);
  mainUrl = await serveWith(new JWTVerifier({ jwksUri: mainJwks.uri, issuer: ISSUER, audience: AUDIENCE }));
});

afterAll(async () => {
  await Promise.allSettled(servers.map((server) => server.close()));
  await new Promise((resolve) => jwksHost?.close(resolve));
});

describe("JWTVerifier behind FastMCP", () => {
  it("a good token calls a tool; ctx.auth holds subject, clientId, scopes, claims, expiresAt", async () => {
    const token = await mint({ tenant: "t1" });
    const client = new Client(mainUrl, { auth: new BearerAuth(token) });
    try {
      await client.connect();
      const { auth } = (await client.callTool("whoami")).data as { auth: Record<string, unknown> };
      expect(auth).toMatchObject({
        token,
        subject: "user-42",
        clientId: "app-1",
        scopes: ["mcp", "read"],
        claims: { iss: ISSUER, aud: AUDIENCE, sub: "user-42", tenant: "t1" },
      });
      expect(auth.expiresAt).toBeGreaterThan(now());
      expect(auth.expiresAt).toBe((auth.claims as { exp: number }).exp);
    } finally {
      await client.close();
    }
  });

  it("every bad token is a 401 invalid_token (never a 500), and the server stays up", async () => {
    const pem = await exportSPKI(rsa.publicKey);
    const bad: [string, string | Promise<string>][] = [
      ["expired", mint({}, { exp: now() - 3600 })],
      ["not yet valid", mint({}, { nbf: now() + 3600 })],
      ["wrong issuer", mint({ iss: "https://evil.example.com/" })],
      ["wrong audience", mint({ aud: "https://other.example.com/mcp" })],
      ["no audience", mint({ aud: undefined })],
      ["bad signature", mint({}, { key: stranger })],
      ["alg none", new UnsecuredJWT({ sub: "x", iss: ISSUER, aud: AUDIENCE }).encode()],
      [
        "HS256 signed with the public key as secret",
        new SignJWT({ sub: "x" })
          .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime("5m")
          .sign(new TextEncoder().encode(pem)),
      ],
      ["oversized (10 KB, validly signed)", mint({ pad: "x".repeat(10_000) })],
      ["two segments", "a.b"],
      ["garbage", "%%%not-a-jwt%%%"],
      ["tampered payload", mint().then((t) => t.replace(/\.[^.]+\./, `.${btoa('{"sub":"admin"}')}.`))],
    ];
    for (const [what, token] of bad) {
      const { status, challenge } = await call(mainUrl, await token);
      expect(status, what).toBe(401);
      expect(challenge, what).toContain('error="invalid_token"');
    }
    // 100 KB is past node's header limit: refused before any of our code runs, still no 500.
    expect((await call(mainUrl, await mint({ pad: "x".repeat(100_000) }))).status).toBe(431);
    // An empty bearer and no header at all are 401 too.
    expect((await call(mainUrl, "")).status).toBe(401);
    expect((await callTool(mainUrl, "whoami", {})).status).toBe(401);
    expect((await call(mainUrl, await mint())).status).toBe(200);
  });

  it("scopes come from an `scp` array (or string) when there is no `scope`", async () => {
    const verifier = new JWTVerifier({ jwksUri: mainJwks.uri, issuer: ISSUER });
    const fromArray = await verifier.verify(await mint({ scope: undefined, scp: ["a", "b"] }));
    expect(fromArray?.scopes).toEqual(["a", "b"]);
    const fromString = await verifier.verify(await mint({ scope: undefined, scp: "c d" }));
    expect(fromString?.scopes).toEqual(["c", "d"]);
    const azp = await verifier.verify(await mint({ client_id: undefined, azp: "app-2" }));
    expect(azp?.clientId).toBe("app-2");
  });

  it("requiredScopes: a token without them gets 403 insufficient_scope, with them 200 (fixed PEM key)", async () => {
    const url = await serveWith(
      new JWTVerifier({ publicKey: await exportSPKI(rsa.publicKey), requiredScopes: ["mcp:write"] }),
    );
    const without = await call(url, await mint({ scope: "mcp read" }));
    expect(without.status).toBe(403);
    expect(without.challenge).toContain('error="insufficient_scope"');
    expect(without.challenge).toContain('scope="mcp:write"');
    const withScope = await call(url, await mint({ scope: undefined, scp: ["mcp:write"] }));
    expect(withScope.status).toBe(200);
  });
});

describe("JWKS fetching", () => {
  it("key rotation: a new kid in the JWKS is picked up with exactly one refetch", async () => {
    const cooldownMs = 200;
    const set = jwks("/rotation", [await publicJwk(rsa, "rsa-1", "RS256")]);
    const url = await serveWith(new JWTVerifier({ jwksUri: set.uri, jwksCooldownMs: cooldownMs }));
    expect((await call(url, await mint())).status).toBe(200);
    expect((await call(url, await mint())).status).toBe(200);
    expect(set.hits()).toBe(1); // cached
    const fetchedAt = Date.now();
    jwksPaths.get("/rotation")?.keys.push(await publicJwk(ec, "ec-2", "ES256"));
    // The refetch floor is measured from the last fetch: let it pass.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, fetchedAt + cooldownMs + 20 - Date.now())),
    );
    const rotated = await mint({}, { key: ec, kid: "ec-2", alg: "ES256" });
    expect((await call(url, rotated)).status).toBe(200);
    expect(set.hits()).toBe(2);
    expect((await call(url, rotated)).status).toBe(200);
    expect((await call(url, await mint())).status).toBe(200);
    expect(set.hits()).toBe(2);
  });

  it("200 tokens with random unknown kids cause at most one extra fetch within the cooldown", async () => {
    const set = jwks("/flood", [await publicJwk(rsa, "rsa-1", "RS256")]);
    const url = await serveWith(new JWTVerifier({ jwksUri: set.uri, jwksCooldownMs: 60_000 }));
    expect((await call(url, await mint())).status).toBe(200);
    expect(set.hits()).toBe(1);
    const tokens = await Promise.all(
      Array.from({ length: 200 }, () => mint({}, { key: stranger, kid: randomUUID() })),
    );
    for (let i = 0; i < tokens.length; i += 20) {
      const statuses = await Promise.all(
        tokens.slice(i, i + 20).map(async (t) => (await call(url, t)).status),
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    expect(set.hits()).toBeLessThanOrEqual(2);
    expect((await call(url, await mint())).status).toBe(200);
  });

  it("a JWKS outage: 401 (not 500), one warning per cooldown without the token, then recovery", async () => {
    const set = jwks("/down", [await publicJwk(rsa, "rsa-1", "RS256")], 503);
    const cooldownMs = 300;
    const verifier = new JWTVerifier({ jwksUri: set.uri, jwksCooldownMs: cooldownMs });
    const url = await serveWith(verifier);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const token = await mint();
      const failedAt = Date.now();
      for (let i = 0; i < 5; i++) expect((await call(url, token)).status).toBe(401);
      // At most one fetch and one warning per cooldown window: on a busy machine the five calls may
      // span more than one window (a fixed count of 1 flaked under two suites side by side).
      const windows = 1 + Math.floor((Date.now() - failedAt) / cooldownMs);
      expect(set.hits()).toBeGreaterThanOrEqual(1);
      expect(set.hits()).toBeLessThanOrEqual(windows);
      expect(warn.mock.calls.length).toBeGreaterThanOrEqual(1);
      expect(warn.mock.calls.length).toBeLessThanOrEqual(windows);
      const message = String(warn.mock.calls[0]?.[0]);
      expect(message).toContain(set.uri);
      expect(message).not.toContain(token);
      expect(message).not.toContain(token.split(".")[2]);
      // Back up: once the floor has passed, the next token fetches again and is accepted.
      const entry = jwksPaths.get("/down");
      if (entry) entry.status = 200;
      // The last failed fetch was before now: once a cooldown has passed from here, it may fetch.
      const lastFailure = Date.now();
      const failedHits = set.hits();
      await new Promise((resolve) => setTimeout(resolve, cooldownMs + 20));
      expect(Date.now() - lastFailure).toBeGreaterThanOrEqual(cooldownMs);
      expect((await call(url, token)).status).toBe(200);
      expect(set.hits()).toBe(failedHits + 1);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("JWTVerifier behind RemoteAuthProvider", () => {
  it("expects the protected resource as audience when it has none of its own", async () => {
    const verifier = new JWTVerifier({ publicKey: rsa.publicKey, issuer: ISSUER });
    const mcp = new FastMCP({
      name: "jwt-resource",
      auth: new RemoteAuthProvider({
        tokenVerifier: verifier,
        authorizationServers: [ISSUER],
        baseUrl: "https://mcp.example.com",
      }),
    });
    mcp.tool("whoami", { inputSchema: z.object({}) }, (_args, ctx) => ({ auth: ctx.auth ?? null }));
    const listening = await mcp.listen({ host: "127.0.0.1", port: 0 });
    servers.push(listening);
    // AUDIENCE is https://mcp.example.com/mcp: the resource this provider protects.
    expect((await call(listening.url, await mint({ aud: AUDIENCE }))).status).toBe(200);
    const elsewhere = await call(listening.url, await mint({ aud: "https://other.example.com/mcp" }));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.challenge).toContain('error="invalid_token"');
    expect((await call(listening.url, await mint({ aud: undefined }))).status).toBe(401);
  });
});

describe("JWTVerifier.verify", () => {
  it("tolerates clock skew on exp and nbf (default 30 s), not more", async () => {
    const verifier = new JWTVerifier({ publicKey: rsa.publicKey, issuer: ISSUER, audience: AUDIENCE });
    expect(await verifier.verify(await mint({}, { exp: now() - 10 }))).toBeDefined();
    expect(await verifier.verify(await mint({}, { nbf: now() + 10 }))).toBeDefined();
    expect(await verifier.verify(await mint({}, { exp: now() - 60 }))).toBeUndefined();
    expect(await verifier.verify(await mint({}, { nbf: now() + 60 }))).toBeUndefined();
    const strict = new JWTVerifier({ publicKey: rsa.publicKey, clockToleranceSec: 0 });
    expect(await strict.verify(await mint({}, { exp: now() - 10 }))).toBeUndefined();
    // Over HTTP too: the transport's own expiry check allows the same skew.
    const url = await serveWith(
      new JWTVerifier({ publicKey: rsa.publicKey, issuer: ISSUER, audience: AUDIENCE }),
    );
    expect((await call(url, await mint({}, { exp: now() - 10 }))).status).toBe(200);
    expect((await call(url, await mint({}, { exp: now() - 60 }))).status).toBe(401);
  });

  it("refuses a token over 8 KiB even when it is validly signed", async () => {
    const verifier = new JWTVerifier({ publicKey: rsa.publicKey });
    const small = await mint({ pad: "x".repeat(5000) });
    const large = await mint({ pad: "x".repeat(7000) });
    expect(small.length).toBeLessThan(8192);
    expect(large.length).toBeGreaterThan(8192);
    expect(await verifier.verify(small)).toBeDefined();
    expect(await verifier.verify(large)).toBeUndefined();
  });

  it("takes a fixed key as PEM, JWK or KeyObject; an algorithm allow-list narrows what is accepted", async () => {
    const token = await mint();
    for (const publicKey of [
      await exportSPKI(rsa.publicKey),
      await exportJWK(rsa.publicKey),
      rsa.publicKey,
    ]) {
      expect((await new JWTVerifier({ publicKey }).verify(token))?.subject).toBe("user-42");
    }
    const esOnly = new JWTVerifier({ publicKey: rsa.publicKey, algorithms: ["ES256"] });
    expect(await esOnly.verify(token)).toBeUndefined();
    expect(await new JWTVerifier({ publicKey: rsa.publicKey }).verify("")).toBeUndefined();
  });

  it("refuses `none`, HS* and ambiguous key configuration at construction", () => {
    expect(() => new JWTVerifier({ publicKey: rsa.publicKey, algorithms: ["none"] })).toThrow(/none/);
    expect(() => new JWTVerifier({ publicKey: rsa.publicKey, algorithms: ["HS256"] })).toThrow(/HS256/);
    expect(() => new JWTVerifier({})).toThrow(/exactly one/);
    expect(() => new JWTVerifier({ publicKey: { kty: "oct", k: "c2VjcmV0" } })).toThrow(/secret/);
  });
});

describe("import cost", () => {
  it("import('fastmcp-ts') does not load jose; the server/auth entry does", async () => {
    const run = (entry: string) =>
      promisify(execFile)(
        process.execPath,
        [
          "--import",
          "tsx",
          "--import",
          "./test/fixtures/block-packages.mjs",
          "--input-type=module",
          "-e",
          `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).length);`,
        ],
        { cwd: ROOT, timeout: 60_000, env: { ...process.env, BLOCK_PACKAGES: "jose" } },
      );
    const root = await run("./src/index.ts");
    expect(Number(root.stdout.trim())).toBeGreaterThan(0);
    // The hook really blocks jose: the auth entry cannot load under it.
    await expect(run("./src/auth/server/index.ts")).rejects.toThrow(/Cannot find package 'jose'/);
  });
});
