/**
 * Subprocess leak checks: whether a process lives, a process tree, and waits until every process a
 * test spawned (servers, their children, the v2 SDK's disposable probe siblings) is gone.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { expect } from "vitest";
import type { StdioTransport } from "../../src/transports/stdio/client.js";

/** Live child processes of this test worker (read from /proc on Linux, else from `ps`). */
export function childPids(): number[] {
  if (existsSync("/proc/self/stat")) {
    const pids: number[] = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      } catch {
        continue; // exited meanwhile
      }
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === process.pid && state !== "Z") pids.push(Number(entry));
    }
    return pids;
  }
  const out = execFileSync("ps", ["-A", "-o", "pid=,ppid=,comm="], { encoding: "utf8" });
  const pids: number[] = [];
  for (const line of out.split("\n")) {
    const [pid, ppid, comm] = line.trim().split(/\s+/);
    if (Number(ppid) === process.pid && comm !== "ps" && !comm?.endsWith("/ps")) pids.push(Number(pid));
  }
  return pids;
}

/** Waits until no child process outside `before` is left; throws naming the survivors. */
export async function expectNoNewChildren(before: readonly number[], timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let leaked: number[] = [];
  do {
    leaked = childPids().filter((pid) => !before.includes(pid));
    if (leaked.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  throw new Error(`Subprocesses still running after cleanup: ${leaked.join(", ")}`);
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

/**
 * Follows a server process's stderr: `url` resolves with the URL once it prints `serving http
 * <url>` and rejects if it exits first (naming `what`, with what it wrote); `stderr()` is what came
 * so far.
 */
export function servingUrl(
  child: ChildProcess,
  what: string,
): { url: Promise<string>; stderr: () => string } {
  let stderr = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr += chunk;
      const match = /serving http (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1] as string);
    });
    child.once("exit", (code) => reject(new Error(`${what} exited early (${code}): ${stderr}`)));
  });
  return { url, stderr: () => stderr };
}
