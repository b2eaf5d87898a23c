/**
 * A small GitHub-like OAuth provider on 127.0.0.1, port 0, for the OAuth proxy tests: one
 * preregistered app (no dynamic registration), an authorize endpoint that signs the current user
 * in at once and redirects back with code and state, a token endpoint that checks the app's
 * credentials, the redirect URI, the code (single use) and PKCE, and a user API (`GET /user`).
 * Like GitHub, the token endpoint answers a form unless asked for JSON, and a bad code is a 200
 * with an `error` field. With `expiresInSec`, tokens expire and come with refresh tokens (GitHub
 * Apps' expiring user tokens).
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeUser {
  id: number;
  login: string;
  name: string;
}

export interface FakeGitHubOptions {
  clientId?: string;
  clientSecret?: string;
  /** The callback registered for the app (the proxy's `<baseUrl>/auth/callback`). */
  callbackUrl: string;
  /** Tokens expire after this many seconds and come with refresh tokens (default: never, none). */
  expiresInSec?: number;
}

export interface FakeGitHub {
  origin: string;
  authorizeUrl: string;
  tokenUrl: string;
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Who the next sign-in is (default octocat). */
  user: FakeUser;
  /** Every access token issued, newest last. */
  readonly issued: string[];
  /** Makes an access token invalid at the user API. */
  revoke(token: string): void;
  /** How many requests a path has had. */
  hits(path: string): number;
  close(): Promise<void>;
}

interface PendingCode {
  user: FakeUser;
  redirectUri: string;
  challenge: string | undefined;
  scope: string;
}

function b64sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const clientId = options.clientId ?? "Iv1.fakeapp";
  const clientSecret = options.clientSecret ?? "fake-app-secret";
  const codes = new Map<string, PendingCode>();
  const tokens = new Map<string, { user: FakeUser; scope: string }>();
  const refreshTokens = new Map<string, { user: FakeUser; scope: string }>();
  const hits = new Map<string, number>();
  const issued: string[] = [];

  function issue(user: FakeUser, scope: string): Record<string, unknown> {
    const accessToken = `gho_${randomBytes(18).toString("hex")}`;
    tokens.set(accessToken, { user, scope });
    issued.push(accessToken);
    const answer: Record<string, unknown> = { access_token: accessToken, token_type: "bearer", scope };
    if (options.expiresInSec !== undefined) {
      const refreshToken = `ghr_${randomBytes(18).toString("hex")}`;
      refreshTokens.set(refreshToken, { user, scope });
      answer.expires_in = options.expiresInSec;
      answer.refresh_token = refreshToken;
      setTimeout(() => tokens.delete(accessToken), options.expiresInSec * 1000).unref();
    }
    return answer;
  }

  function reply(req: IncomingMessage, res: ServerResponse, answer: Record<string, unknown>) {
    if ((req.headers.accept ?? "").includes("application/json")) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    } else {
      const form = new URLSearchParams(Object.entries(answer).map(([k, v]) => [k, String(v)]));
      res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" }).end(form.toString());
    }
  }

  async function token(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await body(req));
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
    if (basic) {
      const [user, pass] = Buffer.from(basic[1] as string, "base64")
        .toString()
        .split(":");
      id = decodeURIComponent(user ?? "");
      secret = decodeURIComponent(pass ?? "");
    }
    if (id !== clientId || secret !== clientSecret)
      return reply(req, res, { error: "incorrect_client_credentials" });
    if (form.get("grant_type") === "refresh_token") {
      const entry = refreshTokens.get(form.get("refresh_token") ?? "");
      if (!entry) return reply(req, res, { error: "bad_refresh_token" });
      refreshTokens.delete(form.get("refresh_token") ?? "");
      return reply(req, res, issue(entry.user, entry.scope));
    }
    const code = form.get("code") ?? "";
    const pending = codes.get(code);
    codes.delete(code);
    if (!pending) return reply(req, res, { error: "bad_verification_code" });
    if (form.get("redirect_uri") !== pending.redirectUri)
      return reply(req, res, { error: "redirect_uri_mismatch" });
    if (pending.challenge !== undefined && b64sha256(form.get("code_verifier") ?? "") !== pending.challenge)
      return reply(req, res, { error: "bad_verification_code" });
    return reply(req, res, issue(pending.user, pending.scope));
  }

  const fake: FakeGitHub = {
    origin: "",
    authorizeUrl: "",
    tokenUrl: "",
    apiBaseUrl: "",
    clientId,
    clientSecret,
    user: { id: 583231, login: "octocat", name: "The Octocat" },
    issued,
    revoke: (accessToken) => void tokens.delete(accessToken),
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    if (url.pathname === "/login/oauth/authorize" && req.method === "GET") {
      const q = url.searchParams;
      const redirectUri = q.get("redirect_uri") ?? "";
      if (q.get("client_id") !== clientId || redirectUri !== options.callbackUrl) {
        res
          .writeHead(400, { "content-type": "text/plain" })
          .end("The redirect_uri is not associated with this application.");
        return;
      }
      const code = randomBytes(10).toString("hex");
      codes.set(code, {
        user: fake.user,
        redirectUri,
        challenge: q.get("code_challenge") ?? undefined,
        scope: q.get("scope") ?? "",
      });
      const back = new URL(redirectUri);
      back.searchParams.set("code", code);
      back.searchParams.set("state", q.get("state") ?? "");
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (url.pathname === "/login/oauth/access_token" && req.method === "POST") return token(req, res);
    if (url.pathname === "/api/user" && req.method === "GET") {
      const match = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? "");
      const entry = match ? tokens.get(match[1] as string) : undefined;
      if (!entry) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"message":"Bad credentials"}');
        return;
      }
      res
        .writeHead(200, {
          "content-type": "application/json",
          "x-oauth-scopes": entry.scope.split(" ").filter(Boolean).join(", "),
        })
        .end(JSON.stringify(entry.user));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.origin = origin;
  fake.authorizeUrl = `${origin}/login/oauth/authorize`;
  fake.tokenUrl = `${origin}/login/oauth/access_token`;
  fake.apiBaseUrl = `${origin}/api`;
  return fake;
}
