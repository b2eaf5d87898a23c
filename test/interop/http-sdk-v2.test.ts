/**
 * Interop over real sockets (127.0.0.1, a free port) with the official TypeScript SDK v2
 * (`@modelcontextprotocol/client` and `@modelcontextprotocol/server` 2.x), which speaks both eras.
 *
 * - The official v2 client drives our Streamable HTTP server in each of its negotiation modes:
 *   `auto` and pinned to 2026-07-28 must come out modern (no `initialize` on the wire, a per-request
 *   `_meta` envelope and the MCP-Protocol-Version / Mcp-Method / Mcp-Name headers, no session), the
 *   default `legacy` mode a 2025-11-25 session. Here: the HTTP wire and sessions; the features in
 *   each mode are rows of the table in sdk-clients.test.ts.
 * - Our Client drives a v2 server served by v2's `createMcpHandler` (a web-standard handler,
 *   mounted on node:http): modern 2026-07-28 when negotiating or pinned to it, legacy (v2's
 *   stateless fallback) when pinned to 2025-11-25.
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
import { createMcpHandler } from "@modelcontextprotocol/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Client,
  type ClientOptions,
  type ListeningServer,
  type LogMessage,
  McpError,
  MetaKey,
  StreamableHttpTransport,
  ToolError,
} from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { createSdkV2Server } from "../fixtures/sdk-v2-server.js";
import { Cleanup, nodeListenerFor, serveNode } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { postedRequests, recordingFetch, type WireRequest } from "../helpers/sdk-interop.js";

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

// ---------------------------------------------------------------------------------------------
// Our Client → an official v2 server served by createMcpHandler, mounted on node:http.

/** v2's web-standard handler for the fixture server, on node:http; closed after the test. */
async function serveV2Handler() {
  const handler = createMcpHandler(createSdkV2Server);
  const host = await serveNode(nodeListenerFor((request) => handler.fetch(request)));
  cleanup.add(async () => {
    await handler.close();
    await host.close();
  });
  return `${host.origin}/mcp`;
}

const OUR_MODES: Mode<ClientOptions>[] = [
  { label: "automatic negotiation", options: {}, era: "modern", version: "2026-07-28" },
  {
    label: "pinned to 2026-07-28",
    options: { protocolVersion: "2026-07-28" },
    era: "modern",
    version: "2026-07-28",
  },
  {
    label: "pinned to 2025-11-25",
    options: { protocolVersion: "2025-11-25" },
    era: "legacy",
    version: "2025-11-25",
  },
];

const V2_INFO = { name: "sdk-v2-server", version: "2.0.0" };

describe.each(OUR_MODES)(
  "fastmcp-ts Client ($label) → official SDK v2 createMcpHandler over HTTP",
  (mode) => {
    const modern = mode.era === "modern";

    /** Our Client over a recording StreamableHttpTransport; closed after the test. */
    async function connect(extra: ClientOptions = {}) {
      const url = await serveV2Handler();
      const recorder = recordingFetch();
      const client = new Client(new StreamableHttpTransport({ url, fetch: recorder.fetch }), {
        ...mode.options,
        ...extra,
      });
      cleanup.add(() => client.close());
      await client.connect();
      return { client, requests: recorder.requests };
    }

    function expectEraMarker(meta: Record<string, unknown> | undefined) {
      if (modern) expect(meta?.[MetaKey.ServerInfo]).toEqual(V2_INFO);
      else expect(meta?.[MetaKey.ServerInfo]).toBeUndefined();
    }

    it(`negotiates ${mode.version} (${mode.era}) and speaks it on the wire`, async () => {
      const { client, requests } = await connect();
      expect(client.era).toBe(mode.era);
      expect(client.protocolVersion).toBe(mode.version);
      expect(client.serverInfo).toEqual(V2_INFO);
      expect(client.instructions).toBe("An official v2 SDK server.");
      expect(client.serverCapabilities).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {} });
      await expect(client.ping()).resolves.toBe(true);
      expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");

      const posted = postedRequests(requests);
      const methods = posted.map((entry) => entry.body.method);
      if (modern) {
        expect(methods[0]).toBe("server/discover");
        expect(methods).not.toContain("initialize");
        for (const entry of posted) {
          expect(entry.status).toBe(200);
          expect(entry.body.params?._meta?.[MetaKey.ProtocolVersion]).toBe("2026-07-28");
          expect(entry.headers["mcp-protocol-version"]).toBe("2026-07-28");
          expect(entry.headers["mcp-method"]).toBe(entry.body.method);
        }
        expect(posted.find((entry) => entry.body.method === "tools/call")?.headers["mcp-name"]).toBe("add");
      } else {
        // Pinned to a legacy revision: no probe; v2 serves the 2025 handshake statelessly (no session).
        expect(methods[0]).toBe("initialize");
        expect(methods).not.toContain("server/discover");
        expect(posted[0]?.responseHeaders?.["mcp-session-id"]).toBeUndefined();
        for (const entry of posted.slice(1)) {
          expect(entry.headers["mcp-protocol-version"]).toBe("2025-11-25");
          expect(entry.headers["mcp-method"]).toBeUndefined();
        }
      }
      for (const entry of requests) expect(entry.headers["mcp-session-id"]).toBeUndefined();
    });

    it("lists and calls tools: text, structured output, isError and unknown tools", async () => {
      const { client } = await connect();
      const tools = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(["add", "weather", "fail", "progress"]);
      const sum = await client.callTool("add", { a: 5, b: 3 });
      expect(sum.text).toBe("8");
      expectEraMarker(sum._meta);
      const weather = await client.callTool("weather", { city: "Paris" });
      expect(weather.structuredContent).toEqual({ city: "Paris", celsius: 21 });
      expect(weather.data).toEqual({ city: "Paris", celsius: 21 });
      const error = await client.callTool("fail").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).toBe("this tool always fails");
      const unknown = await client.callTool("no-such-tool").catch((caught: unknown) => caught);
      expect(unknown).toBeInstanceOf(McpError);
      expect((unknown as McpError).code).toBe(-32602);
    });

    it("lists and reads resources and templates, lists and renders prompts", async () => {
      const { client } = await connect();
      expect(await client.listResources()).toEqual([
        expect.objectContaining({ uri: "config://test", name: "config", mimeType: "application/json" }),
      ]);
      expect(await client.listResourceTemplates()).toEqual([
        expect.objectContaining({ uriTemplate: "users://{id}/profile", name: "profile" }),
      ]);
      expect(JSON.parse((await client.readResource("config://test")).content)).toEqual({
        test: true,
        sdk: 2,
      });
      expect(JSON.parse((await client.readResource("users://42/profile")).content)).toEqual({
        id: "42",
        name: "User 42",
      });
      expect(await client.listPrompts()).toEqual([
        expect.objectContaining({ name: "greet", arguments: [expect.objectContaining({ name: "name" })] }),
      ]);
      expect((await client.getPrompt("greet", { name: "Ada" })).messages).toEqual([
        { role: "user", content: { type: "text", text: "Say hello to Ada" } },
      ]);
    });

    it("receives progress and log notifications from a running tool", async () => {
      const logs: LogMessage[] = [];
      const { client, requests } = await connect({ onLog: (message) => logs.push(message) });
      const progress: [number, number | undefined, string | undefined][] = [];
      const result = await client.callTool(
        "progress",
        {},
        { onProgress: (value, total, message) => progress.push([value, total, message]) },
      );
      expect(result.text).toBe("done");
      expect(progress).toEqual([
        [1, 3, "step 1"],
        [2, 3, "step 2"],
        [3, 3, "step 3"],
      ]);
      expect(logs).toEqual([{ level: "info", logger: "v2", data: "hello from v2" }]);
      const call = postedRequests(requests).findLast(
        (entry: WireRequest & { body: { method: string } }) => entry.body.method === "tools/call",
      );
      expect(call?.responseHeaders?.["content-type"]).toContain("text/event-stream");
    });
  },
);
