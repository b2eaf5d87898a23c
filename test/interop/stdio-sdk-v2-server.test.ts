/**
 * Interop over stdio with the official TypeScript SDK v2 server (`@modelcontextprotocol/server`
 * 2.x, served by `serveStdio`, which answers both eras): our Client drives
 * test/fixtures/sdk-v2-server.ts automatically (it should settle on 2026-07-28), pinned to
 * 2026-07-28, and pinned to the legacy 2025-11-25.
 *
 * The official v2 client driving our server lives in stdio-sdk-v2.test.ts.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  Client,
  type ClientOptions,
  type LogMessage,
  McpError,
  MetaKey,
  StdioTransport,
  ToolError,
} from "../../src/index.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";

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

const SERVER_INFO = { name: "sdk-v2-server", version: "2.0.0" };

/** Our Client over stdio to the official v2 server fixture (not yet connected). */
function sdkV2Server(options: ClientOptions): Client {
  return new Client(
    new StdioTransport("node", fixtureArgs("sdk-v2-server.ts"), { cwd: ROOT, stderr: "pipe" }),
    options,
  );
}

describe.each(MODES)("fastmcp-ts Client ($label) → official SDK v2 server over stdio", (mode) => {
  const modern = mode.era === "modern";
  // One connection serves the tests that do not change its state; the log tests open their own.
  let client: Client;
  let beforeSuite: number[] = [];
  beforeAll(async () => {
    beforeSuite = childPids();
    client = sdkV2Server(mode.options);
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await expectNoNewChildren(beforeSuite);
  });

  /** The v2 server marks 2026-07-28 results with its identity in `_meta`; legacy results carry none. */
  function expectEraMarker(meta: Record<string, unknown> | undefined) {
    if (modern) expect(meta?.[MetaKey.ServerInfo]).toEqual(SERVER_INFO);
    else expect(meta?.[MetaKey.ServerInfo]).toBeUndefined();
  }

  it(`negotiates ${mode.version} (${mode.era}) and learns who the server is`, async () => {
    expect(client.era).toBe(mode.era);
    expect(client.protocolVersion).toBe(mode.version);
    expect(client.serverInfo).toEqual(SERVER_INFO);
    expect(client.instructions).toBe("An official v2 SDK server.");
    expect(client.serverCapabilities).toMatchObject({ tools: {}, resources: {}, prompts: {}, logging: {} });
    await expect(client.ping()).resolves.toBe(true);
  });

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

  it("gets a protocol error for an unknown tool", async () => {
    const error = await client.callTool("no-such-tool").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
  });

  it("lists and reads resources and templates", async () => {
    expect(await client.listResources()).toEqual([
      expect.objectContaining({ uri: "config://test", name: "config", mimeType: "application/json" }),
    ]);
    expect(await client.listResourceTemplates()).toEqual([
      expect.objectContaining({ uriTemplate: "users://{id}/profile", name: "profile" }),
    ]);
    const config = await client.readResource("config://test");
    expect(JSON.parse(config.content)).toEqual({ test: true, sdk: 2 });
    expect(config.contents).toEqual([
      { uri: "config://test", mimeType: "application/json", text: JSON.stringify({ test: true, sdk: 2 }) },
    ]);
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

  it("receives progress and log notifications from a running tool", async () => {
    const logs: LogMessage[] = [];
    await using own = sdkV2Server({ ...mode.options, onLog: (message) => logs.push(message) });
    await own.connect();
    const progress: [number, number | undefined, string | undefined][] = [];
    const result = await own.callTool(
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
  });

  it(`filters logs below the client's level (${modern ? "per-request _meta" : "logging/setLevel"})`, async () => {
    const logs: LogMessage[] = [];
    await using own = sdkV2Server({
      ...mode.options,
      logLevel: "error",
      onLog: (message) => logs.push(message),
    });
    await own.connect();
    expect((await own.callTool("progress")).text).toBe("done");
    expect(logs).toEqual([]);

    await own.setLoggingLevel("info");
    await own.callTool("progress");
    expect(logs).toEqual([{ level: "info", logger: "v2", data: "hello from v2" }]);
  });
});
