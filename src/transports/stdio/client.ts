/**
 * The stdio client transport: runs the server as a subprocess and speaks newline-delimited
 * JSON-RPC over its stdin/stdout. The server runs in its own process group (POSIX), so shutdown
 * reaches everything a launcher started: stdin closed, then SIGTERM, then SIGKILL to the group.
 *
 * @example
 * ```ts
 * const client = new Client(new StdioTransport("python", ["server.py"], { env: { DEBUG: "1" } }));
 * ```
 */
import type { ChildProcess } from "node:child_process";
import type { Writable } from "node:stream";
import { ClientError, ConnectionError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { decodeText, errorResponse } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { ClientTransport } from "../base.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { encodeLine, LineDecoder, type OversizedLine, peekEnvelope } from "./lines.js";
import { OWN_GROUP, resolveCommand, signalTree, trackTree } from "./process-tree.js";

/** Where the server's stderr goes. */
export type StderrTarget = "inherit" | "pipe" | "ignore" | Writable | ((text: string) => void);

export interface StdioTransportOptions {
  /** Extra environment variables, added to a safe default set (PATH, HOME...). */
  env?: Record<string, string>;
  /** Pass the whole parent environment instead of the safe default set (default false). */
  inheritEnv?: boolean;
  cwd?: string;
  /**
   * Keep the subprocess running when the client disconnects, and reuse it on the next connect
   * (default false). `transport.terminate()` ends it.
   */
  keepAlive?: boolean;
  /**
   * The server's stderr: "inherit" forwards it to ours (default), "pipe" only keeps it for error
   * messages, "ignore" drops it; or a stream or a callback. The tail is kept for error messages in
   * every mode but "ignore".
   */
  stderr?: StderrTarget;
  /**
   * Largest accepted message line from the server, in bytes (default 64 MiB). An answer over it
   * fails its request at once with a ClientError naming its size.
   */
  maxLineBytes?: number;
  /**
   * Closing waits this long after closing stdin, then after SIGTERM to the server's process group,
   * then after SIGKILL (ms, default 2000): `close()` resolves within about three times this.
   */
  shutdownTimeout?: number;
}

const WINDOWS_SAFE_ENV = [
  "APPDATA",
  "HOMEDRIVE",
  "HOMEPATH",
  "LOCALAPPDATA",
  "PATH",
  "PATHEXT",
  "PROCESSOR_ARCHITECTURE",
  "SYSTEMDRIVE",
  "SYSTEMROOT",
  "TEMP",
  "USERNAME",
  "USERPROFILE",
  "PROGRAMFILES",
];
const POSIX_SAFE_ENV = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "TMPDIR"];

const STDERR_TAIL_BYTES = 8192;

export class StdioTransport extends ClientTransport {
  readonly command: string;
  readonly args: readonly string[];
  protected readonly options: StdioTransportOptions;
  private child: ChildProcess | undefined;
  private stderrTail = "";
  private exited: Promise<void> | undefined;
  /** Unregisters the running tree from the kill-at-exit list. */
  private untrack: (() => void) | undefined;

  constructor(command: string, args: readonly string[] = [], options: StdioTransportOptions = {}) {
    super();
    if (typeof command !== "string" || command.length === 0)
      throw new TypeError("StdioTransport needs a command");
    this.command = command;
    this.args = [...args];
    this.options = options;
  }

  describe(): string {
    return [this.command, ...this.args].join(" ");
  }

  /** The server's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** The last few KB the server wrote to stderr. */
  get stderrOutput(): string {
    return this.stderrTail;
  }

  /** Resolves the command and arguments to spawn; variants override it. */
  protected async commandLine(): Promise<{ command: string; args: string[] }> {
    return { command: this.command, args: [...this.args] };
  }

  protected async open(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      return; // keepAlive: the process from the previous connection is reused
    }
    const childProcess = await import("node:child_process");
    const { statSync } = await import("node:fs");
    const { command, args } = await this.commandLine();
    const env = this.buildEnv();
    const stderrMode = this.options.stderr ?? "inherit";
    this.stderrTail = "";
    const plan = resolveCommand(command, args, {
      platform: process.platform,
      env: { PATHEXT: process.env.PATHEXT, ...env },
      isFile: (path) => statSync(path, { throwIfNoEntry: false })?.isFile() ?? false,
    });
    const child = childProcess.spawn(plan.command, plan.args, {
      env,
      cwd: this.options.cwd,
      stdio: ["pipe", "pipe", stderrMode === "ignore" ? "ignore" : "pipe"],
      windowsHide: true,
      windowsVerbatimArguments: plan.verbatim,
      // Its own process group, so that closing reaches what a launcher (npx, uvx, a shell script)
      // started: the server itself may outlive the launcher and hold the pipes.
      detached: OWN_GROUP,
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("close", () => resolve()));
    if (child.pid !== undefined) {
      const untrack = trackTree(child.pid, childProcess);
      this.untrack = untrack;
      // A server that went away on its own needs no killing at exit.
      this.exited.then(untrack);
    }
    const decoder = new LineDecoder({
      ...(this.options.maxLineBytes === undefined ? {} : { maxLineBytes: this.options.maxLineBytes }),
      onLine: (line) => {
        const decoded = decodeText(line);
        if (decoded.kind !== "invalid") this.receive(decoded.message as JSONRPCMessage);
        else
          this.noteStderr(
            `[fastmcp-ts] ignored a line from the server that is not JSON-RPC: ${line.slice(0, 200)}\n`,
          );
      },
      onOversized: (line) => this.oversized(line),
    });
    child.stdout?.on("data", (chunk: Buffer) => decoder.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => this.onStderr(chunk, stderrMode));
    // Writes after the child died raise EPIPE on stdin; the exit handler reports the real cause.
    child.stdin?.on("error", () => {});
    child.once("close", (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.lost(new ConnectionError(`Server process ${this.describe()} ${how}${this.stderrSuffix()}`));
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      child.once("error", (error: NodeJS.ErrnoException) => {
        if (this.child === child) this.child = undefined;
        const reason = error.code === "ENOENT" ? "command not found" : error.message;
        reject(
          new ConnectionError(`Failed to start ${JSON.stringify(command)}: ${reason}`, { cause: error }),
        );
      });
    });
  }

  protected send(message: JSONRPCMessage): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      throw new ConnectionError(`Server process ${this.describe()} is not running${this.stderrSuffix()}`);
    }
    // Lines leave corked: alone in flight, flushed at the next tick (no wait for a sequential
    // caller); with other requests in flight, once the current turn of the event loop has run its
    // I/O callbacks, so that a proxy serving 32 HTTP requests read in one turn sends them upstream in
    // one write instead of 32 (+14% calls/s through the proxy with 32 in flight; direct stdio calls
    // unchanged). Order is kept, and end() (terminate) flushes anything still corked.
    if (stdin.writableCorked === 0) {
      stdin.cork();
      if (this.pendingRequests > 1) setImmediate(() => stdin.uncork());
      else process.nextTick(() => stdin.uncork());
    }
    stdin.write(encodeLine(message));
  }

  protected async close(): Promise<void> {
    if (this.options.keepAlive) return;
    await this.terminate();
  }

  /**
   * Ends the subprocess and everything it started: closes stdin and waits `shutdownTimeout` for the
   * server to exit, then sends SIGTERM to its process group and waits again, then SIGKILL, then
   * waits once more for the pipes before letting go of them. Resolves within about three times
   * `shutdownTimeout` (6 s by default), at once for a server that exits on EOF. Also ends a
   * kept-alive server.
   */
  async terminate(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const untrack = this.untrack;
    this.untrack = undefined;
    const pid = child.pid;
    const exited = this.exited ?? Promise.resolve();
    const wait = this.options.shutdownTimeout ?? TRANSPORT_DEFAULTS.shutdownTimeoutMs;
    const within = (ms: number) => {
      let timer: NodeJS.Timeout | undefined;
      return Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), ms);
        }),
      ]).finally(() => clearTimeout(timer));
    };
    const signal = (name: "SIGTERM" | "SIGKILL") => {
      if (pid !== undefined) signalTree(pid, name);
    };
    child.stdin?.end();
    if (await within(wait)) {
      if (OWN_GROUP && pid !== undefined) signalTree(pid, "SIGTERM");
    } else {
      signal("SIGTERM");
      if (!(await within(wait))) {
        signal("SIGKILL");
        if (!(await within(wait))) {
          // Something outside the group still holds the pipes: stop reading them.
          child.stdin?.destroy();
          child.stdout?.destroy();
          child.stderr?.destroy();
        }
      }
    }
    untrack?.();
  }

  /**
   * A line from the server was over `maxLineBytes`: fail the request it answers at once (or every
   * pending one when its id cannot be read), refuse a server request, note a notification.
   */
  private oversized(line: OversizedLine): void {
    const envelope = peekEnvelope(line.head, line.tail);
    const what = `${line.bytes}-byte message from the server exceeds the client's ${line.limit}-byte line limit`;
    this.noteStderr(`[fastmcp-ts] dropped a ${what}\n`);
    if (envelope.method) {
      if (envelope.id === undefined) return;
      const text = `Message too large: ${line.bytes} bytes exceeds the client's ${line.limit}-byte line limit`;
      try {
        this.send(errorResponse(envelope.id, ErrorCode.InvalidRequest, text));
      } catch {
        // The server is gone; its exit is reported instead.
      }
      return;
    }
    const error = new ClientError(
      `The server's answer is too large: a ${what} (raise the StdioTransport option maxLineBytes)`,
    );
    if (envelope.id === undefined) this.lostAnswers(error);
    else this.lostRequest(envelope.id, error);
  }

  private buildEnv(): NodeJS.ProcessEnv {
    if (this.options.inheritEnv) return { ...process.env, ...this.options.env };
    const env: NodeJS.ProcessEnv = {};
    for (const key of process.platform === "win32" ? WINDOWS_SAFE_ENV : POSIX_SAFE_ENV) {
      const value = process.env[key];
      if (value !== undefined && !value.startsWith("()")) env[key] = value;
    }
    return { ...env, ...this.options.env };
  }

  private onStderr(chunk: Buffer, mode: StderrTarget): void {
    const text = chunk.toString("utf8");
    this.noteStderr(text);
    if (mode === "inherit") process.stderr.write(chunk);
    else if (typeof mode === "function") mode(text);
    else if (typeof mode === "object") mode.write(chunk);
  }

  private noteStderr(text: string): void {
    this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_BYTES);
  }

  private stderrSuffix(): string {
    const tail = this.stderrTail.trim();
    return tail ? `\nServer stderr:\n${tail}` : "";
  }
}
