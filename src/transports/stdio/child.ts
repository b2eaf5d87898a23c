/**
 * The server process of a stdio client transport: spawned in its own process group (POSIX), read
 * as newline-delimited JSON-RPC on stdout, its stderr's tail kept for error messages, and ended
 * with everything it started. `StdioTransport.open()` loads this module, so importing the
 * transport loads none of it (nor node:child_process).
 */
import type { ChildProcess } from "node:child_process";
import { ClientError, ConnectionError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { decodeText, errorResponse } from "../../protocol/jsonrpc.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import type { TransportHooks } from "../base.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import type { StderrTarget, StdioTransportOptions } from "./client.js";
import { encodeLine, LineDecoder, type OversizedLine, peekEnvelope } from "./lines.js";
import { OWN_GROUP, resolveCommand, signalTree, trackTree } from "./process-tree.js";

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

/** What the process needs of its transport. */
export interface ProcessHost extends TransportHooks {
  describe(): string;
}

/** One spawn of a stdio server. */
export class ServerProcess {
  /** The last few KB the server wrote to stderr. */
  stderrTail = "";
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  /** Unregisters the running tree from the kill-at-exit list. */
  private untrack: (() => void) | undefined;

  constructor(
    private readonly host: ProcessHost,
    private readonly options: StdioTransportOptions,
  ) {}

  /** Whether the process runs (a kept-alive one is reused by the next connect). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Spawns `command` and resolves once it started. */
  async start(command: string, args: string[]): Promise<void> {
    const childProcess = await import("node:child_process");
    const { statSync } = await import("node:fs");
    const env = this.buildEnv();
    const stderrMode = this.options.stderr ?? "inherit";
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
        if (decoded.kind !== "invalid") this.host.receive(decoded.message as JSONRPCMessage);
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
      this.host.lost(
        new ConnectionError(`Server process ${this.host.describe()} ${how}${this.stderrSuffix()}`),
      );
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

  /** Writes one line; `others` when other requests await answers (see below). */
  send(message: JSONRPCMessage, others = false): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      throw new ConnectionError(
        `Server process ${this.host.describe()} is not running${this.stderrSuffix()}`,
      );
    }
    // Lines leave corked: alone in flight, flushed at the next tick (no wait for a sequential
    // caller); with other requests in flight, once the current turn of the event loop has run its
    // I/O callbacks, so that a proxy serving 32 HTTP requests read in one turn sends them upstream in
    // one write instead of 32 (+14% calls/s through the proxy with 32 in flight; direct stdio calls
    // unchanged). Order is kept, and end() (terminate) flushes anything still corked.
    if (stdin.writableCorked === 0) {
      stdin.cork();
      if (others) setImmediate(() => stdin.uncork());
      else process.nextTick(() => stdin.uncork());
    }
    stdin.write(encodeLine(message));
  }

  /** Ends the process and its tree (see `StdioTransport.terminate`). */
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
    if (envelope.id === undefined) this.host.lostAnswers(error);
    else this.host.lostRequest(envelope.id, error);
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
