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
