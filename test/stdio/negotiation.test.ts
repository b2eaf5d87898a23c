/**
 * The client's version negotiation against real stdio subprocesses (test/fixtures/negotiation-server.mjs):
 * a server that dies during the probe is reported, never started twice; a slow start is not taken
 * for a legacy server; the client's `timeout` bounds connecting; -32022 is retried once with the
 * best common version; a pinned 2026-07-28 against a legacy server says what the server offers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client, ClientError, ConnectionError, StdioTransport, TimeoutError } from "../../src/index.js";
import { tempDir } from "../helpers/stand-ins.js";

let dir: ReturnType<typeof tempDir>;
let marker: string;
beforeEach(() => {
  dir = tempDir("fastmcp-negotiation-");
  marker = join(dir.dir, "starts");
});
afterEach(() => dir.cleanup());

function server(mode: string, env: Record<string, string> = {}): StdioTransport {
  return new StdioTransport(process.execPath, ["test/fixtures/negotiation-server.mjs", mode], {
    stderr: "pipe",
    env: { MCP_TEST_MARKER: marker, ...env },
  });
}

/** How many times the fixture server was started. */
function starts(): number {
  try {
    return readFileSync(marker, "utf8").split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe("stdio client negotiation: a server that dies during the probe", () => {
  it("is a connection failure with its exit code and stderr, and is started once", async () => {
    const transport = server("crash-on-discover");
    const error = await new Client(transport).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/server\/discover/);
    expect((error as Error).message).toMatch(/exited with code 7/);
    expect((error as Error).message).toContain("fatal: unexpected first message server/discover");
    expect(starts()).toBe(1);
    expect(transport.pid).toBeUndefined();
  });

  it("can still be used pinned to a legacy version, as the error suggests", async () => {
    await using client = await Client.connect(server("crash-on-discover"), { protocolVersion: "2025-11-25" });
    expect(client.era).toBe("legacy");
    expect((await client.callTool("version")).text).toBe("legacy");
    expect(starts()).toBe(1);
  });
});

describe("stdio client negotiation: slowness is not an era", () => {
  it("stays modern with a dual-era server that starts after the probe window", async () => {
    // The server reads nothing for 1.5 s; the probe window is 300 ms. Before the fix the client
    // took the silence for a legacy server and settled on 2025-11-25.
    await using client = await Client.connect(server("slow", { MCP_TEST_START_DELAY_MS: "1500" }), {
      probeTimeout: 300,
    });
    expect(client.era).toBe("modern");
    expect(client.protocolVersion).toBe("2026-07-28");
    expect((await client.callTool("version")).text).toBe("2026-07-28");
    expect(starts()).toBe(1);
  });

  it("bounds connect() by the timeout option, probe included", async () => {
    const started = Date.now();
    const error = await new Client(server("mute"), { timeout: 1500 }).connect().catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/within 1500 ms/);
    // Upper bound only: before the fix this took the 5 s probe window plus 1.5 s for initialize.
    expect(took).toBeLessThan(4000);
    expect(starts()).toBe(1);
  });
});

describe("stdio client negotiation: -32022 UnsupportedProtocolVersion", () => {
  it("retries once with the best version both support", async () => {
    await using client = await Client.connect(
      server("reject-first", { MCP_TEST_SUPPORTED: "2027-01-01,2026-07-28,2025-11-25" }),
    );
    expect(client.era).toBe("modern");
    expect(client.protocolVersion).toBe("2026-07-28");
    expect((await client.callTool("version")).text).toBe("2026-07-28");
  });

  it("retries even when the list names the version it rejected (as the conformance suite does)", async () => {
    await using client = await Client.connect(server("reject-first", { MCP_TEST_SUPPORTED: "2026-07-28" }));
    expect(client.protocolVersion).toBe("2026-07-28");
  });

  it("falls back to initialize at the best common legacy version when only those are listed", async () => {
    await using client = await Client.connect(
      server("legacy-list", { MCP_TEST_SUPPORTED: "2025-06-18,2024-11-05" }),
    );
    expect(client.era).toBe("legacy");
    expect(client.protocolVersion).toBe("2025-06-18");
  });

  it("says which versions the server supports when none is common", async () => {
    const error = await new Client(server("reject-first", { MCP_TEST_SUPPORTED: "2027-01-01" }))
      .connect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as Error).message).toMatch(/does not support protocol 2026-07-28; it supports 2027-01-01/);
  });
});

describe("stdio client negotiation: pinned to 2026-07-28", () => {
  it("against a legacy server, names what the server offers instead of 'Method not found'", async () => {
    const transport = new StdioTransport(
      process.execPath,
      ["test/fixtures/legacy-raw-server.mjs", "erroring"],
      {
        stderr: "pipe",
      },
    );
    const error = await new Client(transport, { protocolVersion: "2026-07-28" })
      .connect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as Error).message).toMatch(/does not support protocol 2026-07-28/);
    expect((error as Error).message).toMatch(/legacy .* offering 2025-11-25/);
  });
});
