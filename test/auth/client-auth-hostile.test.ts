/**
 * Client auth against hostile or broken peers: what a protected-resource server, an authorization
 * server's metadata and a token endpoint may send back. Each is a real node:http server on
 * 127.0.0.1. The client must fail with a clear error, send no credential where it should not, put
 * no secret in a message, and stop after a bounded number of attempts.
 */
import type { ServerResponse } from "node:http";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { ClientCredentials, type ClientCredentialsOptions } from "../../src/auth/client/index.js";
import {
  failureOf as callFailure,
  fullText,
  GOOD_TOKEN,
  json,
  protectedServer as protectedAt,
  readBody,
  stubAuthorizationServer as stubAs,
} from "../helpers/auth-peers.js";
import { Cleanup, serveAsync } from "../helpers/node-host.js";

const SECRET = "s3cret-value-that-must-never-leak";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Connects with ClientCredentials (client "app", SECRET, and `options`) and calls `ping`. */
function failureOf(url: string, options: Partial<ClientCredentialsOptions> = {}): Promise<Error | undefined> {
  return callFailure(
    cleanup,
    url,
    new ClientCredentials({ clientId: "app", clientSecret: SECRET, ...options }),
  );
}

const stubAuthorizationServer = (
  answer: Parameters<typeof stubAs>[1],
  metadata?: Parameters<typeof stubAs>[2],
) => stubAs(cleanup, answer, metadata);
const protectedServer = (issuer: string) => protectedAt(cleanup, issuer);

describe("a hostile token endpoint", () => {
  it.each([
    [
      "a 200 that is not JSON",
      (res: ServerResponse) => res.writeHead(200).end("<html>hi</html>"),
      /access_token/,
    ],
    [
      "a 200 without access_token",
      (res: ServerResponse) => json(res, 200, { token_type: "Bearer" }),
      /access_token/,
    ],
    [
      "an access_token carrying a header break",
      (res: ServerResponse) => json(res, 200, { access_token: "abc\r\nX-Injected: 1", token_type: "Bearer" }),
      /malformed access_token/,
    ],
    [
      "a token of another type (DPoP)",
      (res: ServerResponse) => json(res, 200, { access_token: GOOD_TOKEN, token_type: "DPoP" }),
      /not a Bearer/,
    ],
    [
      "a negative expires_in",
      (res: ServerResponse) =>
        json(res, 200, { access_token: GOOD_TOKEN, token_type: "Bearer", expires_in: -5 }),
      /expires_in/,
    ],
    [
      "a 5 MB answer",
      (res: ServerResponse) =>
        res.writeHead(200, { "content-type": "application/json" }).end(`"${"x".repeat(5_000_000)}"`),
      /larger than/,
    ],
    [
      "an error echoing the secret",
      (res: ServerResponse, body: URLSearchParams) =>
        json(res, 400, {
          error: "invalid_client",
          error_description: `bad secret ${body.get("client_secret")}`,
        }),
      /invalid_client.*\[redacted\]/,
    ],
  ])("%s: a clear error, no secret in it", async (_name, answer, expected) => {
    const as = await stubAuthorizationServer(answer);
    const url = await protectedServer(as.issuer);
    const failure = await failureOf(url, { tokenEndpointAuthMethod: "client_secret_post" });
    expect(failure).toBeInstanceOf(Error);
    expect(fullText(failure)).toMatch(expected);
    expect(fullText(failure)).not.toContain(SECRET);
    // The token endpoint was asked once: a broken answer is not retried in a loop.
    expect(as.seen.tokenRequests).toBe(1);
  });

  it("a server that refuses every token: the client stops after a bounded number of token requests", async () => {
    const as = await stubAuthorizationServer((res) =>
      json(res, 200, { access_token: "refused-token", token_type: "Bearer", expires_in: 3600 }),
    );
    const url = await protectedServer(as.issuer);
    const failure = await failureOf(url);
    expect(fullText(failure)).toMatch(/401/);
    expect(as.seen.tokenRequests).toBeGreaterThanOrEqual(1);
    expect(as.seen.tokenRequests).toBeLessThanOrEqual(3);
  });

  it("a good answer: the call goes through; the secret went as Basic, form-encoded (RFC 6749 §2.3.1)", async () => {
    const as = await stubAuthorizationServer((res) =>
      json(res, 200, { access_token: GOOD_TOKEN, token_type: "bearer", expires_in: 3600 }),
    );
    const url = await protectedServer(as.issuer);
    expect(await failureOf(url, { clientId: "app id:é", clientSecret: "p@ss word+" })).toBeUndefined();
    const [authorization] = as.seen.authorizations;
    const decoded = Buffer.from((authorization ?? "").replace(/^Basic /, ""), "base64").toString("utf8");
    expect(decoded).toBe("app+id%3A%C3%A9:p%40ss+word%2B");
    expect(as.seen.bodies[0]).not.toContain("client_secret");
  });
});

describe("hostile discovery", () => {
  it("metadata naming a resource on another origin is refused before any token request", async () => {
    const as = await stubAuthorizationServer((res) =>
      json(res, 200, { access_token: GOOD_TOKEN, token_type: "Bearer" }),
    );
    const mcp = await serveAsync(cleanup, async (req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      if (path.startsWith("/.well-known/oauth-protected-resource"))
        return json(res, 200, {
          resource: "https://victim.example.com/mcp",
          authorization_servers: [as.issuer],
        });
      await readBody(req);
      res
        .writeHead(401, {
          "www-authenticate": 'Bearer resource_metadata="/.well-known/oauth-protected-resource/mcp"',
        })
        .end();
    });
    const failure = await failureOf(`${mcp.origin}/mcp`);
    expect(fullText(failure)).toMatch(/names resource https:\/\/victim\.example\.com\/mcp/);
    expect(as.seen.tokenRequests).toBe(0);
  });

  it("a server naming another authorization server than the pinned one never receives the secret", async () => {
    const trusted = await stubAuthorizationServer((res) =>
      json(res, 200, { access_token: GOOD_TOKEN, token_type: "Bearer" }),
    );
    const attacker = await stubAuthorizationServer((res) =>
      json(res, 200, { access_token: GOOD_TOKEN, token_type: "Bearer" }),
    );
    const url = await protectedServer(attacker.issuer);
    const failure = await failureOf(url, { authorizationServer: trusted.issuer });
    expect(fullText(failure)).toMatch(/does not name the trusted authorization server/);
    expect(attacker.seen.tokenRequests).toBe(0);
    expect(trusted.seen.tokenRequests).toBe(0);
  });

  it.each([
    [
      "another issuer",
      (issuer: string) => ({ issuer: "https://evil.example.com", token_endpoint: `${issuer}/token` }),
    ],
    ["no token_endpoint", (issuer: string) => ({ issuer })],
    [
      "a token_endpoint that is not http(s)",
      (issuer: string) => ({ issuer, token_endpoint: "file:///etc/passwd" }),
    ],
    [
      "a 1 MB document",
      (issuer: string) => ({ issuer, token_endpoint: `${issuer}/token`, pad: "x".repeat(1_000_000) }),
    ],
  ])("authorization server metadata with %s is refused, no token request", async (_name, metadata) => {
    const as = await stubAuthorizationServer(
      (res) => json(res, 200, { access_token: GOOD_TOKEN, token_type: "Bearer" }),
      metadata,
    );
    const url = await protectedServer(as.issuer);
    const failure = await failureOf(url);
    expect(failure).toBeInstanceOf(Error);
    expect(fullText(failure)).not.toContain(SECRET);
    expect(as.seen.tokenRequests).toBe(0);
  });
});

describe("secrets stay out of sight", () => {
  it("inspection and JSON of a provider show the client id, never the secret or the key", () => {
    const auth = new ClientCredentials({ clientId: "app", clientSecret: SECRET });
    expect(inspect(auth, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(JSON.stringify(auth)).not.toContain(SECRET);
    expect(JSON.stringify(auth)).toContain("app");
  });
});
