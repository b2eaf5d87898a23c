import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client, type ClientOptions, type LogMessage, StdioTransport, ToolError } from "../../src/index.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { childPids, expectNoNewChildren } from "../helpers/processes.js";

let before: number[] = [];
beforeEach(() => {
  before = childPids();
});
afterEach(async () => {
  await expectNoNewChildren(before);
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
