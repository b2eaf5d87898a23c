/**
 * A protected MCP server and the authorization server it trusts, both on 127.0.0.1 port 0, for the
 * client OAuth tests: a small OAuth 2.1 server written for these tests (RFC 8414 metadata, dynamic
 * registration, an authorization endpoint that approves at once or denies, a token endpoint that
 * checks PKCE, redirect URI and client, refresh with rotation, and revocation of everything), and a
 * FastMCP server behind RemoteAuthProvider whose verifier asks it. Each endpoint counts its requests.
 * (The end-to-end tests against a real OpenID provider, oidc-provider, live elsewhere.)
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { RemoteAuthProvider } from "../../src/auth/server/index.js";
import type { AuthInfo } from "../../src/auth/types.js";
import { FastMCP } from "../../src/index.js";
import { nodeListenerFor, serveNode } from "./node-host.js";

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  resource: string | null;
  scope: string;
}

export interface AuthServerBehaviour {
  /** The authorization endpoint answers `error=access_denied`. */
  deny?: boolean;
  /** `expires_in` of access tokens, seconds. Default 3600. */
  expiresIn?: number;
  /** The token endpoint refuses every request with this OAuth error (and a description naming it). */
  tokenError?: string;
}

export interface OAuthTestServers {
  /** The MCP endpoint, `<origin>/mcp`. */
  mcpUrl: string;
  issuer: string;
  behaviour: AuthServerBehaviour;
  /** Requests per endpoint: `register`, `authorize`, `token`, `refresh`, and `refused` (MCP requests answered 401). */
  counts: Record<"register" | "authorize" | "token" | "refresh" | "refused", number>;
  /** Every authorization code issued (to check none leaks into an error message). */
  codes: string[];
  /** Every client secret issued. */
  secrets: string[];
  /** Invalidates every access and refresh token issued so far. */
  revokeAll(): void;
  /** Resolves once `refused` has reached `count`. */
  refusedAtLeast(count: number): Promise<void>;
  close(): Promise<void>;
}

const random = () => randomBytes(16).toString("hex");

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

export async function startOAuthServers(behaviour: AuthServerBehaviour = {}): Promise<OAuthTestServers> {
  const clients = new Map<string, { secret?: string; redirectUris: string[] }>();
  const codes = new Map<string, Grant>();
  const accessTokens = new Map<string, AuthInfo>();
  const refreshTokens = new Map<string, Omit<Grant, "challenge" | "redirectUri">>();
  const counts = { register: 0, authorize: 0, token: 0, refresh: 0, refused: 0 };
  const issuedCodes: string[] = [];
  const secrets: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let issuer = "";

  const issue = (grant: Omit<Grant, "challenge" | "redirectUri">) => {
    const access = `at-${random()}`;
    const refresh = `rt-${random()}`;
    const expiresIn = behaviour.expiresIn ?? 3600;
    accessTokens.set(access, {
      token: access,
      clientId: grant.clientId,
      scopes: grant.scope ? grant.scope.split(" ") : [],
      expiresAt: Math.floor(Date.now() / 1000) + expiresIn,
    });
    refreshTokens.set(refresh, grant);
    return {
      access_token: access,
      token_type: "Bearer",
      expires_in: expiresIn,
      refresh_token: refresh,
      scope: grant.scope,
    };
  };

  /** The client a token request authenticates as, or undefined. */
  const authenticate = (req: IncomingMessage, form: URLSearchParams): string | undefined => {
    const basic = req.headers.authorization;
    let id = form.get("client_id") ?? undefined;
    let secret = form.get("client_secret") ?? undefined;
    if (basic?.startsWith("Basic ")) {
      const [rawId, rawSecret] = Buffer.from(basic.slice(6), "base64").toString().split(":");
      id = decodeURIComponent(rawId ?? "");
      secret = decodeURIComponent(rawSecret ?? "");
    }
    const client = id ? clients.get(id) : undefined;
    if (!client || (client.secret && client.secret !== secret)) return undefined;
    return id;
  };

  const as = await serveNode((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    void (async () => {
      if (req.method === "GET" && url.pathname === "/.well-known/oauth-authorization-server") {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          registration_endpoint: `${issuer}/register`,
          response_types_supported: ["code"],
          grant_types_supported: ["authorization_code", "refresh_token"],
          code_challenge_methods_supported: ["S256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          authorization_response_iss_parameter_supported: true,
        });
      }
      if (req.method === "POST" && url.pathname === "/register") {
        counts.register++;
        const body = await readJson(req);
        const id = `client-${random()}`;
        const secret = `secret-${random()}`;
        secrets.push(secret);
        clients.set(id, { secret, redirectUris: body.redirect_uris as string[] });
        return json(res, 201, {
          client_id: id,
          client_secret: secret,
          token_endpoint_auth_method: "client_secret_basic",
          redirect_uris: body.redirect_uris,
        });
      }
      if (req.method === "GET" && url.pathname === "/authorize") {
        counts.authorize++;
        const q = url.searchParams;
        const client = clients.get(q.get("client_id") ?? "");
        const redirectUri = q.get("redirect_uri") ?? "";
        if (!client?.redirectUris.includes(redirectUri) || q.get("code_challenge_method") !== "S256")
          return json(res, 400, { error: "invalid_request" });
        const back = new URL(redirectUri);
        back.searchParams.set("state", q.get("state") ?? "");
        back.searchParams.set("iss", issuer);
        if (behaviour.deny) {
          back.searchParams.set("error", "access_denied");
        } else {
          const code = `code-${random()}`;
          issuedCodes.push(code);
          codes.set(code, {
            clientId: q.get("client_id")!,
            redirectUri,
            challenge: q.get("code_challenge") ?? "",
            resource: q.get("resource"),
            scope: q.get("scope") ?? "",
          });
          back.searchParams.set("code", code);
        }
        res.writeHead(302, { location: back.href }).end();
        return;
      }
      if (req.method === "POST" && url.pathname === "/token") {
        const form = await readForm(req);
        const clientId = authenticate(req, form);
        if (form.get("grant_type") === "refresh_token") counts.refresh++;
        else counts.token++;
        if (behaviour.tokenError)
          return json(res, 400, {
            error: behaviour.tokenError,
            error_description: `refused (${behaviour.tokenError})`,
          });
        if (!clientId) return json(res, 401, { error: "invalid_client" });
        if (form.get("grant_type") === "authorization_code") {
          const grant = codes.get(form.get("code") ?? "");
          codes.delete(form.get("code") ?? "");
          const verifier = form.get("code_verifier") ?? "";
          const challenge = createHash("sha256").update(verifier).digest("base64url");
          if (
            !grant ||
            grant.clientId !== clientId ||
            grant.redirectUri !== form.get("redirect_uri") ||
            grant.challenge !== challenge ||
            grant.resource !== form.get("resource")
          )
            return json(res, 400, { error: "invalid_grant" });
          return json(res, 200, issue({ clientId, resource: grant.resource, scope: grant.scope }));
        }
        if (form.get("grant_type") === "refresh_token") {
          const grant = refreshTokens.get(form.get("refresh_token") ?? "");
          refreshTokens.delete(form.get("refresh_token") ?? "");
          if (!grant || grant.clientId !== clientId) return json(res, 400, { error: "invalid_grant" });
          return json(res, 200, issue(grant));
        }
        return json(res, 400, { error: "unsupported_grant_type" });
      }
      res.writeHead(404).end();
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  issuer = as.origin;

  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const rs = await serveNode((req, res) => handle?.(req, res));
  const mcp = new FastMCP({
    name: "oauth-protected",
    auth: new RemoteAuthProvider({
      tokenVerifier: {
        verify(token) {
          const info = accessTokens.get(token);
          if (!info) {
            counts.refused++;
            for (const waiter of waiters.filter((w) => counts.refused >= w.count)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve();
            }
          }
          return info;
        },
      },
      authorizationServers: [issuer],
      baseUrl: rs.origin,
    }),
  });
  mcp.tool(
    "whoami",
    { description: "The caller's client ID." },
    (_args, ctx) => ctx.auth?.clientId ?? "nobody",
  );
  handle = nodeListenerFor(mcp.webHandler());

  return {
    mcpUrl: `${rs.origin}/mcp`,
    issuer,
    behaviour,
    counts,
    codes: issuedCodes,
    secrets,
    revokeAll() {
      accessTokens.clear();
      refreshTokens.clear();
    },
    refusedAtLeast(count) {
      if (counts.refused >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    async close() {
      await rs.close();
      await as.close();
    },
  };
}
