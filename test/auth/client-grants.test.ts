/**
 * The other non-interactive grants, against real (stub) authorization servers and an identity
 * provider on 127.0.0.1, and a real FastMCP: `JWTBearer` (RFC 7523, workload identity) and
 * `CrossAppAccess` (RFC 8693 token exchange for an ID-JAG, then the JWT-bearer grant). The
 * conformance suite's scenarios check the wire format; these check what a user relies on besides:
 * fresh assertions per request, no retry of a refused grant, clear errors with no token in them.
 */
import { exportPKCS8, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { CrossAppAccess, JWT_BEARER_GRANT, JWTBearer } from "../../src/auth/client/index.js";
import {
  failureOf,
  fullText,
  GOOD_TOKEN,
  json,
  protectedServer,
  readBody,
  stubAuthorizationServer,
} from "../helpers/auth-peers.js";
import { Cleanup, serveAsync } from "../helpers/node-host.js";
import { until } from "../helpers/wait.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function jwt(claims: Record<string, unknown> = {}): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT({ sub: "workload", ...claims })
    .setProtectedHeader({ alg: "ES256" })
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(privateKey);
}

const granted = (res: Parameters<typeof json>[0]) =>
  json(res, 200, { access_token: GOOD_TOKEN, token_type: "Bearer", expires_in: 3600 });

describe("JWTBearer", () => {
  it("sends the workload's JWT as the assertion, read afresh for each token request", async () => {
    const as = await stubAuthorizationServer(cleanup, granted);
    const url = await protectedServer(cleanup, as.issuer);
    const assertions = [await jwt({ n: 1 }), await jwt({ n: 2 })];
    let reads = 0;
    const auth = new JWTBearer({ assertion: () => assertions[reads++] as string, scopes: ["mcp"] });
    expect(await failureOf(cleanup, url, auth)).toBeUndefined();
    const body = new URLSearchParams(as.seen.bodies[0]);
    expect(body.get("grant_type")).toBe(JWT_BEARER_GRANT);
    expect(body.get("assertion")).toBe(assertions[0]);
    expect(body.get("scope")).toBe("mcp");
    expect(body.get("resource")).toBe(url);
    // No client authentication was configured: none is sent.
    expect(body.has("client_id")).toBe(false);
    expect(as.seen.authorizations[0]).toBe("");
    // A new token request (the cache forgotten) reads the source again.
    auth.clear();
    expect(await failureOf(cleanup, url, auth)).toBeUndefined();
    expect(new URLSearchParams(as.seen.bodies[1]).get("assertion")).toBe(assertions[1]);
  });

  it("a refused grant is reported and never sent again on its own; the assertion is not in the message", async () => {
    const as = await stubAuthorizationServer(cleanup, (res) =>
      json(res, 400, { error: "invalid_grant", error_description: "audience mismatch" }),
    );
    const url = await protectedServer(cleanup, as.issuer);
    const assertion = await jwt();
    const auth = new JWTBearer({ clientId: "workload-client", assertion });
    const first = await failureOf(cleanup, url, auth);
    expect(fullText(first)).toMatch(/invalid_grant: audience mismatch/);
    expect(fullText(first)).not.toContain(assertion);
    const second = await failureOf(cleanup, url, auth);
    expect(fullText(second)).toMatch(/invalid_grant/);
    expect(as.seen.tokenRequests).toBe(1);
    // clear() is how the user tries again (a rotated workload token): one more request, no loop.
    auth.clear();
    expect(fullText(await failureOf(cleanup, url, auth))).toMatch(/invalid_grant/);
    expect(as.seen.tokenRequests).toBe(2);
    // With a client ID but no secret: method none, the ID in the body.
    expect(new URLSearchParams(as.seen.bodies[0]).get("client_id")).toBe("workload-client");
  });

  it("an assertion that is not a JWT is refused before anything is sent", async () => {
    const as = await stubAuthorizationServer(cleanup, granted);
    const url = await protectedServer(cleanup, as.issuer);
    const failure = await failureOf(cleanup, url, new JWTBearer({ assertion: "not a jwt\r\nX: y" }));
    expect(fullText(failure)).toMatch(/not a JWT/);
    expect(as.seen.tokenRequests).toBe(0);
  });
});

/** A stub enterprise IdP's token endpoint: RFC 8693 exchange, answering as told. */
async function stubIdp(answer: (res: Parameters<typeof json>[0], body: URLSearchParams) => void) {
  const bodies: URLSearchParams[] = [];
  const host = await serveAsync(cleanup, async (req, res) => {
    const body = new URLSearchParams(await readBody(req));
    bodies.push(body);
    answer(res, body);
  });
  return { tokenEndpoint: `${host.origin}/token`, bodies };
}

describe("CrossAppAccess", () => {
  it("exchanges the ID token for an ID-JAG at the IdP, then the ID-JAG for an access token", async () => {
    const idJag = await jwt({ typ: "id-jag" });
    const idp = await stubIdp((res) =>
      json(res, 200, {
        access_token: idJag,
        issued_token_type: "urn:ietf:params:oauth:token-type:id-jag",
        token_type: "N_A",
      }),
    );
    const as = await stubAuthorizationServer(cleanup, granted);
    const url = await protectedServer(cleanup, as.issuer);
    const idToken = await jwt({ email: "ada@example.com" });
    const auth = new CrossAppAccess({
      clientId: "agent",
      clientSecret: "agent-secret-0123",
      idpClientId: "agent-at-idp",
      idToken: async () => idToken,
      idpTokenEndpoint: idp.tokenEndpoint,
      scopes: ["mcp"],
    });
    expect(await failureOf(cleanup, url, auth)).toBeUndefined();
    const exchange = idp.bodies[0];
    expect(exchange?.get("grant_type")).toBe("urn:ietf:params:oauth:grant-type:token-exchange");
    expect(exchange?.get("requested_token_type")).toBe("urn:ietf:params:oauth:token-type:id-jag");
    expect(exchange?.get("subject_token")).toBe(idToken);
    expect(exchange?.get("subject_token_type")).toBe("urn:ietf:params:oauth:token-type:id_token");
    expect(exchange?.get("audience")).toBe(as.issuer);
    expect(exchange?.get("resource")).toBe(url);
    expect(exchange?.get("client_id")).toBe("agent-at-idp");
    const grant = new URLSearchParams(as.seen.bodies[0]);
    expect(grant.get("grant_type")).toBe(JWT_BEARER_GRANT);
    expect(grant.get("assertion")).toBe(idJag);
    expect(as.seen.authorizations[0]).toMatch(/^Basic /);
  });

  it.each([
    [
      "refuses the exchange",
      (res: Parameters<typeof json>[0]) =>
        json(res, 400, { error: "invalid_grant", error_description: "ID token expired" }),
      /token endpoint .* refused the urn:ietf:params:oauth:grant-type:token-exchange request: HTTP 400 invalid_grant/,
    ],
    [
      "issues something else than an ID-JAG",
      (res: Parameters<typeof json>[0]) =>
        json(res, 200, {
          access_token: "x.y.z",
          issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
          token_type: "Bearer",
        }),
      /not an ID-JAG/,
    ],
  ])(
    "an IdP that %s: a clear error, the ID token not in it, nothing sent to the authorization server",
    async (_name, answer, expected) => {
      const idp = await stubIdp(answer);
      const as = await stubAuthorizationServer(cleanup, granted);
      const url = await protectedServer(cleanup, as.issuer);
      const idToken = await jwt();
      const failure = await failureOf(
        cleanup,
        url,
        new CrossAppAccess({
          clientId: "agent",
          clientSecret: "agent-secret-0123",
          idToken,
          idpTokenEndpoint: idp.tokenEndpoint,
        }),
      );
      expect(fullText(failure)).toMatch(expected);
      expect(fullText(failure)).not.toContain(idToken);
      expect(as.seen.tokenRequests).toBe(0);
    },
  );
});

describe("one token request at a time", () => {
  it("concurrent requests for headers share one token request", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const as = await stubAuthorizationServer(cleanup, (res) => {
      void held.then(() => granted(res));
    });
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    const auth = new JWTBearer({
      assertion: await jwt(),
      tokenEndpoint: as.tokenEndpoint,
      clientId: "workload",
      privateKey: await exportPKCS8(privateKey),
      algorithm: "ES256",
    });
    const all = Promise.all(Array.from({ length: 5 }, () => auth.headers("http://127.0.0.1:9/mcp")));
    await until(() => as.seen.tokenRequests > 0, 5000, "the first token request");
    release();
    for (const headers of await all) expect(headers).toEqual({ Authorization: `Bearer ${GOOD_TOKEN}` });
    expect(as.seen.tokenRequests).toBe(1);
    // private_key_jwt: the assertion's audience is the token endpoint when nothing was discovered.
    const body = new URLSearchParams(as.seen.bodies[0]);
    expect(body.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    const [, payload] = (body.get("client_assertion") ?? "").split(".");
    expect(JSON.parse(Buffer.from(payload ?? "", "base64url").toString())).toMatchObject({
      iss: "workload",
      sub: "workload",
      aud: as.tokenEndpoint,
    });
  });
});
