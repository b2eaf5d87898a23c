/**
 * Interop over stdio with the official TypeScript SDK v1 (`@modelcontextprotocol/sdk` 1.x), which
 * speaks only the initialize-based revisions (newest: 2025-11-25).
 *
 * - The official v1 Client drives our everything-server.
 * - Our Client drives an official v1 McpServer (test/fixtures/sdk-v1-server.ts).
 *
 * Every server is a real subprocess; each test checks that none outlives its cleanup.
 */
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import {
  type JSONRPCMessage,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
  type Progress,
} from "@modelcontextprotocol/sdk/types.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client, type ClientOptions, type LogMessage, StdioTransport, ToolError } from "../../src/index.js";
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

/** An official v1 Client connected over stdio to our everything-server; disposing closes it. */
async function openSdkClient() {
  const transport = new StdioClientTransport({
    command: "node",
    args: fixtureArgs("everything-server.ts"),
    cwd: ROOT,
    stderr: "pipe",
  });
  // The v1 Client hands the version the server answered `initialize` with to the transport.
  const negotiated: string[] = [];
  (transport as Transport).setProtocolVersion = (version) => void negotiated.push(version);
  const client = new SdkClient({ name: "sdk-v1-client", version: "1.0.0" });
  const logs: LoggingMessageNotification["params"][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
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
  // What it receives, once connected.
  const received: JSONRPCMessage[] = [];
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(message);
    onmessage?.(message);
  };
  return {
    client,
    logs,
    negotiated,
    received,
    async [Symbol.asyncDispose]() {
      await client.close();
      // The progress test checks the wire for what SDK_PROGRESS_RACE drops.
      expect(errors.filter((error) => !SDK_PROGRESS_RACE.test(error.message))).toEqual([]);
    },
  };
}

describe("official SDK v1 client → fastmcp-ts server over stdio", () => {
  it("initializes at 2025-11-25 and learns who the server is", async () => {
    await using session = await openSdkClient();
    const { client } = session;
    expect(session.negotiated).toEqual(["2025-11-25"]);
    expect(client.getServerVersion()).toEqual({ name: "everything", version: "1.0.0" });
    expect(client.getInstructions()).toBe("A test server.");
    expect(client.getServerCapabilities()).toMatchObject({
      tools: {},
      resources: {},
      prompts: {},
      logging: {},
    });
    await expect(client.ping()).resolves.toEqual({});
  });

  it("lists the tools with their input and output schemas", async () => {
    await using session = await openSdkClient();
    const { tools } = await session.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining(["add", "echo", "sleep", "fail", "progress", "log", "weather"]),
    );
    const add = tools.find((tool) => tool.name === "add");
    expect(add?.description).toBe("Add two numbers.");
    expect(add?.inputSchema).toMatchObject({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    });
    const weather = tools.find((tool) => tool.name === "weather");
    expect(weather?.outputSchema).toMatchObject({
      type: "object",
      properties: { city: { type: "string" }, celsius: { type: "number" } },
    });
  });

  it("calls add and gets the text 8", async () => {
    await using session = await openSdkClient();
    const result = await session.client.callTool({ name: "add", arguments: { a: 5, b: 3 } });
    expect(result.content).toEqual([{ type: "text", text: "8" }]);
    expect(result.isError).toBeFalsy();
  });

  it("gets structuredContent that the v1 client validates against the output schema", async () => {
    await using session = await openSdkClient();
    await session.client.listTools(); // the v1 client validates structured output of listed tools
    const result = await session.client.callTool({ name: "weather", arguments: { city: "Paris" } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ city: "Paris", celsius: 21 });
    const [block] = result.content as { type: string; text: string }[];
    expect(block?.type).toBe("text");
    expect(JSON.parse(block?.text ?? "null")).toEqual({ city: "Paris", celsius: 21 });
  });

  it("receives a tool failure as an isError result, and bad arguments likewise", async () => {
    await using session = await openSdkClient();
    const failed = await session.client.callTool({ name: "fail", arguments: {} });
    expect(failed.isError).toBe(true);
    expect(failed.content).toEqual([{ type: "text", text: "this tool always fails" }]);
    const invalid = await session.client.callTool({ name: "add", arguments: { a: "five", b: 3 } });
    expect(invalid.isError).toBe(true);
    expect(JSON.stringify(invalid.content)).toContain("a");
  });

  it("reads config://test and a users://{id}/profile template", async () => {
    await using session = await openSdkClient();
    const { client } = session;
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toContain("config://test");
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toContain("users://{id}/profile");

    const config = await client.readResource({ uri: "config://test" });
    expect(config.contents).toHaveLength(1);
    const [item] = config.contents;
    expect(item).toMatchObject({ uri: "config://test", mimeType: "application/json" });
    expect(JSON.parse((item as { text: string }).text)).toEqual({ test: true, env: "development" });

    const profile = await client.readResource({ uri: "users://7/profile" });
    expect(profile.contents[0]?.uri).toBe("users://7/profile");
    expect(JSON.parse((profile.contents[0] as { text: string }).text)).toEqual({ id: "7", name: "User 7" });
  });

  it("gets the legacy resource-not-found error (-32002) for an unknown URI", async () => {
    await using session = await openSdkClient();
    await expect(session.client.readResource({ uri: "nothing://here" })).rejects.toMatchObject({
      code: -32002,
    });
  });

  it("lists and renders the greet prompt", async () => {
    await using session = await openSdkClient();
    const { prompts } = await session.client.listPrompts();
    const greet = prompts.find((prompt) => prompt.name === "greet");
    expect(greet).toMatchObject({
      description: "Greet someone",
      arguments: [{ name: "name", required: true }],
    });
    const rendered = await session.client.getPrompt({ name: "greet", arguments: { name: "Ada" } });
    expect(rendered.messages).toEqual([
      { role: "user", content: { type: "text", text: "Say hello to Ada" } },
    ]);
  });

  it("receives progress notifications while the call runs", async () => {
    await using session = await openSdkClient();
    const progress: Progress[] = [];
    const result = await session.client.callTool({ name: "progress", arguments: { steps: 3 } }, undefined, {
      onprogress: (update) => progress.push(update),
    });
    const expected = [
      { progress: 1, total: 3, message: "step 1" },
      { progress: 2, total: 3, message: "step 2" },
      { progress: 3, total: 3, message: "step 3" },
    ];
    // On the wire, all three come before the response, on the same stream.
    expect(progressBeforeAnswer(session.received)).toEqual(expected);
    // The SDK hands them over in order; those it read in the same chunk as the response it drops
    // (see SDK_PROGRESS_RACE), which a busy machine makes likely: what it delivered is a prefix.
    expect(progress).toEqual(expected.slice(0, progress.length));
    expect(result.content).toEqual([{ type: "text", text: "done" }]);
  });

  it("receives log messages at or above the level set with logging/setLevel", async () => {
    await using session = await openSdkClient();
    const { client, logs } = session;
    await client.setLoggingLevel("info");
    await client.callTool({ name: "log", arguments: {} });
    expect(logs).toEqual([expect.objectContaining({ level: "info", data: "hello from the log tool" })]);

    await client.setLoggingLevel("error");
    const result = await client.callTool({ name: "log", arguments: {} });
    expect(result.content).toEqual([{ type: "text", text: "logged" }]);
    expect(logs).toHaveLength(1);
  });
});

/** Our Client over stdio to the official v1 server fixture. */
function sdkV1Server(options: ClientOptions = {}): Client {
  return new Client(
    new StdioTransport("node", fixtureArgs("sdk-v1-server.ts"), { cwd: ROOT, stderr: "pipe" }),
    options,
  );
}

describe("fastmcp-ts Client → official SDK v1 server over stdio", () => {
  it("falls back from server/discover to initialize and settles on legacy 2025-11-25", async () => {
    // A probe timeout this long would outlast the test: the fallback must come from the server's
    // answer to server/discover (method not found), not from waiting.
    await using client = sdkV1Server({ probeTimeout: 60_000 });
    await client.connect();
    expect(client.era).toBe("legacy");
    expect(client.protocolVersion).toBe("2025-11-25");
    expect(client.serverInfo).toEqual({ name: "sdk-v1-server", version: "1.0.0" });
    expect(client.instructions).toBe("An official v1 SDK server.");
    expect(client.serverCapabilities).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {} });
    await expect(client.ping()).resolves.toBe(true);
  });

  it("can be pinned to an older legacy revision (2024-11-05)", async () => {
    await using client = sdkV1Server({ protocolVersion: "2024-11-05" });
    await client.connect();
    expect(client.era).toBe("legacy");
    expect(client.protocolVersion).toBe("2024-11-05");
    expect((await client.callTool("add", { a: 2, b: 40 })).text).toBe("42");
  });

  it("refuses to connect when pinned to 2026-07-28, which a v1 server cannot speak", async () => {
    await using client = sdkV1Server({ protocolVersion: "2026-07-28" });
    await expect(client.connect()).rejects.toThrow(
      /does not support protocol 2026-07-28: .*legacy \(initialize-based\) server offering 2025-11-25/,
    );
    expect(client.era).toBeUndefined();
    expect(client.connected).toBe(false);
  });

  it("lists and calls tools: text, structured output and errors", async () => {
    await using client = sdkV1Server();
    await client.connect();
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(["add", "weather", "fail", "progress"]);
    expect(tools[0]?.inputSchema).toMatchObject({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
    });

    const sum = await client.callTool("add", { a: 5, b: 3 });
    expect(sum.text).toBe("8");
    expect(sum.isError).toBe(false);

    const weather = await client.callTool("weather", { city: "Paris" });
    expect(weather.structuredContent).toEqual({ city: "Paris", celsius: 21 });
    expect(weather.data).toEqual({ city: "Paris", celsius: 21 });

    const error = await client.callTool("fail").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toBe("this tool always fails");
    const failed = await client.callTool("fail", {}, { raiseOnError: false });
    expect(failed.isError).toBe(true);
    expect(failed.text).toBe("this tool always fails");
  });

  it("lists and reads resources and templates", async () => {
    await using client = sdkV1Server();
    await client.connect();
    const resources = await client.listResources();
    expect(resources).toEqual([expect.objectContaining({ uri: "config://test", name: "config" })]);
    const templates = await client.listResourceTemplates();
    expect(templates).toEqual([expect.objectContaining({ uriTemplate: "users://{id}/profile" })]);

    const config = await client.readResource("config://test");
    expect(JSON.parse(config.content)).toEqual({ test: true, sdk: 1 });
    expect(config.contents[0]).toMatchObject({ uri: "config://test", mimeType: "application/json" });
    const profile = await client.readResource("users://42/profile");
    expect(JSON.parse(profile.content)).toEqual({ id: "42", name: "User 42" });
  });

  it("lists and renders prompts", async () => {
    await using client = sdkV1Server();
    await client.connect();
    const prompts = await client.listPrompts();
    expect(prompts).toEqual([
      expect.objectContaining({ name: "greet", arguments: [expect.objectContaining({ name: "name" })] }),
    ]);
    const rendered = await client.getPrompt("greet", { name: "Ada" });
    expect(rendered.messages).toEqual([
      { role: "user", content: { type: "text", text: "Say hello to Ada" } },
    ]);
  });

  it("receives progress and log notifications from a running tool", async () => {
    const logs: LogMessage[] = [];
    await using client = sdkV1Server({ onLog: (message) => logs.push(message) });
    await client.connect();
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
    expect(logs).toEqual([{ level: "info", logger: "v1", data: "hello from v1" }]);
  });
});
