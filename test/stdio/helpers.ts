/** Shared helpers of the stdio tests: fixture paths, stand-in executables and leak checks. */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { StdioTransport } from "../../src/transports/stdio/client.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PYTHON_SERVER = join(ROOT, "test/fixtures/python_server.py");
export const NODE_SERVER = join(ROOT, "test/fixtures/node-server.mjs");

/** The real Python interpreter (not a pyenv shim), so stand-ins can run with an empty PATH. */
export const REAL_PYTHON: string = execFileSync(
  "python3",
  ["-c", "import sys; sys.stdout.write(sys.executable)"],
  { encoding: "utf8" },
).trim();

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "fastmcp-stdio-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeExecutable(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/**
 * Writes a Python stand-in for a launcher (uv, uvx, python...) that appends
 * `{"prog": <its name>, "argv": [...its arguments]}` as one JSON line to `record`, then replaces
 * itself with the real interpreter running `server` with the arguments `forward` picks.
 *
 * `forward` is Python source of a function body receiving `args` (the stand-in's arguments) and
 * returning the arguments to pass the server.
 */
export function writeStandIn(
  path: string,
  options: { record: string; server?: string; forward?: string },
): string {
  const forward = options.forward ?? "return args";
  const server = options.server ?? PYTHON_SERVER;
  const body = forward
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
  return writeExecutable(
    path,
    `#!${REAL_PYTHON}
import json, os, sys

def forward(args):
${body}

with open(${JSON.stringify(options.record)}, "a") as record:
    record.write(json.dumps({"prog": os.path.basename(sys.argv[0]), "argv": sys.argv[1:]}) + "\\n")
os.execv(${JSON.stringify(REAL_PYTHON)}, [${JSON.stringify(REAL_PYTHON)}, ${JSON.stringify(server)}] + forward(sys.argv[1:]))
`,
  );
}

/** The JSON lines a stand-in recorded. */
export function readRecord(record: string): Array<{ prog: string; argv: string[] }> {
  let text: string;
  try {
    text = readFileSync(record, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { prog: string; argv: string[] });
}

/** Whether a process with this id exists (a zombie counts as existing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/** Every descendant of `pid` (children, grandchildren...), from `ps`. */
export function descendants(pid: number): number[] {
  const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((pair): pair is [number, number] => pair.length === 2 && pair.every(Number.isInteger));
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, ppid] of table) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The running server's pid and all its descendants; fails the test when it is not running. */
export function processTree(transport: StdioTransport): number[] {
  const pid = transport.pid;
  expect(pid, "the server process should be running").toBeTypeOf("number");
  expect(isAlive(pid as number)).toBe(true);
  return [pid as number, ...descendants(pid as number)];
}

/** Asserts every process in `pids` is gone (kill(pid, 0) throws ESRCH), waiting briefly for grandchildren. */
export async function expectAllGone(pids: number[]): Promise<void> {
  const deadline = Date.now() + 5000;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids) {
    let code: string | undefined;
    try {
      process.kill(pid, 0);
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code;
    }
    expect(code, `process ${pid} should have exited`).toBe("ESRCH");
  }
}

/** The JSON a `whoami` tool answered. */
export function parseWhoami<T = { argv: string[]; env: Record<string, string>; executable?: string }>(
  text: string,
): T {
  return JSON.parse(text) as T;
}
