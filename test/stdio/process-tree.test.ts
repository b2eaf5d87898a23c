/**
 * Closing a stdio server started through a launcher (like npx or uvx) whose real server ignores
 * stdin EOF and SIGTERM: close() resolves in bounded time and no process of the tree is left, also
 * when the launcher has already gone and the server alone holds the pipes, and when the client's
 * process exits without closing. A server that exits on EOF still closes at once.
 *
 * The fixtures write their pids to a file before answering anything.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Client, StdioTransport } from "../../src/index.js";
import { ROOT } from "../helpers/paths.js";
import { tempDir } from "../helpers/stand-ins.js";

const LAUNCHER = join(ROOT, "test/fixtures/launcher.sh");
const RAW_SERVER = join(ROOT, "test/fixtures/legacy-raw-server.mjs");

const cleanups: Array<() => void> = [];
const started: number[] = [];
afterEach(() => {
  // Whatever a failing run left behind must not outlive the test.
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function pidFile(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, "pids");
}

function readPids(file: string): number[] {
  const pids = readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
  started.push(...pids);
  return pids;
}

/**
 * Whether the process runs. A zombie does not: an orphan killed here is reparented to PID 1, which
 * in some containers never reaps it.
 */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return process.platform !== "linux";
  }
}

/** Waits (up to an upper bound) until none of `pids` runs. */
async function expectNoneRunning(pids: number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (pids.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(pids.filter(running), "processes of the tree still running").toEqual([]);
}

/** `close()`, failing clearly instead of hanging when it does not resolve within `ms`. */
async function closeWithin(client: Client, ms: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    client.close().then(() => "closed"),
    new Promise<string>((r) => {
      timer = setTimeout(() => r("still closing"), ms);
    }),
  ]);
  clearTimeout(timer);
  expect(outcome).toBe("closed");
  return Date.now() - started;
}

const launched = (serverMode: string, file: string, shutdownTimeout: number) =>
  new StdioTransport(LAUNCHER, [process.execPath, RAW_SERVER, serverMode], {
    stderr: "pipe",
    env: { PID_FILE: file },
    shutdownTimeout,
  });

describe("stdio close(): the whole process tree, in bounded time", () => {
  it("ends a launcher and its server that ignores EOF and SIGTERM", async () => {
    const file = pidFile();
    const client = await Client.connect(launched("stubborn", file, 300), { probeTimeout: 10_000 });
    expect((await client.callTool("add", { a: 2, b: 3 })).text).toBe("5");
    const pids = readPids(file);
    expect(pids).toHaveLength(2); // the launcher and the server
    // stdin, SIGTERM (the launcher dies, the server holds the pipes), SIGKILL: three grace periods
    // of 300 ms, with a generous margin.
    await closeWithin(client, 15_000);
    await expectNoneRunning(pids);
  });

  it("ends the server when its launcher already died and it alone holds the pipes", async () => {
    const file = pidFile();
    const client = await Client.connect(launched("stubborn", file, 300), { probeTimeout: 10_000 });
    const [launcher, server] = readPids(file) as [number, number];
    process.kill(launcher, "SIGKILL");
    await expectNoneRunning([launcher]);
    expect(running(server)).toBe(true);
    await closeWithin(client, 15_000);
    await expectNoneRunning([server]);
  });

  it("closes a server that exits on EOF at once, without waiting the grace time", async () => {
    const file = pidFile();
    const client = await Client.connect(launched("erroring", file, 30_000), { probeTimeout: 10_000 });
    const pids = readPids(file);
    const took = await closeWithin(client, 20_000);
    expect(took).toBeLessThan(10_000);
    await expectNoneRunning(pids);
  });

  it("ends the tree when the client's process exits without closing", async () => {
    const file = pidFile();
    const program = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/fixtures/exit-without-close.ts",
        LAUNCHER,
        process.execPath,
        RAW_SERVER,
        "stubborn",
      ],
      { cwd: ROOT, env: { ...process.env, PID_FILE: file }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    program.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => program.once("close", resolve));
    expect(output).toContain("connected");
    expect(code).toBe(0);
    const pids = readPids(file);
    expect(pids).toHaveLength(2);
    await expectNoneRunning(pids);
  });
});
