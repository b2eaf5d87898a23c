/**
 * Runs of the conformance CLI inside long-lived hosts (cli-host.mjs) instead of one node process
 * each: a CLI start loads its dependencies (express, the SDK, ajv, undici, ...), about 1.5 s of CPU,
 * more than most client scenarios take. Each run still gets a fresh instance of the CLI's module,
 * its own arguments, and ends with the exit status the CLI gives it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const HOST = join(here, "cli-host.mjs");
const PRELOAD = join(here, "globsync-preload.mjs");
/** Runs in one host before it is replaced: each keeps its instance of the CLI's module. */
const RUNS_PER_HOST = 20;

export interface CliResult {
  code: number | null;
  output: string;
}

interface Host {
  child: ChildProcess;
  runs: number;
  /** The run in progress. */
  pending?: { id: number; resolve: (result: CliResult) => void; output: string } | undefined;
}

/** Hosts for one CLI entry (`bin`), started in `cwd` as needed: one for each run at a time. */
export class CliPool {
  private idle: Host[] = [];
  private all = new Set<Host>();
  private nextId = 1;

  constructor(
    private readonly bin: string,
    private readonly cwd: string,
  ) {}

  private start(): Host {
    const child = spawn(process.execPath, ["--import", PRELOAD, HOST, this.bin], {
      cwd: this.cwd,
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
    });
    const host: Host = { child, runs: 0 };
    this.all.add(host);
    // What a host writes outside a run (its own failures) goes with the run in progress, if any.
    const stray = (chunk: Buffer) => {
      if (host.pending) host.pending.output += chunk.toString();
    };
    child.stdout?.on("data", stray);
    child.stderr?.on("data", stray);
    child.on("message", (message: { id: number; code: number | null; output: string }) => {
      const pending = host.pending;
      if (!pending || pending.id !== message.id) return;
      host.pending = undefined;
      pending.resolve({ code: message.code, output: pending.output + message.output });
    });
    child.on("exit", (code, signal) => {
      this.all.delete(host);
      this.idle = this.idle.filter((one) => one !== host);
      const pending = host.pending;
      host.pending = undefined;
      pending?.resolve({ code, output: `${pending.output}\n[cli-host] exited (${signal ?? code})\n` });
    });
    return host;
  }

  /** Runs `conformance ...args`; after `killAfterMs` the host is killed and the run ends with code null. */
  run(args: string[], killAfterMs: number): Promise<CliResult> {
    const host = this.idle.pop() ?? this.start();
    const id = this.nextId++;
    host.runs++;
    return new Promise<CliResult>((resolve) => {
      const timer = setTimeout(() => {
        if (host.pending?.id !== id) return;
        host.pending.output += `\n[harness] killed after ${killAfterMs} ms\n`;
        host.child.kill("SIGKILL");
      }, killAfterMs);
      host.pending = {
        id,
        output: "",
        resolve: (result) => {
          clearTimeout(timer);
          if (this.all.has(host)) {
            if (host.runs >= RUNS_PER_HOST) host.child.kill("SIGKILL");
            else this.idle.push(host);
          }
          resolve(result);
        },
      };
      host.child.send({ id, args });
    });
  }

  /** Ends every host (after their runs have ended) and waits until they are gone. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.all].map(
        (host) =>
          new Promise<void>((resolve) => {
            if (host.child.exitCode !== null || host.child.signalCode !== null) return resolve();
            host.child.once("exit", () => resolve());
            host.child.kill("SIGKILL");
          }),
      ),
    );
  }
}
