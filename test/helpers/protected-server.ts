/**
 * A FastMCP resource server of the test OpenID provider (test/helpers/oidc.ts), as a user would
 * configure it: `RemoteAuthProvider` naming the provider, `JWTVerifier` on its JWKS, served by
 * `listen()` on 127.0.0.1 at its own public URL, its resource declared at the provider. Its one
 * tool, `whoami`, answers with `ctx.auth`'s subject, client id and scopes.
 */
import { JWTVerifier, RemoteAuthProvider } from "../../src/auth/server/index.js";
import { FastMCP, type ListeningServer } from "../../src/index.js";
import type { TransportName } from "../../src/transports/http/app.js";
import { freePort } from "./node-host.js";
import type { OidcProvider } from "./oidc.js";

export interface ProtectedServer {
  /** Where clients connect (`…/mcp` or `…/sse`: the first transport's endpoint). */
  url: string;
  /** Each transport's endpoint (`http`, `sse`, `ws`). */
  urls: Partial<Record<TransportName, string>>;
  /** The resource indicator: the audience of its tokens. */
  resource: string;
  /** The RFC 9728 metadata URL its challenges name. */
  metadataUrl: string;
  close(): Promise<void>;
}

export interface ProtectedServerOptions {
  /**
   * `http` (Streamable HTTP at `/mcp`, default), `sse` (legacy SSE at `/sse`), or several
   * transports on one port (`["http", "sse", "ws"]`) under one resource.
   */
  transport?: "http" | "sse" | TransportName[];
  /**
   * The resource's path (RemoteAuthProvider's `resource`), e.g. `/` for one resource covering every
   * endpoint of the origin; default the main endpoint's path.
   */
  resourcePath?: string;
  /**
   * The audience its verifier accepts; default the resource. Another value plays a server whose
   * authorization server issues tokens for another resource than the one it names.
   */
  audience?: string;
  /** Adds tools to the server (beside `whoami`). */
  setup?: (mcp: FastMCP) => void;
  /** Scopes every token needs (403 insufficient_scope otherwise); default `["mcp"]`. */
  requiredScopes?: string[];
  /** Lifetime of the access tokens the provider issues for this resource, in seconds. */
  accessTokenTtlSec?: number;
}

/** What `whoami` answers. */
export interface Identity {
  subject: string | null;
  clientId: string | null;
  scopes: string[] | null;
}

/**
 * Starts a protected server. Its verifier allows no clock skew, so a token is refused the second it
 * expires. `baseUrl` must name the port before `listen()` (the SDKs check that the metadata's
 * `resource` is the URL they connect to), so the port is picked first, and again if taken meanwhile.
 */
export async function protectedServer(
  oidc: OidcProvider,
  options: ProtectedServerOptions = {},
): Promise<ProtectedServer> {
  const { transport = "http", accessTokenTtlSec, requiredScopes = ["mcp"], resourcePath } = options;
  const transports = Array.isArray(transport) ? transport : [transport];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const mcp = new FastMCP({
      name: "protected",
      auth: new RemoteAuthProvider({
        tokenVerifier: new JWTVerifier({
          jwksUri: oidc.jwksUri,
          issuer: oidc.issuer,
          requiredScopes,
          clockToleranceSec: 0,
          ...(options.audience === undefined ? {} : { audience: options.audience }),
        }),
        authorizationServers: [oidc.issuer],
        baseUrl,
        ...(resourcePath === undefined ? {} : { resource: new URL(resourcePath, baseUrl).href }),
      }),
    });
    mcp.tool(
      "whoami",
      (_args, ctx): Identity => ({
        subject: ctx.auth?.subject ?? null,
        clientId: ctx.auth?.clientId ?? null,
        scopes: ctx.auth?.scopes ?? null,
      }),
    );
    options.setup?.(mcp);
    let listening: ListeningServer;
    try {
      listening = await mcp.listen({ host: "127.0.0.1", port, transport: transports });
    } catch (error) {
      if ((error as { code?: string }).code !== "EADDRINUSE" || attempt === 3) throw error;
      continue;
    }
    const main = new URL(listening.url).pathname;
    const resource = resourcePath === undefined ? `${baseUrl}${main}` : new URL(resourcePath, baseUrl).href;
    const metadataPath = new URL(resource).pathname === "/" ? "" : new URL(resource).pathname;
    // Each endpoint is a resource of its own (unless one `resourcePath` covers them all).
    const resources =
      resourcePath === undefined
        ? Object.values(listening.urls).map((url) => {
            const { pathname } = new URL(url as string);
            return `${baseUrl}${pathname}`;
          })
        : [resource];
    for (const one of resources)
      oidc.addResource(one, "jwt", {
        scopes: ["mcp", "read", "write"],
        ...(accessTokenTtlSec === undefined ? {} : { accessTokenTtlSec }),
      });
    return {
      url: listening.url,
      urls: listening.urls,
      resource,
      metadataUrl: `${baseUrl}/.well-known/oauth-protected-resource${metadataPath}`,
      close: () => listening.close(),
    };
  }
}
