/**
 * The official TypeScript SDK clients drive our everything-server: one table over SDK × transport ×
 * era, each row one connection shared by its tests (the log tests open their own).
 *
 * - v1 (`@modelcontextprotocol/sdk` 1.x) speaks only the initialize-based revisions (2025-11-25),
 *   over stdio, Streamable HTTP, HTTP+SSE and WebSocket.
 * - v2 (`@modelcontextprotocol/client` 2.x) speaks both eras, over stdio and Streamable HTTP, in
 *   each of its negotiation modes: `auto` (probes `server/discover`, for stdio on a disposable
 *   sibling process) and pinned to 2026-07-28 come out modern; the default mode is the 2025
 *   `initialize` handshake.
 *
 * Behaviour that differs per SDK or transport is a column of the row. Each row checks that no
 * subprocess, server or socket outlives it. Transport-specific checks (HTTP sessions, auth) stay in
 * http-sdk-v1.test.ts and http-sdk-v2.test.ts.
 */
import {
  LOG_LEVEL_META_KEY,
  type LoggingLevel,
  PROTOCOL_VERSION_META_KEY,
  ResourceNotFoundError,
  SERVER_INFO_META_KEY,
  Client as V2Client,
  type ClientOptions as V2ClientOptions,
  StreamableHTTPClientTransport as V2HttpTransport,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as V2StdioTransport } from "@modelcontextprotocol/client/stdio";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport as V1SseTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport as V1StdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as V1HttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { WebSocketClientTransport as V1WsTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListeningServer } from "../../src/index.js";
import { createEverythingServer } from "../fixtures/everything-server.js";
import { expectNoNewHandles, openHandles } from "../helpers/open-handles.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";
import {
  installGlobalWebSocket,
  postedRequests,
  progressBeforeAnswer,
  recordingFetch,
  SDK_PROGRESS_RACE,
  type WireRequest,
} from "../helpers/sdk-interop.js";

type Sdk = "v1" | "v2";
type TransportKind = "stdio" | "http" | "sse" | "ws";
type Era = "modern" | "legacy";

interface Row {
  sdk: Sdk;
  transport: TransportKind;
  /** The transport as the test names say it. */
  label: string;
  mode: string;
  /** v2's client options (its negotiation mode); v1 has none. */
  options: V2ClientOptions;
  era: Era;
  version: string;
}

const LEGACY_MODE = {
  mode: "default (legacy) mode",
  options: {},
  era: "legacy",
  version: "2025-11-25",
} as const;
const V2_MODES = [
  {
    mode: "auto negotiation",
    options: { versionNegotiation: { mode: "auto" } },
    era: "modern",
    version: "2026-07-28",
  },
  {
    mode: "pinned to 2026-07-28",
    options: { versionNegotiation: { mode: { pin: "2026-07-28" } } },
    era: "modern",
    version: "2026-07-28",
  },
  LEGACY_MODE,
] as const satisfies readonly Omit<Row, "sdk" | "transport" | "label">[];

const LABELS: Record<TransportKind, string> = {
  stdio: "stdio",
  http: "Streamable HTTP",
  sse: "HTTP+SSE",
  ws: "WebSocket",
};

const ROWS: Row[] = [
  ...(["stdio", "http", "sse", "ws"] as const).map(
    (transport): Row => ({ sdk: "v1", transport, label: LABELS[transport], ...LEGACY_MODE }),
  ),
  ...(["stdio", "http"] as const).flatMap((transport) =>
    V2_MODES.map((mode): Row => ({ sdk: "v2", transport, label: LABELS[transport], ...mode })),
  ),
];

const SERVER_INFO = { name: "everything", version: "1.0.0" };

/** A message as the SDKs type it, loosely (both SDKs' JSON-RPC message types fit). */
type Message = Record<string, any>;

/** What the tests call on either SDK's client (their methods share these shapes). */
interface SdkClient {
  ping(): Promise<object>;
  getServerVersion(): unknown;
  getInstructions(): string | undefined;
  getServerCapabilities(): unknown;
  listTools(): Promise<Message>;
  listResources(): Promise<Message>;
  listResourceTemplates(): Promise<Message>;
  readResource(params: { uri: string }): Promise<Message>;
  listPrompts(): Promise<Message>;
  getPrompt(params: { name: string; arguments?: Record<string, string> }): Promise<Message>;
  setLoggingLevel(level: LoggingLevel): Promise<unknown>;
  close(): Promise<void>;
}

/** One connected SDK client, whichever SDK and transport, with what crossed the wire. */
interface Session extends AsyncDisposable {
  client: SdkClient;
  /** The client's v2 API (v2 rows only). */
  v2: V2Client | undefined;
  /** Calls a tool through the SDK's own signature (they differ in where the options go). */
  callTool(
    params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> },
    onprogress?: (progress: Message) => void,
  ): Promise<Message>;
  negotiated: string[];
  logs: Message[];
  sent: Message[];
  received: Message[];
  /** The HTTP requests (HTTP transports only). */
  requests: WireRequest[];
}

/** Where a row's client connects: the fixture subprocess, or our server listening in this process. */
interface Target {
  listening: ListeningServer | undefined;
}

async function openSession(row: Row, target: Target): Promise<Session> {
  const recorder = recordingFetch();
  const urls = target.listening?.urls;
  let transport: {
    send(message: never): Promise<void>;
    onmessage?: ((message: never) => void) | undefined;
    setProtocolVersion?: (version: string) => void;
  };
  if (row.transport === "stdio") {
    const params = {
      command: "node",
      args: fixtureArgs("everything-server.ts"),
      cwd: ROOT,
      stderr: "pipe" as const,
    };
    transport = row.sdk === "v1" ? new V1StdioTransport(params) : new V2StdioTransport(params);
  } else if (row.transport === "http") {
    const url = new URL(urls?.http as string);
    transport =
      row.sdk === "v1"
        ? new V1HttpTransport(url, { fetch: recorder.fetch })
        : new V2HttpTransport(url, { fetch: recorder.fetch });
  } else if (row.transport === "sse") {
    transport = new V1SseTransport(new URL(urls?.sse as string), { fetch: recorder.fetch });
  } else {
    transport = new V1WsTransport(new URL(urls?.ws as string));
  }
  // Record what the client writes (v2's auto-mode probe over stdio runs on a sibling process).
  const sent: Message[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message: never) => {
    sent.push(message);
    return send(message);
  };
  // The v1 Client hands the version the server answered `initialize` with to the transport.
  const negotiated: string[] = [];
  const setProtocolVersion = transport.setProtocolVersion?.bind(transport);
  transport.setProtocolVersion = (version) => {
    negotiated.push(version);
    setProtocolVersion?.(version);
  };
  const logs: Message[] = [];
  // Anything the client finds wrong with what the server sends (an invalid message, a result that
  // fails its schema) is reported here; a correct server causes none.
  const errors: Error[] = [];
  let v2: V2Client | undefined;
  let client: V1Client | V2Client;
  if (row.sdk === "v1") {
    const v1 = new V1Client({ name: "sdk-v1-client", version: "1.0.0" });
    v1.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params);
    });
    client = v1;
  } else {
    v2 = new V2Client({ name: "sdk-v2-client", version: "2.0.0" }, row.options);
    v2.setNotificationHandler("notifications/message", (notification) => {
      logs.push(notification.params);
    });
    client = v2;
  }
  client.onerror = (error) => void errors.push(error);
  try {
    await client.connect(transport as never);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  // What it receives, once connected.
  const received: Message[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message: never) => {
    received.push(message);
    onmessage?.(message);
  };
  const sdkClient = client;
  return {
    client: client as unknown as SdkClient,
    v2,
    callTool: (params, onprogress) =>
      sdkClient instanceof V1Client
        ? sdkClient.callTool(params, undefined, onprogress ? { onprogress } : {})
        : sdkClient.callTool(params, onprogress ? { onprogress } : {}),
    negotiated,
    logs,
    sent,
    received,
    requests: recorder.requests,
    async [Symbol.asyncDispose]() {
      await client.close();
      // Over stdio the SDKs may drop a progress notification read in the same chunk as its
      // response (see SDK_PROGRESS_RACE); the progress test checks the wire for it.
      const race = row.transport === "stdio" ? SDK_PROGRESS_RACE : /^$/;
      expect(errors.filter((error) => !race.test(error.message))).toEqual([]);
    },
  };
}

const STEPS = [
  { progress: 1, total: 3, message: "step 1" },
  { progress: 2, total: 3, message: "step 2" },
  { progress: 3, total: 3, message: "step 3" },
];

describe.each(ROWS)("official SDK $sdk client ($mode) → fastmcp-ts server over $label", (row) => {
  const modern = row.era === "modern";
  const network = row.transport !== "stdio";
  const target: Target = { listening: undefined };
  let shared: Session;
  let children: number[] = [];
  let handles: ReturnType<typeof openHandles>;
  let restoreWebSocket: (() => void) | undefined;
  let globalWebSocket: unknown;

  beforeAll(async () => {
    children = childPids();
    handles = openHandles();
    globalWebSocket = (globalThis as { WebSocket?: unknown }).WebSocket;
    if (network) {
      const mcp = createEverythingServer();
      mcp.tool("headers", { description: "The request's HTTP headers." }, (_args, ctx) => ({
        headers: ctx.headers ?? null,
      }));
      target.listening = await mcp.listen({ transport: ["http", "sse", "ws"], port: 0 });
    }
    // The v1 WebSocket client uses the global WebSocket, absent on Node 20: lend it the ws package's.
    if (row.transport === "ws") restoreWebSocket = await installGlobalWebSocket();
    shared = await openSession(row, target);
  });
  afterAll(async () => {
    await shared?.[Symbol.asyncDispose]();
    restoreWebSocket?.();
    // The WebSocket lent to the v1 client is taken back.
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBe(globalWebSocket);
    const listening = target.listening;
    if (listening) {
      await listening.close();
      expect(listening.server.listening).toBe(false);
    }
    await expectNoNewChildren(children);
    await expectNoNewHandles(handles);
  });

  /** Our server marks 2026-07-28 results with its identity in `_meta`; legacy results carry none. */
  function expectEraMarker(result: { _meta?: Record<string, unknown> | undefined }) {
    if (modern) expect(result._meta?.[SERVER_INFO_META_KEY]).toEqual(SERVER_INFO);
    else expect(result._meta?.[SERVER_INFO_META_KEY]).toBeUndefined();
  }

  /** The last POSTed HTTP request of `method` (HTTP rows). */
  const lastPost = (method: string) =>
    postedRequests(shared.requests).findLast((entry) => entry.body.method === method);

  it(`negotiates ${row.version} (${row.era}) and learns who the server is`, async () => {
    const { client, v2 } = shared;
    if (v2) {
      expect(v2.getNegotiatedProtocolVersion()).toBe(row.version);
      expect(v2.getProtocolEra()).toBe(row.era);
    } else {
      expect(shared.negotiated).toEqual([row.version]);
    }
    expect(client.getServerVersion()).toEqual(SERVER_INFO);
    expect(client.getInstructions()).toBe("A test server.");
    expect(client.getServerCapabilities()).toMatchObject({
      tools: {},
      resources: {},
      prompts: {},
      ...(modern ? {} : { logging: {} }),
    });
    if (modern) {
      expect(v2?.getDiscoverResult()?.supportedVersions).toEqual(
        expect.arrayContaining(["2026-07-28", "2025-11-25"]),
      );
    } else {
      if (v2) expect(v2.getDiscoverResult()).toBeUndefined();
      await expect(client.ping()).resolves.toEqual({});
    }
  });

  it("speaks the negotiated era on the wire", async () => {
    await shared.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    const requests = shared.sent.filter((message) => "method" in message && "id" in message);
    const methods = requests.map((request) => request.method);
    expect(methods).toContain("tools/call");
    if (modern) {
      expect(methods).not.toContain("initialize");
      for (const request of requests) {
        expect(request.params?._meta?.[PROTOCOL_VERSION_META_KEY]).toBe("2026-07-28");
      }
    } else {
      expect(methods[0]).toBe("initialize");
    }
  });

  it("lists the tools with their input and output schemas", async () => {
    const result = await shared.client.listTools();
    expectEraMarker(result);
    const names = result.tools.map((tool: { name: string }) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "add",
        "echo",
        "sleep",
        "fail",
        "progress",
        "log",
        "weather",
        ...(network ? ["headers"] : []),
      ]),
    );
    const add = result.tools.find((tool: { name: string }) => tool.name === "add");
    expect(add?.description).toBe("Add two numbers.");
    expect(add?.inputSchema).toMatchObject({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    });
    const weather = result.tools.find((tool: { name: string }) => tool.name === "weather");
    expect(weather?.outputSchema).toMatchObject({
      type: "object",
      properties: { city: { type: "string" }, celsius: { type: "number" } },
    });
  });

  it("calls add and gets the text 8", async () => {
    const result = await shared.callTool({ name: "add", arguments: { a: 5, b: 3 } });
    expect(result.content).toEqual([{ type: "text", text: "8" }]);
    expect(result.isError).toBeFalsy();
    expectEraMarker(result);
  });

  it(`gets structuredContent that the ${row.sdk} client validates against the output schema`, async () => {
    await shared.client.listTools(); // fills the client's tool cache, which output validation reads
    const result = await shared.callTool({ name: "weather", arguments: { city: "Paris" } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ city: "Paris", celsius: 21 });
    expect(result.content).toEqual([{ type: "text", text: JSON.stringify({ city: "Paris", celsius: 21 }) }]);
  });

  it("receives a tool failure or bad arguments as isError, an unknown tool or prompt as a protocol error", async () => {
    const failed = await shared.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).toBe(true);
    expect(failed.content).toEqual([{ type: "text", text: "this tool always fails" }]);
    const invalid = await shared.callTool({ name: "add", arguments: { a: "five", b: 3 } });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toContain("a");
    await expect(shared.callTool({ name: "no-such-tool", arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
    if (row.transport === "http") {
      // 2026-07-28 maps the error to HTTP 400; a legacy session answers it in a 200 like any reply.
      expect(lastPost("tools/call")?.status).toBe(modern ? 400 : 200);
    }
    await expect(shared.client.getPrompt({ name: "no-such-prompt" })).rejects.toMatchObject({ code: -32602 });
  });

  it("reads config://test and a users://{id}/profile template", async () => {
    const { client } = shared;
    const { resources } = await client.listResources();
    expect(resources.map((resource: { uri: string }) => resource.uri)).toContain("config://test");
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template: { uriTemplate: string }) => template.uriTemplate)).toContain(
      "users://{id}/profile",
    );

    const config = await client.readResource({ uri: "config://test" });
    expectEraMarker(config);
    expect(config.contents).toHaveLength(1);
    expect(config.contents[0]).toMatchObject({ uri: "config://test", mimeType: "application/json" });
    expect(JSON.parse(config.contents[0].text)).toEqual({ test: true, env: "development" });
    if (row.transport === "http" && modern) {
      expect(lastPost("resources/read")?.headers["mcp-name"]).toBe("config://test");
    }

    const profile = await client.readResource({ uri: "users://7/profile" });
    expect(profile.contents[0]?.uri).toBe("users://7/profile");
    expect(JSON.parse(profile.contents[0].text)).toEqual({ id: "7", name: "User 7" });
  });

  it(`rejects an unknown resource with ${modern ? "-32602 (2026-07-28)" : "-32002 (legacy)"}`, async () => {
    const error = await shared.client
      .readResource({ uri: "nothing://here" })
      .catch((caught: unknown) => caught);
    // v2 reports either wire code as ResourceNotFoundError (normalised to -32602); v1 passes the code on.
    if (row.sdk === "v2") expect(error).toBeInstanceOf(ResourceNotFoundError);
    else expect(error).toMatchObject({ code: -32002 });
    // What our server actually sent: each era's own code, with the URI in data.
    const answer = shared.received.findLast((message) => "error" in message);
    expect(answer).toMatchObject({
      error: { code: modern ? -32602 : -32002, data: { uri: "nothing://here" } },
    });
  });

  it("lists and renders the greet prompt", async () => {
    const { prompts } = await shared.client.listPrompts();
    expect(prompts.find((prompt: { name: string }) => prompt.name === "greet")).toMatchObject({
      description: "Greet someone",
      arguments: [{ name: "name", required: true }],
    });
    const rendered = await shared.client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
    expectEraMarker(rendered);
    expect(rendered.messages).toEqual([
      { role: "user", content: { type: "text", text: "Say hello to Ada" } },
    ]);
    if (row.transport === "http" && modern) {
      expect(lastPost("prompts/get")?.headers["mcp-name"]).toBe("greet");
    }
  });

  it("receives progress notifications while the call runs", async () => {
    const progress: Message[] = [];
    const before = shared.received.length;
    const result = await shared.callTool({ name: "progress", arguments: { steps: 3 } }, (update) =>
      progress.push(update),
    );
    // On the wire, all three come before the response, on the same stream.
    expect(progressBeforeAnswer(shared.received.slice(before))).toEqual(STEPS);
    if (network) {
      // Progress travels before the result on the request's own stream: all three are in when it resolves.
      expect(progress).toEqual(STEPS);
    } else {
      // Over stdio the SDKs drop those they read in the same chunk as the response (see
      // SDK_PROGRESS_RACE), which a busy machine makes likely: what they delivered is a prefix.
      expect(progress).toEqual(STEPS.slice(0, progress.length));
    }
    expect(result.content).toEqual([{ type: "text", text: "done" }]);
    if (row.transport === "http") {
      // The reply turns into SSE.
      expect(lastPost("tools/call")?.responseHeaders?.["content-type"]).toContain("text/event-stream");
    }
  });

  if (modern) {
    /** Calls the log tool asking, through the request's `_meta`, for logs at `level` and above. */
    const callLog = (session: Session, level?: LoggingLevel) =>
      session.callTool({
        name: "log",
        arguments: {},
        ...(level === undefined ? {} : { _meta: { [LOG_LEVEL_META_KEY]: level } }),
      });

    it("receives log messages only when the request asks for them with its _meta log level", async () => {
      await using session = await openSession(row, target);
      expect((await callLog(session)).content).toEqual([{ type: "text", text: "logged" }]);
      expect(session.logs).toEqual([]);

      await callLog(session, "info");
      expect(session.logs).toEqual([
        expect.objectContaining({ level: "info", data: "hello from the log tool" }),
      ]);

      await callLog(session, "error");
      expect(session.logs).toHaveLength(1);
    });
  } else {
    it("receives log messages at or above the level set with logging/setLevel", async () => {
      await using session = await openSession(row, target);
      await session.client.setLoggingLevel("info");
      await session.callTool({ name: "log", arguments: {} });
      expect(session.logs).toEqual([
        expect.objectContaining({ level: "info", data: "hello from the log tool" }),
      ]);

      await session.client.setLoggingLevel("error");
      expect((await session.callTool({ name: "log", arguments: {} })).content).toEqual([
        { type: "text", text: "logged" },
      ]);
      expect(session.logs).toHaveLength(1);
    });
  }
});
