/** Drives a stdio server with raw lines, for tests of what exactly crosses the wire. */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

export class RawStdio implements AsyncDisposable {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdoutLines: string[] = [];
  private buffer = "";
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ["--import", "tsx", ...args], {
      env: { ...process.env, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.buffer += chunk.toString("utf8");
      let at = this.buffer.indexOf("\n");
      while (at >= 0) {
        this.stdoutLines.push(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + 1);
        at = this.buffer.indexOf("\n");
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: unknown): void {
    this.child.stdin.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`);
  }

  /** The next parsed line from stdout (every line must be JSON). */
  async next(timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (this.consumed >= this.stdoutLines.length) {
      if (Date.now() > deadline) throw new Error("no message from the server in time");
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return JSON.parse(this.stdoutLines[this.consumed++] as string);
  }

  private consumed = 0;

  /** Sends a request and waits for the message answering its id. */
  async request(message: { id: number | string; [key: string]: unknown }): Promise<any> {
    this.send({ jsonrpc: "2.0", ...message });
    for (;;) {
      const reply = await this.next();
      if (reply.id === message.id) return reply;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}
