/**
 * Lists of a feature the server does not declare: the Client answers an empty list without asking
 * (the server would only answer -32601), in both eras, against official SDK servers over stdio
 * that declare only `tools`. A request the server does get is seen in its reply counting.
 */
import { describe, expect, it } from "vitest";
import { Client, type ClientOptions, StdioTransport } from "../../src/index.js";

const TSX = ["--import", "tsx"];

/** Counts the requests the client sends, by method (the transport's own traffic, not a mock). */
function counting(transport: StdioTransport): Map<string, number> {
  const sent = new Map<string, number>();
  const send = (transport as unknown as { send(message: { method?: string }): void }).send.bind(transport);
  (transport as unknown as { send(message: { method?: string }): void }).send = (message) => {
    if (message.method) sent.set(message.method, (sent.get(message.method) ?? 0) + 1);
    send(message);
  };
  return sent;
}

const SERVERS = [
  {
    label: "official SDK v1 server (legacy era)",
    transport: () =>
      new StdioTransport(process.execPath, ["test/fixtures/node-server.mjs"], { stderr: "pipe" }),
    options: {} as ClientOptions,
    era: "legacy",
  },
  {
    label: "official SDK v2 server, 2026-07-28",
    transport: () =>
      new StdioTransport(process.execPath, [...TSX, "test/fixtures/sdk-v2-tools-only-server.ts"], {
        stderr: "pipe",
      }),
    options: {} as ClientOptions,
    era: "modern",
  },
  {
    label: "official SDK v2 server pinned to 2025-11-25",
    transport: () =>
      new StdioTransport(process.execPath, [...TSX, "test/fixtures/sdk-v2-tools-only-server.ts"], {
        stderr: "pipe",
      }),
    options: { protocolVersion: "2025-11-25" } as ClientOptions,
    era: "legacy",
  },
] as const;

describe.each(SERVERS)("lists of undeclared features: $label", ({ transport, options, era }) => {
  it("answers empty resource, template and prompt lists without sending a request", async () => {
    const stdio = transport();
    await using client = await Client.connect(stdio, options);
    expect(client.era).toBe(era);
    expect(client.serverCapabilities?.tools).toBeDefined();
    expect(client.serverCapabilities?.resources).toBeUndefined();
    expect(client.serverCapabilities?.prompts).toBeUndefined();
    const sent = counting(stdio);

    expect(await client.listResources()).toEqual([]);
    expect(await client.listResourceTemplates()).toEqual([]);
    expect(await client.listPrompts()).toEqual([]);
    expect((await client.listTools()).map((tool) => tool.name)).toContain("add");

    expect([...sent.keys()]).toEqual(["tools/list"]);
  });
});
