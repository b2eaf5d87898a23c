/**
 * The `fastmcp-ts` command as a real subprocess: run it to completion, or start a long-running
 * `run` and wait for the URL it serves.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { join } from "node:path";
import { ROOT } from "./paths.js";

/** The tsx loader as a file URL: any working directory will do. */
export const TSX = import.meta.resolve("tsx");

/** `node` arguments that run the CLI from source. */
export const CLI = ["--import", TSX, join(ROOT, "src/cli/main.ts")];

/** A CLI fixture of test/fixtures/cli. */
export function cliFixture(file: string): string {
  return join(ROOT, "test/fixtures/cli", file);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

function environment(extra: NodeJS.ProcessEnv | undefined): NodeJS.ProcessEnv {
  // No colour, no inherited FASTMCP_* settings: each test says what it wants.
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const key of Object.keys(env))
    if (key.startsWith("FASTMCP_") || key === "FORCE_COLOR") delete env[key];
  return { ...env, ...extra };
}

/** Runs the CLI to its end (stdin closed, or fed `input`). */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: options.cwd ?? ROOT,
      env: environment(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`fastmcp-ts ${args.join(" ")} did not finish: ${stderr}`));
    }, options.timeoutMs ?? 50_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** The first URL the server says it serves. */
  url: Promise<string>;
  stderr(): string;
  /** Resolves to the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts a long-running CLI command (`run ... --transport http`). */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [...CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: environment(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const found = /serving \w+ (\S+)/.exec(err);
      if (found) resolve(found[1] as string);
    });
    exited.then(() => reject(new Error(`exited before serving: ${err}`)));
  });
  url.catch(() => {});
  return {
    child,
    url,
    stderr: () => err,
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      return exited;
    },
  };
}
