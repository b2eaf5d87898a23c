/**
 * The stdio client transport: runs the server as a subprocess and speaks newline-delimited
 * JSON-RPC over its stdin/stdout. The server runs in its own process group (POSIX), so shutdown
 * reaches everything a launcher started: stdin closed, then SIGTERM, then SIGKILL to the group.
 * The process code (child.ts) loads with the first `connect()`.
 *
 * @example
 * ```ts
 * const client = new Client(new StdioTransport("python", ["server.py"], { env: { DEBUG: "1" } }));
 * ```
 */
import type { Writable } from "node:stream";
import { ConnectionError } from "../../errors.js";
import type { JSONRPCMessage } from "../../protocol/types.js";
import { ClientTransport } from "../base.js";
import type { ServerProcess } from "./child.js";

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

export class StdioTransport extends ClientTransport {
  readonly command: string;
  readonly args: readonly string[];
  protected readonly options: StdioTransportOptions;
  /** The server process (child.ts, loaded by the first open), kept after it ends for its stderr. */
  private process: ServerProcess | undefined;

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
    return this.process?.pid;
  }

  /** The last few KB the server wrote to stderr. */
  get stderrOutput(): string {
    return this.process?.stderrTail ?? "";
  }

  /** Resolves the command and arguments to spawn; variants override it. */
  protected async commandLine(): Promise<{ command: string; args: string[] }> {
    return { command: this.command, args: [...this.args] };
  }

  protected async open(): Promise<void> {
    if (this.process?.running) return; // keepAlive: the process from the previous connection is reused
    const { ServerProcess } = await import("./child.js");
    const { command, args } = await this.commandLine();
    const server = new ServerProcess({ ...this.hooks(), describe: () => this.describe() }, this.options);
    this.process = server;
    await server.start(command, args);
  }

  protected send(message: JSONRPCMessage): void {
    if (!this.process) throw new ConnectionError(`Server process ${this.describe()} is not running`);
    this.process.send(message, this.pendingRequests > 1);
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
    await this.process?.terminate();
  }
}
