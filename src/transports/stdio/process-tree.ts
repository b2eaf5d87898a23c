/**
 * The process tree of a stdio server: how to start it so that the whole tree can be ended (its own
 * process group on POSIX; launchers such as `npx.cmd` resolved without a shell on Windows), how to
 * signal the tree, and ending every tree still running when this process exits.
 */

/** What resolving a command needs from the system; injected so it can be tested anywhere. */
export interface CommandHost {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** Whether a regular file exists at this path. */
  isFile(path: string): boolean;
}

/** The program to spawn, its arguments, and whether they are already quoted for the command line. */
export interface SpawnPlan {
  command: string;
  args: string[];
  /** Windows: the arguments are one command line for cmd.exe, already quoted; pass them as they are. */
  verbatim: boolean;
}

const DEFAULT_PATHEXT = ".COM;.EXE;.BAT;.CMD";

/**
 * Resolves `command` the way a Windows shell would, without running one: through PATH and PATHEXT
 * (`npx` is `npx.cmd`). A batch file (.cmd/.bat) runs through `cmd.exe /d /s /c` with every argument
 * quoted (Node refuses to spawn one directly since CVE-2024-27980). Elsewhere the command is
 * returned as it is; spawn searches PATH itself.
 */
export function resolveCommand(command: string, args: readonly string[], host: CommandHost): SpawnPlan {
  const plain: SpawnPlan = { command, args: [...args], verbatim: false };
  if (host.platform !== "win32") return plain;
  const env = windowsEnv(host.env);
  const found = findOnPath(command, env, host);
  if (!found) return plain;
  if (!/\.(cmd|bat)$/i.test(found)) return { command: found, args: [...args], verbatim: false };
  // A batch file parses its %* line again, so its arguments are escaped for cmd.exe twice.
  const line = [quoteForCmd(found, false), ...args.map((arg) => quoteForCmd(arg, true))].join(" ");
  return {
    command: env.COMSPEC ?? "cmd.exe",
    args: ["/d", "/s", "/c", `"${line}"`],
    verbatim: true,
  };
}

/** Windows variable names are case-insensitive: read them upper-cased. */
function windowsEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) out[key.toUpperCase()] ??= value;
  return out;
}

function findOnPath(
  command: string,
  env: Record<string, string | undefined>,
  host: CommandHost,
): string | undefined {
  const extensions = (env.PATHEXT ?? DEFAULT_PATHEXT)
    .split(";")
    .map((ext) => ext.trim().toLowerCase())
    .filter(Boolean);
  const hasExtension = extensions.some((ext) => command.toLowerCase().endsWith(ext));
  const candidates = (base: string) => (hasExtension ? [base] : extensions.map((ext) => base + ext));
  // A command with a directory part is not searched on PATH (as cmd.exe does).
  if (/[\\/]/.test(command) || /^[a-z]:/i.test(command)) return candidates(command).find(host.isFile);
  for (const dir of (env.PATH ?? "").split(";")) {
    const trimmed = dir.trim().replace(/^"(.*)"$/, "$1");
    if (!trimmed) continue;
    const base = `${trimmed.replace(/[\\/]+$/, "")}\\${command}`;
    const hit = candidates(base).find(host.isFile);
    if (hit) return hit;
  }
  return undefined;
}

/** cmd.exe's special characters, escaped with a caret. */
const CMD_META = /[()[\]%!^"`<>&|;, *?]/g;

/**
 * Quotes one argument for a program's C runtime (backslashes before a quote or the closing quote
 * doubled, quotes escaped), then escapes it for cmd.exe; `twice` when a batch file re-parses it.
 */
export function quoteForCmd(arg: string, twice: boolean): string {
  const quoted = `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, "$1$1")}"`;
  const once = quoted.replace(CMD_META, "^$&");
  return twice ? once.replace(CMD_META, "^$&") : once;
}

/** Whether the tree rooted at `pid` runs in its own process group (POSIX: spawned detached). */
export const OWN_GROUP = process.platform !== "win32";

/**
 * Signals the whole tree: its process group on POSIX (which reaches a launcher's children), or
 * `taskkill /T /F` on Windows for either signal. Quiet when the tree is already gone.
 */
export function signalTree(pid: number, signal: "SIGTERM" | "SIGKILL", sync = false): void {
  if (OWN_GROUP) {
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: nothing of the group is left.
    }
    return;
  }
  // Windows has no polite signal for a console program's tree: the first escalation kills it.
  if (!childProcess) return;
  const args = ["/pid", String(pid), "/T", "/F"];
  if (sync) childProcess.spawnSync("taskkill", args, { stdio: "ignore", windowsHide: true });
  else childProcess.spawn("taskkill", args, { stdio: "ignore", windowsHide: true }).on("error", () => {});
}

/** node:child_process, loaded by the transport (lazily, as the module is Node-only). */
let childProcess: typeof import("node:child_process") | undefined;

/** Trees still running, ended when this process exits. */
const live = new Set<number>();
const EXIT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function endAll(): void {
  for (const pid of live) signalTree(pid, "SIGKILL", true);
  live.clear();
}

/**
 * A signal that will end this process (no one else listens to it): end the trees first, then let
 * it take its default course. Servers in their own group no longer get the terminal's Ctrl-C.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return; // the application handles it, and may close()
  endAll();
  untrackAll();
  process.kill(process.pid, signal);
}

function untrackAll(): void {
  process.off("exit", endAll);
  for (const signal of EXIT_SIGNALS) process.off(signal, onSignal);
}

/**
 * Registers a running tree, to be killed if this process exits before closing it (at exit there is
 * no time for a graceful sequence). Returns the function that unregisters it.
 */
export function trackTree(pid: number, spawner: typeof import("node:child_process")): () => void {
  childProcess = spawner;
  if (live.size === 0) {
    process.on("exit", endAll);
    // First in line: when it runs, the application's own handlers (even `once` ones, which Node
    // removes before calling them) are still counted, so it knows whether anyone else handles the signal.
    if (OWN_GROUP) for (const signal of EXIT_SIGNALS) process.prependListener(signal, onSignal);
  }
  live.add(pid);
  return () => {
    if (!live.delete(pid)) return;
    if (live.size === 0) untrackAll();
  };
}
