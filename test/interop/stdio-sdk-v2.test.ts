/**
 * Interop over stdio with the official TypeScript SDK v2 client (`@modelcontextprotocol/client`
 * 2.x), which speaks both eras: the official client drives our everything-server in each of its
 * version-negotiation modes.
 *
 * - `versionNegotiation: { mode: "auto" }`: probes `server/discover` (on a disposable sibling
 *   process for stdio), then speaks 2026-07-28.
 * - `versionNegotiation: { mode: { pin: "2026-07-28" } }`: modern at exactly that revision.
 * - no option (the v2 default, mode "legacy"): the plain 2025 `initialize` handshake.
 *
 * Our Client driving an official v2 server lives in stdio-sdk-v2-server.test.ts.
 */
import {
  type ClientOptions,
  type JSONRPCMessage,
  LOG_LEVEL_META_KEY,
  type LoggingLevel,
  type LoggingMessageNotificationParams,
  PROTOCOL_VERSION_META_KEY,
  type Progress,
  ResourceNotFoundError,
  Client as SdkClient,
  SERVER_INFO_META_KEY,
} from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";
import { progressBeforeAnswer, SDK_PROGRESS_RACE } from "../helpers/sdk-interop.js";

let before: number[] = [];
beforeEach(() => {
  before = childPids();
});
afterEach(async () => {
  await expectNoNewChildren(before);
});

interface Mode {
  label: string;
  options: ClientOptions;
  era: "modern" | "legacy";
  version: string;
}

const MODES: Mode[] = [
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

const SERVER_INFO = { name: "everything", version: "1.0.0" };

/** An official v2 Client connected over stdio to our everything-server; disposing closes it. */
async function openSdkClient(options: ClientOptions) {
  const transport = new StdioClientTransport({
    command: "node",
    args: fixtureArgs("everything-server.ts"),
    cwd: ROOT,
    stderr: "pipe",
  });
  // Record what the client writes to the server (the auto-mode probe runs on a sibling process).
  const sent: JSONRPCMessage[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message) => {
    sent.push(message);
    return send(message);
  };
  const client = new SdkClient({ name: "sdk-v2-client", version: "2.0.0" }, options);
  const logs: LoggingMessageNotificationParams[] = [];
  client.setNotificationHandler("notifications/message", (notification) => {
    logs.push(notification.params);
  });
  // Anything the client finds wrong with what the server sends (an invalid message, a result that
  // fails its schema) is reported here; a correct server causes none.
  const errors: Error[] = [];
  client.onerror = (error) => void errors.push(error);
  try {
    await client.connect(transport);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
  // And what it receives, once connected.
  const received: JSONRPCMessage[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(message);
    onmessage?.(message);
  };
  return {
    client,
    logs,
    sent,
    received,
    async [Symbol.asyncDispose]() {
      await client.close();
      // The progress test checks the wire for what SDK_PROGRESS_RACE drops.
      expect(errors.filter((error) => !SDK_PROGRESS_RACE.test(error.message))).toEqual([]);
    },
  };
}

type Session = Awaited<ReturnType<typeof openSdkClient>>;

describe.each(MODES)("official SDK v2 client ($label) → fastmcp-ts server over stdio", (mode) => {
  const modern = mode.era === "modern";
  // One connection serves the tests that do not change its state; the log tests open their own.
  let shared: Session;
  let beforeSuite: number[] = [];
  beforeAll(async () => {
    beforeSuite = childPids();
    shared = await openSdkClient(mode.options);
  });
  afterAll(async () => {
    await shared?.[Symbol.asyncDispose]();
    await expectNoNewChildren(beforeSuite);
  });

  /** Our server marks 2026-07-28 results with its identity in `_meta`; legacy results carry none. */
  function expectEraMarker(result: { _meta?: Record<string, unknown> | undefined }) {
    if (modern) expect(result._meta?.[SERVER_INFO_META_KEY]).toEqual(SERVER_INFO);
    else expect(result._meta?.[SERVER_INFO_META_KEY]).toBeUndefined();
  }

  it(`negotiates ${mode.version} (${mode.era}) and learns who the server is`, async () => {
    const { client } = shared;
    expect(client.getNegotiatedProtocolVersion()).toBe(mode.version);
    expect(client.getProtocolEra()).toBe(mode.era);
    expect(client.getServerVersion()).toEqual(SERVER_INFO);
    expect(client.getInstructions()).toBe("A test server.");
    expect(client.getServerCapabilities()).toMatchObject({ tools: {}, resources: {}, prompts: {} });
    if (modern) {
      expect(client.getDiscoverResult()?.supportedVersions).toEqual(
        expect.arrayContaining(["2026-07-28", "2025-11-25"]),
      );
    } else {
      expect(client.getDiscoverResult()).toBeUndefined();
      await expect(client.ping()).resolves.toEqual({});
    }
  });

  it("speaks the negotiated era on the wire", async () => {
    await shared.client.callTool({ name: "add", arguments: { a: 1, b: 2 } });
    const requests = shared.sent.filter(
      (message): message is JSONRPCMessage & { method: string; id: number | string } =>
        "method" in message && "id" in message,
    );
    const methods = requests.map((request) => request.method);
    expect(methods).toContain("tools/call");
    if (modern) {
      expect(methods).not.toContain("initialize");
      for (const request of requests) {
        const meta = (request as { params?: { _meta?: Record<string, unknown> } }).params?._meta;
        expect(meta?.[PROTOCOL_VERSION_META_KEY]).toBe("2026-07-28");
      }
    } else {
      expect(methods[0]).toBe("initialize");
    }
  });

  it("lists the tools with their input and output schemas", async () => {
    const result = await shared.client.listTools();
    expectEraMarker(result);
    const names = result.tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(["add", "echo", "sleep", "fail", "progress", "log", "weather"]),
    );
    const add = result.tools.find((tool) => tool.name === "add");
    expect(add?.description).toBe("Add two numbers.");
    expect(add?.inputSchema).toMatchObject({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    });
    const weather = result.tools.find((tool) => tool.name === "weather");
    expect(weather?.outputSchema).toMatchObject({
      type: "object",
      properties: { city: { type: "string" }, celsius: { type: "number" } },
    });
  });

  it("calls add and gets the text 8", async () => {
    const result = await shared.client.callTool({ name: "add", arguments: { a: 5, b: 3 } });
    expect(result.content).toEqual([{ type: "text", text: "8" }]);
    expect(result.isError).toBeFalsy();
    expectEraMarker(result);
  });

  it("gets structuredContent that the v2 client validates against the output schema", async () => {
    await shared.client.listTools(); // fills the client's tool cache, which output validation reads
    const result = await shared.client.callTool({ name: "weather", arguments: { city: "Paris" } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ city: "Paris", celsius: 21 });
    expect(result.content).toEqual([{ type: "text", text: JSON.stringify({ city: "Paris", celsius: 21 }) }]);
  });

  it("receives a tool failure as an isError result, and an unknown tool as a protocol error", async () => {
    const failed = await shared.client.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).toBe(true);
    expect(failed.content).toEqual([{ type: "text", text: "this tool always fails" }]);
    await expect(shared.client.callTool({ name: "no-such-tool", arguments: {} })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it("reads config://test and a users://{id}/profile template", async () => {
    const { client } = shared;
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain("config://test");
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toContain("users://{id}/profile");

    const config = await client.readResource({ uri: "config://test" });
    expectEraMarker(config);
    expect(config.contents).toHaveLength(1);
    expect(config.contents[0]).toMatchObject({ uri: "config://test", mimeType: "application/json" });
    expect(JSON.parse((config.contents[0] as { text: string }).text)).toEqual({
      test: true,
      env: "development",
    });

    const profile = await client.readResource({ uri: "users://7/profile" });
    expect(profile.contents[0]?.uri).toBe("users://7/profile");
    expect(JSON.parse((profile.contents[0] as { text: string }).text)).toEqual({ id: "7", name: "User 7" });
  });

  it(`rejects an unknown resource with ${modern ? "-32602 (2026-07-28)" : "-32002 (legacy)"}`, async () => {
    const error = await shared.client
      .readResource({ uri: "nothing://here" })
      .catch((caught: unknown) => caught);
    // The v2 client reports either wire code as ResourceNotFoundError (normalised to -32602)...
    expect(error).toBeInstanceOf(ResourceNotFoundError);
    // ...so check what our server actually sent: each era's own code, with the URI in data.
    const answer = shared.received.findLast((message) => "error" in message);
    expect(answer).toMatchObject({
      error: { code: modern ? -32602 : -32002, data: { uri: "nothing://here" } },
    });
  });

  it("lists and renders the greet prompt", async () => {
    const { prompts } = await shared.client.listPrompts();
    expect(prompts.find((prompt) => prompt.name === "greet")).toMatchObject({
      description: "Greet someone",
      arguments: [{ name: "name", required: true }],
    });
    const rendered = await shared.client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
    expectEraMarker(rendered);
    expect(rendered.messages).toEqual([
      { role: "user", content: { type: "text", text: "Say hello to Ada" } },
    ]);
  });

  it("receives progress notifications while the call runs", async () => {
    const progress: Progress[] = [];
    const before = shared.received.length;
    const result = await shared.client.callTool(
      { name: "progress", arguments: { steps: 3 } },
      { onprogress: (update) => progress.push(update) },
    );
    const expected = [
      { progress: 1, total: 3, message: "step 1" },
      { progress: 2, total: 3, message: "step 2" },
      { progress: 3, total: 3, message: "step 3" },
    ];
    // On the wire, all three come before the response, on the same stream.
    expect(progressBeforeAnswer(shared.received.slice(before))).toEqual(expected);
    // The SDK hands them over in order; those it read in the same chunk as the response it drops
    // (see SDK_PROGRESS_RACE), which a busy machine makes likely: what it delivered is a prefix.
    expect(progress).toEqual(expected.slice(0, progress.length));
    expect(result.content).toEqual([{ type: "text", text: "done" }]);
  });

  if (modern) {
    /** Calls the log tool asking, through the request's `_meta`, for logs at `level` and above. */
    const callLog = (client: SdkClient, level?: LoggingLevel) =>
      client.callTool({
        name: "log",
        arguments: {},
        ...(level === undefined ? {} : { _meta: { [LOG_LEVEL_META_KEY]: level } }),
      });

    it("receives log messages only when the request asks for them with its _meta log level", async () => {
      await using session = await openSdkClient(mode.options);
      const { client, logs } = session;
      expect((await callLog(client)).content).toEqual([{ type: "text", text: "logged" }]);
      expect(logs).toEqual([]);

      await callLog(client, "info");
      expect(logs).toEqual([expect.objectContaining({ level: "info", data: "hello from the log tool" })]);

      await callLog(client, "error");
      expect(logs).toHaveLength(1);
    });
  } else {
    it("receives log messages at or above the level set with logging/setLevel", async () => {
      await using session = await openSdkClient(mode.options);
      const { client, logs } = session;
      await client.setLoggingLevel("info");
      await client.callTool({ name: "log", arguments: {} });
      expect(logs).toEqual([expect.objectContaining({ level: "info", data: "hello from the log tool" })]);

      await client.setLoggingLevel("error");
      expect((await client.callTool({ name: "log", arguments: {} })).content).toEqual([
        { type: "text", text: "logged" },
      ]);
      expect(logs).toHaveLength(1);
    });
  }
});
