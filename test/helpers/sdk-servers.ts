/**
 * The official SDK servers mounted on node:http for our Client to drive: v1's Streamable HTTP
 * (a session per client, or a fresh server per request), v1's deprecated HTTP+SSE, and v2's
 * web-standard `createMcpHandler`. Each is closed by the `cleanup` it is given.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createMcpHandler } from "@modelcontextprotocol/server";
import { createSdkV1Server, sdkV1Sessions } from "../fixtures/sdk-v1-server.js";
import { createSdkV2Server } from "../fixtures/sdk-v2-server.js";
import { type Cleanup, nodeListenerFor, serveAsync, serveNode } from "./node-host.js";

/** A v1 McpServer over StreamableHTTPServerTransport: one transport and server per session, or per request. */
export async function serveV1Streamable(cleanup: Cleanup, mode: "stateful" | "stateless") {
  const v1 = sdkV1Sessions(createSdkV1Server);
  /** Open GET (standalone SSE) streams. */
  const getStreams = new Set<ServerResponse>();
  /** The HTTP method of every request, in order. */
  const methods: string[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    methods.push(req.method ?? "");
    if (req.method === "GET") {
      getStreams.add(res);
      res.once("close", () => getStreams.delete(res));
    }
    if (mode === "stateless") {
      // The established stateless idiom: a fresh server and transport for each request, and no
      // sessionIdGenerator (the `sessionIdGenerator: undefined` of v1's examples).
      const transport = new StreamableHTTPServerTransport({});
      const server = createSdkV1Server();
      res.once("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
      return;
    }
    await v1.handle(req, res);
  };
  const host = await serveAsync(cleanup, handle, () => v1.close());
  return { url: `${host.origin}/mcp`, transports: v1.transports, getStreams, methods };
}

/** A v1 McpServer over the deprecated SSEServerTransport: GET /sse, POST /messages?sessionId=. */
export async function serveV1Sse(cleanup: Cleanup) {
  const transports = new Map<string, SSEServerTransport>();
  const host = await serveNode((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/sse") {
      const transport = new SSEServerTransport("/messages", res);
      transports.set(transport.sessionId, transport);
      res.once("close", () => transports.delete(transport.sessionId));
      void createSdkV1Server().connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get("sessionId") ?? "");
    if (req.method === "POST" && url.pathname === "/messages" && transport) {
      void transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end("Not found");
  });
  cleanup.add(async () => {
    for (const transport of transports.values()) await transport.close();
    await host.close();
  });
  return { url: `${host.origin}/sse`, transports };
}

/** v2's web-standard handler for the fixture server (both eras, no sessions), on node:http. */
export async function serveV2Handler(cleanup: Cleanup) {
  const handler = createMcpHandler(createSdkV2Server);
  const host = await serveNode(nodeListenerFor((request) => handler.fetch(request)));
  cleanup.add(async () => {
    await handler.close();
    await host.close();
  });
  return { url: `${host.origin}/mcp` };
}
