/**
 * `mcp.run({ transport: "http", port })` for real: a subprocess serves the everything server, our
 * Client reaches it in both eras, and SIGTERM ends it with exit code 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, StreamableHttpTransport } from "../../src/index.js";
import { closeAfterEach, connect } from "../helpers/http-test-server.js";
import { servingUrl } from "../helpers/processes.js";
import { within } from "../helpers/wait.js";

closeAfterEach();

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

function start(): {
  child: ChildProcess;
  url: Promise<string>;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/http-run-server.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const { url, stderr } = servingUrl(child, "the server");
  // "close", not "exit": by then stderr is read to its end, so what the server last wrote is there.
  const exit = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, url, stderr, exit };
}

describe("mcp.run({ transport: 'http' }) in a subprocess", () => {
  it("serves both eras at the URL it prints, and exits 0 on SIGTERM", async () => {
    const server = start();
    const url = await within(server.url, 20_000, "the subprocess to print its URL");
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(new URL(url).port).not.toBe("0");

    const modern = await connect(url);
    expect(modern.protocolVersion).toBe("2026-07-28");
    expect((await modern.callTool("add", { a: 5, b: 3 })).text).toBe("8");

    const legacy = await connect(new StreamableHttpTransport({ url }), { protocolVersion: "2025-11-25" });
    expect(legacy.protocolVersion).toBe("2025-11-25");
    expect((legacy.transport as StreamableHttpTransport).sessionId).toBeDefined();
    expect((await legacy.callTool("add", { a: 5, b: 3 })).text).toBe("8");

    // SIGTERM while the legacy session (with its GET stream) is still open: run() closes the
    // listener, resolves, and the process exits cleanly.
    server.child.kill("SIGTERM");
    const code = await within(server.exit, 10_000, "the subprocess to exit after SIGTERM");
    expect(code).toBe(0);
    expect(server.child.signalCode).toBeNull();
    expect(server.stderr()).toContain("run() resolved");

    // The server is gone: a new connection fails.
    await expect(connect(url, { timeout: 2000 })).rejects.toBeInstanceOf(ConnectionError);
  });
});
