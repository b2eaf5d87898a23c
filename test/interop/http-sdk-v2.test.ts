/**
 * Interop over real sockets (127.0.0.1, a free port) with the official TypeScript SDK v2 client
 * (`@modelcontextprotocol/client` 2.x), which speaks both eras: it drives our Streamable HTTP
 * server in each of its negotiation modes. `auto` and pinned to 2026-07-28 must come out modern
 * (no `initialize` on the wire, a per-request `_meta` envelope and the MCP-Protocol-Version /
 * Mcp-Method / Mcp-Name headers, no session), the default `legacy` mode a 2025-11-25 session.
 * Here: the HTTP wire and sessions; the features in each mode are rows of the table in
 * sdk-clients.test.ts, and our Client driving v2's `createMcpHandler` is in sdk-servers.test.ts.
 *
 * Each test closes what it opened and checks that no server or socket is left behind.
 */
import {
  type LoggingMessageNotificationParams,
  PROTOCOL_VERSION_META_KEY,
  Client as SdkClient,
  type ClientOptions as SdkClientOptions,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ListeningServer } from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { Cleanup } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { postedRequests, recordingFetch } from "../helpers/sdk-interop.js";

const cleanup = new Cleanup();
let before: ReturnType<typeof openHandles>;
beforeEach(() => {
  before = openHandles();
});
afterEach(async () => {
  await cleanup.run();
  await expectNoNewHandles(before);
});

interface Mode<O> {
  label: string;
  options: O;
  era: "modern" | "legacy";
  version: string;
}

const SDK_MODES: Mode<SdkClientOptions>[] = [
  {
    label: "auto negotiation",
    options: { versionNegotiation: { mode: "auto" } },
    era: "modern",
    version: "2026-07-28",
  },
  {
    label: "pinned to 2026-07-28",
    options: { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    era: "modern",
    version: "2026-07-28",
  },
  { label: "default (legacy) mode", options: {}, era: "legacy", version: "2025-11-25" },
];

/** Our everything-server, plus a tool that answers with the HTTP headers it was called with. */
async function listenEverything(): Promise<ListeningServer> {
  const mcp = createEverythingServer();
  mcp.tool("headers", { description: "The request's HTTP headers." }, (_args, ctx) => ({
    headers: ctx.headers ?? null,
  }));
  const listening = await mcp.listen({ transport: "http", port: 0 });
  cleanup.add(async () => {
    await listening.close();
    expect(listening.server.listening).toBe(false);
  });
  return listening;
}

/** An official v2 client connected over Streamable HTTP; closed after the test. */
async function openSdkClient(listening: ListeningServer, options: SdkClientOptions) {
  const recorder = recordingFetch();
  const transport = new StreamableHTTPClientTransport(new URL(listening.url), { fetch: recorder.fetch });
  const client = new SdkClient({ name: "sdk-v2-client", version: "2.0.0" }, options);
  const logs: LoggingMessageNotificationParams[] = [];
  client.setNotificationHandler("notifications/message", (notification) => {
    logs.push(notification.params);
  });
  // Anything the client finds wrong with what the server sends is reported here; a correct server causes none.
  const errors: Error[] = [];
  client.onerror = (error) => void errors.push(error);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  cleanup.add(async () => {
    await client.close();
    expect(errors).toEqual([]);
  });
  return { client, transport, logs, requests: recorder.requests };
}

describe.each(SDK_MODES)(
  "official SDK v2 client ($label) → fastmcp-ts server over Streamable HTTP",
  (mode) => {
    const modern = mode.era === "modern";

    it("speaks the negotiated era on the wire", async () => {
      const listening = await listenEverything();
      const { client, requests } = await openSdkClient(listening, mode.options);
      await client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
      const posted = postedRequests(requests);
      const methods = posted.map((entry) => entry.body.method);
      expect(methods).toContain("tools/call");
      const sessions = listening.app.streamable;
      if (modern) {
        expect(methods).not.toContain("initialize");
        if (mode.options.versionNegotiation?.mode === "auto") expect(methods[0]).toBe("server/discover");
        for (const entry of posted) {
          // The envelope in the body, mirrored by the headers our server checks.
          expect(entry.body.params?._meta?.[PROTOCOL_VERSION_META_KEY]).toBe("2026-07-28");
          expect(entry.headers["mcp-protocol-version"]).toBe("2026-07-28");
          expect(entry.headers["mcp-method"]).toBe(entry.body.method);
          expect(entry.headers["mcp-session-id"]).toBeUndefined();
          expect(entry.responseHeaders?.["mcp-session-id"]).toBeUndefined();
          expect(entry.status).toBe(200);
        }
        const call = posted.find((entry) => entry.body.method === "tools/call");
        expect(call?.headers["mcp-name"]).toBe("add");
        // Stateless: no GET stream, no session on the server.
        expect(requests.some((entry) => entry.method === "GET")).toBe(false);
        expect(sessions?.stats().sessions).toBe(0);
      } else {
        expect(methods[0]).toBe("initialize");
        const sessionId = posted[0]?.responseHeaders?.["mcp-session-id"];
        expect(sessionId).toBeTruthy();
        expect(sessions?.stats().sessions).toBe(1);
        for (const entry of requests.slice(1)) {
          expect(entry.headers["mcp-session-id"]).toBe(sessionId);
          expect(entry.headers["mcp-protocol-version"]).toBe("2025-11-25");
          expect(entry.headers["mcp-method"]).toBeUndefined();
        }
      }
    });

    it("delivers the request headers to the handler (ctx.headers)", async () => {
      const listening = await listenEverything();
      const { client } = await openSdkClient(listening, mode.options);
      const result = await client.callTool({ name: "headers", arguments: {} });
      const { headers } = result.structuredContent as { headers: Record<string, string> };
      expect(headers["content-type"]).toContain("application/json");
      if (modern) {
        expect(headers).toMatchObject({
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "headers",
        });
      } else {
        expect(headers["mcp-protocol-version"]).toBe("2025-11-25");
        expect(listening.app.streamable?.session(headers["mcp-session-id"] ?? "")).toBeDefined();
        expect(headers["mcp-method"]).toBeUndefined();
      }
    });

    if (!modern) {
      it("ends its session with DELETE on terminateSession", async () => {
        const listening = await listenEverything();
        const { transport, requests } = await openSdkClient(listening, mode.options);
        expect(listening.app.streamable?.stats().sessions).toBe(1);
        await transport.terminateSession();
        expect(requests.at(-1)).toMatchObject({ method: "DELETE", status: 200 });
        expect(listening.app.streamable?.stats().sessions).toBe(0);
      });
    }
  },
);
