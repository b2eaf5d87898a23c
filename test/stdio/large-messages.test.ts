/**
 * Large messages over stdio, both ways, against real subprocesses: by default a 5 MB request and a
 * 5 MB result cross (the official SDKs deliver them); over a configured cap, the request the line
 * belongs to fails at once with an error naming the size and the limit, never a timeout. The
 * official SDK v1 server writes `id` after `result`, so the client must find it at the line's end.
 */
import { describe, expect, it } from "vitest";
import { Client, ClientError, McpError, StdioTransport, TimeoutError } from "../../src/index.js";

const TSX = ["--import", "tsx"];
const MB = 1_000_000;
const MiB = 1024 * 1024;
/** An upper bound only: a failure shows as a TimeoutError instead of a hang. */
const TIMEOUT = 30_000;

const ours = (env: Record<string, string> = {}, options = {}) =>
  new StdioTransport(process.execPath, [...TSX, "test/fixtures/everything-server.ts"], {
    stderr: "pipe",
    env,
    ...options,
  });
const official = (options = {}) =>
  new StdioTransport(process.execPath, [...TSX, "test/fixtures/sdk-v1-server.ts", "--features"], {
    stderr: "pipe",
    ...options,
  });

/** Echoes `text` through each server's echoing tool. */
const SERVERS = [
  {
    label: "fastmcp-ts server",
    open: (options = {}) => ours({}, options),
    echo: (client: Client, text: string) => client.callTool("echo", { message: text }, { timeout: TIMEOUT }),
    expected: (text: string) => text,
  },
  {
    label: "official SDK v1 server",
    open: (options = {}) => official(options),
    echo: (client: Client, text: string) => client.callTool("touch", { uri: text }, { timeout: TIMEOUT }),
    expected: (text: string) => `touched ${text}`,
  },
] as const;

describe.each(SERVERS)("stdio large messages: $label", ({ open, echo, expected }) => {
  it("carries a 5 MB request and a 5 MB result by default", async () => {
    await using client = await Client.connect(open());
    const big = "x".repeat(5 * MB);
    const result = await echo(client, big);
    expect(result.text.length).toBe(expected(big).length);
    expect(result.text).toBe(expected(big));
  });

  it("fails the call at once when the answer is over the client's maxLineBytes, naming its size", async () => {
    await using client = await Client.connect(open({ maxLineBytes: MiB }));
    const error = await echo(client, "y".repeat(2 * MB)).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(ClientError);
    const match = /a (\d+)-byte message from the server exceeds the client's 1048576-byte line limit/.exec(
      (error as Error).message,
    );
    expect(match, (error as Error).message).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(2 * MB);
    expect((error as Error).message).toContain("maxLineBytes");
    // The connection is still good.
    expect((await echo(client, "small")).text).toBe(expected("small"));
  });
});

describe("stdio large messages: the server's cap", () => {
  it("answers an over-cap request at once with -32600 naming its size and the limit", async () => {
    await using client = await Client.connect(ours({ MAX_LINE_BYTES: String(MiB) }));
    const error = await client
      .callTool("echo", { message: "z".repeat(2 * MB) }, { timeout: TIMEOUT })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32600);
    const match = /Message too large: (\d+) bytes exceeds the server's 1048576-byte line limit/.exec(
      (error as Error).message,
    );
    expect(match, (error as Error).message).not.toBeNull();
    expect(Number(match?.[1])).toBeGreaterThan(2 * MB);
    expect((await client.callTool("add", { a: 1, b: 2 })).text).toBe("3");
  });
});

/**
 * A legacy server, written raw, whose answer to `big` carries its id between two long values, so
 * neither end of the line shows it; it never answers `never`.
 */
const HIDDEN_ID_SERVER = `
const { createInterface } = require("node:readline");
const send = (m) => process.stdout.write(JSON.stringify(m) + "\\n");
createInterface({ input: process.stdin }).on("line", (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === "initialize") {
    send({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: "2025-11-25", capabilities: { tools: {} }, serverInfo: { name: "hidden-id", version: "1" } } });
  } else if (m.method === "tools/call" && m.params.name === "big") {
    const pad = "p".repeat(8000);
    process.stdout.write('{"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"' + "b".repeat(2000000) + '"}],"pad":"' + pad + '"},"id":' + JSON.stringify(m.id) + ',"pad":"' + pad + '"}\\n');
  } else if (m.method === "tools/call" && m.params.name === "small") {
    send({ jsonrpc: "2.0", id: m.id, result: { content: [{ type: "text", text: "small" }] } });
  } else if (m.method !== "tools/call") {
    send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "Method not found" } });
  }
});
`;

describe("stdio large messages: an over-cap answer whose id cannot be read", () => {
  it("fails every pending call at once with the size, and the connection stays usable", async () => {
    const transport = new StdioTransport(process.execPath, ["-e", HIDDEN_ID_SERVER], {
      stderr: "pipe",
      maxLineBytes: MiB,
    });
    await using client = await Client.connect(transport, { protocolVersion: "2025-11-25" });
    const never = client.callTool("never", {}, { timeout: TIMEOUT }).catch((e: unknown) => e);
    const big = client.callTool("big", {}, { timeout: TIMEOUT }).catch((e: unknown) => e);
    for (const error of [await big, await never]) {
      expect(error).not.toBeInstanceOf(TimeoutError);
      expect(error).toBeInstanceOf(ClientError);
      expect((error as Error).message).toMatch(
        /a \d+-byte message from the server exceeds the client's 1048576-byte/,
      );
    }
    expect((await client.callTool("small")).text).toBe("small");
  });
});

describe("stdio large messages: an over-cap request from the server", () => {
  it("is refused with -32600 naming its size, so the server's handler fails at once", async () => {
    await using client = await Client.connect(ours({}, { maxLineBytes: MiB }), {
      protocolVersion: "2025-11-25",
      sampling: () => ({ role: "assistant", content: { type: "text", text: "short" }, model: "m" }),
    });
    const error = await client
      .callTool("summarize", { text: "s".repeat(2 * MB) }, { timeout: TIMEOUT })
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(String((error as Error).message)).toMatch(
      /\d+ bytes exceeds the client's 1048576-byte line limit/,
    );
  });
});
