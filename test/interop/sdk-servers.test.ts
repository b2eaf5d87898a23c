/**
 * Our Client drives the official TypeScript SDK servers: one table over SDK × transport × our
 * Client's mode, each row one connection shared by its tests (the log-level test opens its own).
 *
 * - v1 (`@modelcontextprotocol/sdk` 1.x) speaks only the initialize-based revisions: our Client
 *   probes `server/discover`, learns from the answer (not a timeout) that it is missing, and falls
 *   back to 2025-11-25, over stdio, Streamable HTTP (stateful: a session per client; stateless: a
 *   fresh server per request) and HTTP+SSE.
 * - v2 (`@modelcontextprotocol/server` 2.x) answers both eras, over stdio (`serveStdio`) and
 *   Streamable HTTP (`createMcpHandler`, without sessions): our Client negotiating or pinned to
 *   2026-07-28 comes out modern, pinned to 2025-11-25 legacy.
 *
 * Behaviour that differs per SDK or transport is a column of the row. Each row checks that no
 * subprocess, server or socket outlives it. What does not fit the table (a v1 server refusing a pin
 * to 2026-07-28, older legacy pins) stays in stdio-sdk-v1.test.ts and http-sdk-v1.test.ts; the
 * other direction (the SDK clients driving our server) is sdk-clients.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  Client,
  type ClientOptions,
  type LogMessage,
  McpError,
  MetaKey,
  SSETransport,
  StdioTransport,
  StreamableHttpTransport,
  ToolError,
} from "../../src/index.js";
import { Cleanup } from "../helpers/node-host.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";
import { postedRequests, recordingFetch, type WireRequest } from "../helpers/sdk-interop.js";
import { serveV1Sse, serveV1Streamable, serveV2Handler } from "../helpers/sdk-servers.js";
import { WAIT_FOR } from "../helpers/wait.js";

type Sdk = "v1" | "v2";
/** How the SDK server is served. */
type Serving = "stdio" | "stateful" | "stateless" | "sse" | "handler";

interface Row {
  sdk: Sdk;
  serving: Serving;
  /** The transport as the test names say it. */
  label: string;
  mode: string;
  /** Our Client's options (its negotiation mode). */
  options: ClientOptions;
  era: "modern" | "legacy";
  version: string;
  /**
   * Whether the log the server's progress tool sends reaches the client: v1 sends it outside the
   * request, which a stateless server (no standalone stream) has nowhere to put.
   */
  logs: boolean;
  /**
   * Whether the server filters its logs by the level the client asks for: per request in
   * 2026-07-28; in a legacy session, by the level `logging/setLevel` left, which a server without
   * sessions (v2's handler) forgets.
   */
  filters: boolean;
}

const MODES = {
  auto: { mode: "automatic negotiation", options: {}, era: "modern", version: "2026-07-28" },
  modern: {
    mode: "pinned to 2026-07-28",
    options: { protocolVersion: "2026-07-28" },
    era: "modern",
    version: "2026-07-28",
  },
  legacy: {
    mode: "pinned to 2025-11-25",
    options: { protocolVersion: "2025-11-25" },
    era: "legacy",
    version: "2025-11-25",
  },
} as const satisfies Record<string, Pick<Row, "mode" | "options" | "era" | "version">>;

/** A v1 server speaks no 2026-07-28: negotiating, our Client falls back to the legacy handshake. */
const V1_AUTO = { ...MODES.auto, era: "legacy", version: "2025-11-25" } as const;

const LABELS: Record<Serving, string> = {
  stdio: "stdio",
  stateful: "Streamable HTTP (stateful)",
  stateless: "Streamable HTTP (stateless)",
  sse: "HTTP+SSE",
  handler: "Streamable HTTP (createMcpHandler)",
};

const ROWS: Row[] = [
  ...(["stdio", "stateful", "stateless", "sse"] as const).flatMap((serving) =>
    [V1_AUTO, MODES.legacy].map(
      (mode): Row => ({
        sdk: "v1",
        serving,
        label: LABELS[serving],
        ...mode,
        logs: serving !== "stateless",
        filters: serving !== "stateless",
      }),
    ),
  ),
  ...(["stdio", "handler"] as const).flatMap((serving) =>
    Object.values(MODES).map(
      (mode): Row => ({
        sdk: "v2",
        serving,
        label: LABELS[serving],
        ...mode,
        logs: true,
        filters: serving === "stdio" || mode.era === "modern",
      }),
    ),
  ),
];

const STEPS = [
  [1, 3, "step 1"],
  [2, 3, "step 2"],
  [3, 3, "step 3"],
];

/** Where a row's client connects, and what its server lets the tests see. */
interface Target {
  /** The URL (network rows). */
  url?: string;
  /** The server's open transports, by session (v1 stateful and SSE). */
  transports?: Map<string, unknown>;
  /** The server's open GET streams (v1 stateful). */
  getStreams?: Set<unknown>;
  /** The HTTP method of every request the server received (v1 Streamable HTTP). */
  methods?: string[];
}

async function serve(row: Row, cleanup: Cleanup): Promise<Target> {
  switch (row.serving) {
    case "stdio":
      return {};
    case "stateful":
    case "stateless":
      return serveV1Streamable(cleanup, row.serving);
    case "sse":
      return serveV1Sse(cleanup);
    case "handler":
      return serveV2Handler(cleanup);
  }
}

/** Our Client (not yet connected) to the row's server, recording the HTTP requests it makes. */
function ourClient(row: Row, target: Target, extra: ClientOptions = {}) {
  const recorder = recordingFetch();
  const url = target.url as string;
  const transport =
    row.serving === "stdio"
      ? new StdioTransport("node", fixtureArgs(`sdk-${row.sdk}-server.ts`), { cwd: ROOT, stderr: "pipe" })
      : row.serving === "sse"
        ? new SSETransport({ url, fetch: recorder.fetch })
        : new StreamableHttpTransport({ url, fetch: recorder.fetch });
  // A probe timeout this long would outlast the test: a fallback must come from the server's answer.
  const client = new Client(transport, { probeTimeout: 60_000, ...row.options, ...extra });
  return { client, requests: recorder.requests };
}

describe.each(ROWS)("fastmcp-ts Client ($mode) → official SDK $sdk server over $label", (row) => {
  const modern = row.era === "modern";
  const n = row.sdk.slice(1);
  const serverInfo = { name: `sdk-${row.sdk}-server`, version: `${n}.0.0` };
  const serverLog = { level: "info", logger: row.sdk, data: `hello from ${row.sdk}` };
  const cleanup = new Cleanup();
  let target: Target = {};
  let client: Client;
  let requests: WireRequest[] = [];
  const logs: LogMessage[] = [];
  let children: number[] = [];
  let handles: ReturnType<typeof openHandles>;

  beforeAll(async () => {
    children = childPids();
    handles = openHandles();
    target = await serve(row, cleanup);
    ({ client, requests } = ourClient(row, target, { onLog: (message) => logs.push(message) }));
    await client.connect();
    // v1 sends its log outside the request, on the standalone GET stream our Client opens: wait
    // for it so the progress tool's log is not dropped.
    if (row.serving === "stateful") await vi.waitFor(() => expect(target.getStreams?.size).toBe(1), WAIT_FOR);
  });
  afterAll(async () => {
    await client?.close();
    if (row.serving === "stateful") {
      // Closing our client ends the session on the server (DELETE).
      expect(requests.at(-1)).toMatchObject({ method: "DELETE", status: 200 });
    }
    if (row.serving === "stateless") expect(target.methods).not.toContain("DELETE");
    if (target.transports) await vi.waitFor(() => expect(target.transports?.size).toBe(0), WAIT_FOR);
    await cleanup.run();
    await expectNoNewChildren(children);
    await expectNoNewHandles(handles);
  });

  /** The v2 server marks 2026-07-28 results with its identity in `_meta`; legacy results carry none. */
  function expectEraMarker(meta: Record<string, unknown> | undefined) {
    if (modern) expect(meta?.[MetaKey.ServerInfo]).toEqual(serverInfo);
    else expect(meta?.[MetaKey.ServerInfo]).toBeUndefined();
  }

  it(`negotiates ${row.version} (${row.era}) and learns who the server is`, async () => {
    expect(client.era).toBe(row.era);
    expect(client.protocolVersion).toBe(row.version);
    expect(client.serverInfo).toEqual(serverInfo);
    expect(client.instructions).toBe(`An official ${row.sdk} SDK server.`);
    expect(client.serverCapabilities).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {} });
    await expect(client.ping()).resolves.toBe(true);
  });

  if (row.serving !== "stdio") {
    it("speaks the negotiated era on the wire", async () => {
      expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
      const posted = postedRequests(requests);
      const methods = posted.map((entry) => entry.body.method);
      const probed = row.mode === MODES.auto.mode;
      if (row.sdk === "v1" && probed) {
        // The probe, refused, then the 2025 handshake.
        expect(methods.slice(0, 2)).toEqual(["server/discover", "initialize"]);
      } else if (modern) {
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
        // Pinned to a legacy revision: no probe, straight to the 2025 handshake.
        expect(methods[0]).toBe("initialize");
        expect(methods).not.toContain("server/discover");
        for (const entry of posted.slice(1)) {
          // HTTP+SSE predates the version header.
          if (row.serving !== "sse") expect(entry.headers["mcp-protocol-version"]).toBe("2025-11-25");
          expect(entry.headers["mcp-method"]).toBeUndefined();
        }
      }
      const initialize = posted.find((entry) => entry.body.method === "initialize");
      const later = requests.slice(requests.indexOf(initialize as WireRequest) + 1);
      if (row.serving === "stateful") {
        // No session for the probe (400); the session the handshake opened carries the rest.
        if (probed) expect(posted[0]?.status).toBe(400);
        expect(initialize?.status).toBe(200);
        const sessionId = initialize?.responseHeaders?.["mcp-session-id"];
        expect(target.transports?.has(sessionId as string)).toBe(true);
        expect(later.length).toBeGreaterThan(0);
        for (const entry of later) {
          expect(entry.headers["mcp-session-id"]).toBe(sessionId);
          expect(entry.headers["mcp-protocol-version"]).toBe("2025-11-25");
        }
      } else if (row.serving === "sse") {
        // One GET for the stream, then every message POSTed to v1's endpoint; the stream is the session.
        expect(new Client(target.url as string).transport).toBeInstanceOf(SSETransport);
        expect(requests[0]).toMatchObject({ method: "GET", status: 200 });
        for (const entry of posted) expect(entry.url).toMatch(/\/messages\?sessionId=[\w-]+$/);
        expect(target.transports?.size).toBe(1);
      } else {
        // No session: nothing carries a session id.
        if (initialize) expect(initialize.responseHeaders?.["mcp-session-id"]).toBeUndefined();
        for (const entry of requests) expect(entry.headers["mcp-session-id"]).toBeUndefined();
      }
    });
  }

  it("lists tools and calls add", async () => {
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["add", "weather", "fail", "progress"]);
    expect(tools[0]).toMatchObject({
      name: "add",
      description: "Add two numbers.",
      inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
    });
    const sum = await client.callTool("add", { a: 5, b: 3 });
    expect(sum.text).toBe("8");
    expect(sum.isError).toBe(false);
    expectEraMarker(sum._meta);
  });

  it("gets structured output", async () => {
    const weather = await client.callTool("weather", { city: "Paris" });
    expect(weather.structuredContent).toEqual({ city: "Paris", celsius: 21 });
    expect(weather.data).toEqual({ city: "Paris", celsius: 21 });
    expect(JSON.parse(weather.text)).toEqual({ city: "Paris", celsius: 21 });
  });

  it("raises ToolError for an isError result, or returns it with raiseOnError: false", async () => {
    const error = await client.callTool("fail").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("this tool always fails");
    const failed = await client.callTool("fail", {}, { raiseOnError: false });
    expect(failed.isError).toBe(true);
    expect(failed.text).toBe("this tool always fails");
  });

  it(`gets ${row.sdk === "v1" ? "an isError result" : "a protocol error"} for an unknown tool`, async () => {
    const error = await client.callTool("no-such-tool").catch((caught: unknown) => caught);
    if (row.sdk === "v2") {
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32602);
    } else {
      // v1's McpServer turns the error it throws into the tool's result, code and all.
      expect(error).toBeInstanceOf(ToolError);
      expect((error as ToolError).message).toBe("MCP error -32602: Tool no-such-tool not found");
    }
  });

  it("lists and reads resources and templates", async () => {
    expect(await client.listResources()).toEqual([
      expect.objectContaining({ uri: "config://test", name: "config", mimeType: "application/json" }),
    ]);
    expect(await client.listResourceTemplates()).toEqual([
      expect.objectContaining({ uriTemplate: "users://{id}/profile", name: "profile" }),
    ]);
    const config = await client.readResource("config://test");
    const text = JSON.stringify({ test: true, sdk: Number(n) });
    expect(JSON.parse(config.content)).toEqual({ test: true, sdk: Number(n) });
    expect(config.contents).toEqual([{ uri: "config://test", mimeType: "application/json", text }]);
    const profile = await client.readResource("users://42/profile");
    expect(JSON.parse(profile.content)).toEqual({ id: "42", name: "User 42" });
  });

  it("lists and renders prompts", async () => {
    expect(await client.listPrompts()).toEqual([
      expect.objectContaining({
        name: "greet",
        description: "Greet someone",
        arguments: [expect.objectContaining({ name: "name", required: true })],
      }),
    ]);
    const rendered = await client.getPrompt("greet", { name: "Ada" });
    expect(rendered.messages).toEqual([
      { role: "user", content: { type: "text", text: "Say hello to Ada" } },
    ]);
  });

  it(`receives progress${row.logs ? " and log" : ""} notifications from a running tool`, async () => {
    const logged = logs.length;
    const progress: [number, number | undefined, string | undefined][] = [];
    const result = await client.callTool(
      "progress",
      {},
      { onProgress: (value, total, message) => progress.push([value, total, message]) },
    );
    expect(result.text).toBe("done");
    expect(progress).toEqual(STEPS);
    if (row.logs) {
      // Over a stateful session v1's log comes on the GET stream, racing the call's answer.
      await vi.waitFor(() => expect(logs.slice(logged)).toEqual([serverLog]), WAIT_FOR);
    }
    if (row.serving === "handler") {
      const call = postedRequests(requests).findLast((entry) => entry.body.method === "tools/call");
      expect(call?.responseHeaders?.["content-type"]).toContain("text/event-stream");
    }
  });

  if (row.filters) {
    it(`filters logs below the client's level (${modern ? "per-request _meta" : "logging/setLevel"})`, async () => {
      const own: LogMessage[] = [];
      await using filtered = ourClient(row, target, {
        logLevel: "error",
        onLog: (message) => own.push(message),
      }).client;
      await filtered.connect();
      if (row.serving === "stateful")
        await vi.waitFor(() => expect(target.getStreams?.size).toBe(2), WAIT_FOR);
      expect((await filtered.callTool("progress")).text).toBe("done");
      expect(own).toEqual([]);

      await filtered.setLoggingLevel("info");
      await filtered.callTool("progress");
      // Over a stateful session the log comes on the GET stream, after its call's answer may have:
      // wait for it (a first-call log that got through late would show up here too, ahead of it).
      await vi.waitFor(() => expect(own).toEqual([serverLog]), WAIT_FOR);
    });
  }
});
