/**
 * Shared helpers of the stdio interop tests: fixture paths, and a check that every subprocess a
 * test spawned (servers, and the v2 SDK's disposable probe siblings) is gone once it has cleaned up.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root: every server is spawned there so `--import tsx` resolves. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `node --import tsx <fixture>` arguments for a file of test/fixtures. */
export function fixtureArgs(file: string): string[] {
  return ["--import", "tsx", fileURLToPath(new URL(`../fixtures/${file}`, import.meta.url))];
}

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

/**
 * The official SDK clients drop a progress notification they read in the same chunk as its
 * response (they dispatch notifications a microtask after responses), which a busy machine makes
 * likely; their `onerror` reports it with this message.
 */
export const SDK_PROGRESS_RACE = /^Received a progress notification for an unknown token/;

/** The progress notifications (without their token) received before the first response. */
export function progressBeforeAnswer(received: readonly object[]): unknown[] {
  const answeredAt = received.findIndex((message) => "result" in message || "error" in message);
  return received.slice(0, answeredAt === -1 ? received.length : answeredAt).flatMap((message) => {
    const { method, params } = message as { method?: string; params?: Record<string, unknown> };
    if (method !== "notifications/progress" || !params) return [];
    const { progressToken: _token, ...rest } = params;
    return [rest];
  });
}
