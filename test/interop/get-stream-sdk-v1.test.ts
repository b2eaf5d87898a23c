/**
 * The legacy Streamable HTTP client's GET stream against the official SDK v1 server: v1 sends a
 * server-to-client request that belongs to no call on the session's standalone GET stream, and
 * drops it while that stream is not open. connect() must therefore resolve only once the GET has
 * been answered (open, or refused), so that a request the server sends right after the first call
 * reaches the client however busy the machine is.
 *
 * Deterministic: the host hands each GET to the v1 transport only after a delay, the way a loaded
 * machine might; a client that does not wait sends its call first and the elicitation is lost.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ElicitationRequest } from "../../src/client/handlers.js";
import { Client } from "../../src/index.js";
import { createSdkV1FeatureServer } from "../fixtures/sdk-v1-server.js";
import { Cleanup, expectNoNewHandles, openHandles, serveNode } from "./net-helpers.js";

const cleanup = new Cleanup();
let handles: ReturnType<typeof openHandles>;
beforeEach(() => {
  handles = openHandles();
});
afterEach(async () => {
  await cleanup.run();
  await expectNoNewHandles(handles);
});

/** How long the host holds each GET before the v1 transport sees it. */
const GET_DELAY_MS = 1500;

/** The v1 feature server, stateful, on node:http; GET requests reach it `GET_DELAY_MS` late. */
async function serveV1WithSlowGet() {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET") await new Promise((resolve) => setTimeout(resolve, GET_DELAY_MS));
    const sessionId = req.headers["mcp-session-id"];
    const existing = typeof sessionId === "string" ? transports.get(sessionId) : undefined;
    if (existing) return existing.handleRequest(req, res);
    if (req.method === "POST" && sessionId === undefined) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (isInitializeRequest(body)) {
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void transports.set(id, transport),
        });
        transport.onclose = () => {
          if (transport.sessionId) transports.delete(transport.sessionId);
        };
        await createSdkV1FeatureServer().connect(transport);
        return transport.handleRequest(req, res, body);
      }
    }
    // The probe, and anything else without a session (as v1's examples answer it).
    res.writeHead(400, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "No valid session ID" }, id: null }),
    );
  };
  const host = await serveNode((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  cleanup.add(async () => {
    for (const transport of transports.values()) await transport.close();
    await host.close();
  });
  return `${host.origin}/mcp`;
}

describe("fastmcp-ts Client → official SDK v1 server over Streamable HTTP: the GET stream", () => {
  it("is open when connect() resolves: an elicitation v1 sends on it right after the first call arrives", async () => {
    const url = await serveV1WithSlowGet();
    const asked: ElicitationRequest[] = [];
    const client = new Client(url, {
      elicitation: (request) => {
        asked.push(request);
        return { action: "accept", data: { name: "Ada" } };
      },
    });
    cleanup.add(() => client.close());
    await client.connect();
    expect(client.era).toBe("legacy");
    // Upper bound only: lost, the elicitation would leave the call waiting for this long.
    const result = await client.callTool("ask-unrelated", {}, { timeout: 10_000 });
    expect(result.text).toBe("Hello, Ada!");
    expect(asked).toHaveLength(1);
    expect(asked[0]?.message).toBe("What is your name?");
  });
});
