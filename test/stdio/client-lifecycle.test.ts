/**
 * The stdio client's lifecycle against real subprocesses: negotiation fallbacks, a dead or missing
 * server, closing, and shutdown escalation. Nothing may hang and no process may be left behind.
 */
import { describe, expect, it } from "vitest";
import { Client, ClientError, ConnectionError, StdioTransport } from "../../src/index.js";

const TSX = ["--import", "tsx"];
const everything = () =>
  new StdioTransport(process.execPath, [...TSX, "test/fixtures/everything-server.ts"], { stderr: "pipe" });
const legacy = (mode: string, options = {}) =>
  new StdioTransport(process.execPath, ["test/fixtures/legacy-raw-server.mjs", mode], {
    stderr: "pipe",
    ...options,
  });

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("stdio client: negotiation", () => {
  it("speaks 2026-07-28 to a fastmcp-ts server", async () => {
    await using client = await Client.connect(everything());
    expect(client.era).toBe("modern");
    expect(client.protocolVersion).toBe("2026-07-28");
    expect((await client.callTool("add", { a: 5, b: 3 })).text).toBe("8");
  });

  it("can be pinned to a legacy version", async () => {
    await using client = await Client.connect(everything(), { protocolVersion: "2025-03-26" });
    expect(client.era).toBe("legacy");
    expect(client.protocolVersion).toBe("2025-03-26");
    expect((await client.callTool("echo", { message: "hi" })).text).toBe("hi");
  });

  it("falls back to initialize when the probe gets no answer", async () => {
    await using client = await Client.connect(legacy("silent"), { probeTimeout: 300 });
    expect(client.era).toBe("legacy");
    expect(client.serverInfo?.name).toBe("legacy-silent");
    expect((await client.callTool("add", { a: 2, b: 3 })).text).toBe("5");
  });

  it("falls back to initialize on a non-modern error", async () => {
    await using client = await Client.connect(legacy("erroring"));
    expect(client.era).toBe("legacy");
    expect((await client.listTools()).map((tool) => tool.name)).toEqual(["add"]);
  });

  it("reports a server the probe killed, without starting it again; pinned legacy, it works", async () => {
    const error = await new Client(legacy("fragile")).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/exited with code 1/);
    await using client = await Client.connect(legacy("fragile"), { protocolVersion: "2025-11-25" });
    expect(client.serverInfo?.name).toBe("legacy-fragile");
    expect((await client.callTool("add", { a: 1, b: 1 })).text).toBe("2");
  });
});

describe("stdio client: failures are clear errors, never hangs", () => {
  it("rejects a missing command with ConnectionError", async () => {
    const client = new Client(new StdioTransport("definitely-not-a-command-xyz", []));
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/definitely-not-a-command-xyz.*not found/);
  });

  it("rejects an in-flight call when the server dies, with its stderr in the message", async () => {
    const transport = everything();
    await using client = await Client.connect(transport);
    const pending = client.callTool("sleep", { ms: 5000 });
    const crash = client.callTool("crash");
    await expect(crash).rejects.toBeInstanceOf(ConnectionError);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/exited with code 3/);
    expect((error as Error).message).toContain("fatal: the crash tool was called");
    await expect(client.callTool("add", { a: 1, b: 1 })).rejects.toBeInstanceOf(ConnectionError);
  });

  it("reports a server that exits before answering", async () => {
    const transport = new StdioTransport(
      process.execPath,
      ["-e", "process.stderr.write('missing API key\\n'); process.exit(2)"],
      {
        stderr: "pipe",
      },
    );
    const error = await new Client(transport).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain("missing API key");
  });

  it("closes twice without error and refuses calls after close", async () => {
    const transport = everything();
    const client = await Client.connect(transport);
    const pid = transport.pid;
    expect(alive(pid)).toBe(true);
    await client.close();
    await client.close();
    expect(alive(pid)).toBe(false);
    const error = await client.callTool("add", { a: 1, b: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as Error).message).toMatch(/closed/);
  });

  it("refuses calls before connect with a clear error", async () => {
    const client = new Client(everything());
    await expect(client.listTools()).rejects.toThrow(/not connected/);
  });

  it("fails pending calls when the client closes mid-call", async () => {
    const client = await Client.connect(everything());
    const pending = client.callTool("sleep", { ms: 10_000 }).catch((e: unknown) => e);
    // The server reads stdin in order: once a later call is answered, the sleep is running there.
    expect((await client.callTool("add", { a: 1, b: 2 })).text).toBe("3");
    await client.close();
    expect(await pending).toBeInstanceOf(ConnectionError);
  });

  it("escalates to SIGKILL for a server that ignores EOF and SIGTERM", async () => {
    const transport = legacy("stubborn", { shutdownTimeout: 200 });
    const client = await Client.connect(transport);
    const pid = transport.pid;
    expect(client.era).toBe("legacy");
    const started = Date.now();
    await client.close();
    expect(alive(pid)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it("keeps a kept-alive server between connections and ends it on terminate", async () => {
    const transport = new StdioTransport(process.execPath, [...TSX, "test/fixtures/everything-server.ts"], {
      stderr: "pipe",
      keepAlive: true,
    });
    const first = await Client.connect(transport);
    const pid = transport.pid;
    await first.close();
    expect(alive(pid)).toBe(true);
    const second = await Client.connect(transport);
    expect(transport.pid).toBe(pid);
    expect((await second.callTool("add", { a: 1, b: 2 })).text).toBe("3");
    await second.close();
    await transport.terminate();
    expect(alive(pid)).toBe(false);
  });
});
