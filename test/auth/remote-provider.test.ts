/**
 * RemoteAuthProvider on a real server serving Streamable HTTP, SSE and WebSocket on one port: the
 * RFC 9728 metadata at both well-known URLs, and the 401/403 challenges naming it on every
 * transport. Each endpoint (/mcp, /sse with its /messages, /ws) is a resource of its own, since a
 * client accepts metadata only for the URL it connects to; the root well-known URL describes /mcp. The public base URL is a reverse proxy's (`https://mcp.example.com`), so `publicToLocal`
 * plays the proxy: it maps the public origin to the listening one.
 */
import {
  discoverOAuthProtectedResourceMetadata,
  extractWWWAuthenticateParams,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { RemoteAuthProvider } from "../../src/auth/server/index.js";
import {
  BearerAuth,
  type ClientTransport,
  FastMCP,
  type ListeningServer,
  SSETransport,
  StaticTokenVerifier,
  StreamableHttpTransport,
  WSTransport,
} from "../../src/index.js";
import { closeAfterEach, connect } from "../helpers/http-test-server.js";

closeAfterEach();

const PUBLIC = "https://mcp.example.com";
const METADATA_URL = `${PUBLIC}/.well-known/oauth-protected-resource/mcp`;
/** The metadata URL of the endpoint at `path`, and its document. */
const metadataUrlOf = (path: string) => `${PUBLIC}/.well-known/oauth-protected-resource${path}`;
const metadataOf = (path: string) => ({ ...EXPECTED_METADATA, resource: `${PUBLIC}${path}` });
const EXPECTED_METADATA = {
  resource: `${PUBLIC}/mcp`,
  authorization_servers: ["https://auth.example.com"],
  scopes_supported: ["mcp:read"],
  bearer_methods_supported: ["header"],
  resource_name: "Secure test server",
  resource_documentation: "https://docs.example.com/mcp",
};

let listening: ListeningServer;
let origin: string;

function publicToLocal(url: string): string {
  return url.startsWith(PUBLIC) ? origin + url.slice(PUBLIC.length) : url;
}

beforeAll(async () => {
  const verifier = new StaticTokenVerifier(
    {
      good: { clientId: "alice", scopes: ["mcp:read"] },
      narrow: { clientId: "bob", scopes: ["other"] },
    },
    { requiredScopes: ["mcp:read"] },
  );
  const mcp = new FastMCP({
    name: "secure",
    auth: new RemoteAuthProvider({
      tokenVerifier: verifier,
      authorizationServers: ["https://auth.example.com"],
      baseUrl: `${PUBLIC}/`,
      resourceName: "Secure test server",
      resourceDocumentation: "https://docs.example.com/mcp",
    }),
  });
  mcp.tool("whoami", (_args, ctx) => ctx.auth?.clientId ?? null);
  listening = await mcp.listen({ host: "127.0.0.1", port: 0, transport: ["http", "sse", "ws"] });
  origin = new URL(listening.url).origin;
});

afterAll(() => listening?.close());

const port = () => Number(new URL(origin).port);

/** A WebSocket upgrade: 101 when accepted, else the refusal's status and challenge. */
function upgrade(token?: string): Promise<{ status: number; challenge: string | undefined }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port()}/ws`, "mcp", {
      ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    });
    ws.once("open", () => {
      ws.close();
      resolve({ status: 101, challenge: undefined });
    });
    ws.once("unexpected-response", (_request, response) => {
      const challenge = response.headers["www-authenticate"];
      resolve({ status: response.statusCode ?? 0, challenge });
      response.resume();
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

const INIT = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
});

/** Every request an unauthenticated client can make, one per transport entry point. */
const ENTRY_POINTS: {
  name: string;
  /** The endpoint whose resource it is. */
  endpoint: string;
  send(token?: string): Promise<{ status: number; challenge: string | undefined }>;
}[] = [
  ...(["POST", "GET", "DELETE"] as const).map((method) => ({
    name: `Streamable HTTP ${method}`,
    endpoint: "/mcp",
    async send(token?: string) {
      const response = await fetch(`${origin}/mcp`, {
        method,
        headers: {
          accept: "application/json, text/event-stream",
          "content-type": "application/json",
          "mcp-protocol-version": "2025-11-25",
          "mcp-session-id": "no-such-session",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(method === "POST" ? { body: INIT } : {}),
      });
      await response.body?.cancel();
      return { status: response.status, challenge: response.headers.get("www-authenticate") ?? undefined };
    },
  })),
  {
    name: "SSE stream GET",
    endpoint: "/sse",
    async send(token?: string) {
      const response = await fetch(`${origin}/sse`, {
        headers: { accept: "text/event-stream", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      await response.body?.cancel();
      return { status: response.status, challenge: response.headers.get("www-authenticate") ?? undefined };
    },
  },
  {
    name: "SSE messages POST",
    endpoint: "/sse",
    async send(token?: string) {
      const response = await fetch(`${origin}/messages?sessionId=nope`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: INIT,
      });
      await response.body?.cancel();
      return { status: response.status, challenge: response.headers.get("www-authenticate") ?? undefined };
    },
  },
  {
    name: "WebSocket upgrade",
    endpoint: "/ws",
    send: upgrade,
  },
];

describe("protected resource metadata", () => {
  it.each(["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])(
    "GET %s answers the RFC 9728 document, public and cacheable",
    async (path) => {
      const response = await fetch(`${origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(response.headers.get("cache-control")).toMatch(/max-age=\d+/);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(await response.json()).toEqual(EXPECTED_METADATA);
    },
  );

  it.each(["/sse", "/ws"])("each other endpoint has its own document: %s", async (path) => {
    const response = await fetch(`${origin}/.well-known/oauth-protected-resource${path}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(metadataOf(path));
  });

  it("answers only GET there: a POST gets 405", async () => {
    const response = await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`, {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toContain("GET");
  });

  it("other well-known paths still 404", async () => {
    const response = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(404);
  });
});

describe.each(ENTRY_POINTS)("$name", ({ send, endpoint }) => {
  const METADATA_URL = metadataUrlOf(endpoint);
  it("without a token: 401 naming its endpoint's metadata URL, which resolves to the metadata", async () => {
    const { status, challenge } = await send();
    expect(status).toBe(401);
    expect(challenge).toBe(`Bearer resource_metadata="${METADATA_URL}"`);
    const metadata = await fetch(publicToLocal(METADATA_URL));
    expect(await metadata.json()).toEqual(metadataOf(endpoint));
  });

  it('with a refused token: 401 error="invalid_token" and the metadata URL', async () => {
    const { status, challenge } = await send("forged");
    expect(status).toBe(401);
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`);
  });

  it('with a token lacking the required scope: 403 error="insufficient_scope" scope="mcp:read"', async () => {
    const { status, challenge } = await send("narrow");
    expect(status).toBe(403);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:read"');
    expect(challenge).toContain(`resource_metadata="${METADATA_URL}"`);
  });

  it("with a good token: passes the auth check", async () => {
    const { status, challenge } = await send("good");
    expect([401, 403]).not.toContain(status);
    expect(challenge).toBeUndefined();
  });
});

describe.each(["http", "sse", "ws"] as const)("our Client over %s with BearerAuth", (kind) => {
  it("calls a tool as the verified identity", async () => {
    const url = listening.urls[kind] as string;
    const headers = {};
    const transport: ClientTransport =
      kind === "http"
        ? new StreamableHttpTransport({ url, headers })
        : kind === "sse"
          ? new SSETransport({ url, headers })
          : new WSTransport({ url, headers });
    const client = await connect(transport, { auth: new BearerAuth("good") });
    expect((await client.callTool("whoami")).text).toBe("alice");
  });
});

describe("the official SDK v1 client's discovery", () => {
  it("reads the metadata URL from our 401 and fetches the metadata", async () => {
    const refused = await fetch(`${origin}/mcp`, {
      method: "POST",
      headers: { accept: "application/json, text/event-stream", "content-type": "application/json" },
      body: INIT,
    });
    const { resourceMetadataUrl, error } = extractWWWAuthenticateParams(refused);
    expect(error).toBeUndefined();
    expect(resourceMetadataUrl?.href).toBe(METADATA_URL);
    const proxied = (input: string | URL, init?: RequestInit) => fetch(publicToLocal(String(input)), init);
    const metadata = await discoverOAuthProtectedResourceMetadata(
      `${PUBLIC}/mcp`,
      { resourceMetadataUrl: resourceMetadataUrl as URL },
      proxied,
    );
    expect(metadata).toMatchObject(EXPECTED_METADATA);
    // Without the header it finds the same document at the path-suffixed well-known URL.
    expect(await discoverOAuthProtectedResourceMetadata(`${PUBLIC}/mcp`, {}, proxied)).toMatchObject(
      EXPECTED_METADATA,
    );
    // A client of the SSE endpoint finds the document of its own resource.
    expect(await discoverOAuthProtectedResourceMetadata(`${PUBLIC}/sse`, {}, proxied)).toMatchObject(
      metadataOf("/sse"),
    );
  });
});

describe("RemoteAuthProvider setup", () => {
  it("as a web handler, serves the metadata at the URL its challenge names, under a custom path", async () => {
    const mcp = new FastMCP({
      name: "edge",
      auth: new RemoteAuthProvider({
        tokenVerifier: new StaticTokenVerifier(["t"]),
        authorizationServers: ["https://auth.example.com"],
        baseUrl: "https://edge.example.com",
        scopesSupported: ["read", "write"],
      }),
    });
    const handle = mcp.webHandler({ path: "/api/mcp" });
    const refused = await handle(new Request("https://edge.example.com/api/mcp", { method: "POST" }));
    expect(refused.status).toBe(401);
    const challenge = refused.headers.get("www-authenticate") ?? "";
    const url = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(url).toBe("https://edge.example.com/.well-known/oauth-protected-resource/api/mcp");
    const metadata = await handle(new Request(url as string));
    expect(await metadata.json()).toEqual({
      resource: "https://edge.example.com/api/mcp",
      authorization_servers: ["https://auth.example.com"],
      scopes_supported: ["read", "write"],
      bearer_methods_supported: ["header"],
    });
  });

  it("a plain token verifier serves no metadata and keeps its realm challenge", async () => {
    const mcp = new FastMCP({ name: "plain", auth: new StaticTokenVerifier(["t"]) });
    const handle = mcp.webHandler();
    const metadata = await handle(new Request("http://localhost/.well-known/oauth-protected-resource"));
    expect(metadata.status).toBe(404);
    const refused = await handle(new Request("http://localhost/mcp", { method: "POST" }));
    expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="mcp"');
  });

  it("refuses a relative baseUrl or no authorization server, naming the option", () => {
    const tokenVerifier = new StaticTokenVerifier(["t"]);
    expect(
      () =>
        new RemoteAuthProvider({
          tokenVerifier,
          authorizationServers: ["https://a.example"],
          baseUrl: "/mcp",
        }),
    ).toThrow(/baseUrl must be an absolute URL/);
    expect(
      () => new RemoteAuthProvider({ tokenVerifier, authorizationServers: [], baseUrl: "https://x.example" }),
    ).toThrow(/at least one authorization server/);
  });
});
