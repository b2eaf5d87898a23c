/**
 * Loading a server file: TypeScript through tsx (no build step), then the server it exports or the
 * one it starts itself with `mcp.run()`, which the run hook reports (so no second server starts).
 */
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FastMCP, RunOptions } from "../server/fastmcp.js";
import { keepCommandLine, setRunHook } from "../server/run-settings.js";
import { TYPESCRIPT_FILE } from "./target.js";
import { CliError } from "./ui.js";

/** What the CLI does with a server the file starts itself: serve it with these options, or only take it. */
export type LoadMode = { serve: (callOptions: RunOptions) => RunOptions } | { capture: true };

export interface LoadedFile {
  /** The server: the one the file started, else the export picked. */
  server: FastMCP;
  /** Whether the file called `run()` itself (and, in serve mode, is serving now). */
  startedItself: boolean;
  /** Settles when the module's evaluation ends (for a file awaiting `mcp.run()`: when serving ends). */
  evaluated: Promise<unknown>;
}

const PREFERRED = ["default", "mcp", "server", "app"];

/** Whether a value is a FastMCP server (duck-typed: the file may import another copy of the package). */
export function isServer(value: unknown): value is FastMCP {
  const candidate = value as Partial<FastMCP> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.run === "function" &&
    typeof candidate.listen === "function" &&
    typeof candidate.createSession === "function"
  );
}

let typeScriptReady: Promise<void> | undefined;

/**
 * Registers tsx's ESM loader, found next to this package or next to the server file (tsx is an
 * optional peer dependency). Without tsx, a Node that strips types itself (>= 23.6, or 22.6 with
 * --experimental-strip-types) is used as it is.
 */
export function enableTypeScript(file: string): Promise<void> {
  typeScriptReady ??= (async () => {
    const candidates = [import.meta.url, pathToFileURL(join(dirname(file), "package.json")).href];
    for (const from of candidates) {
      let api: string;
      try {
        api = createRequire(from).resolve("tsx/esm/api");
      } catch {
        continue;
      }
      // The CJS path resolves; the ESM entry sits next to it.
      const esm = api.replace(/\.cjs$/, ".mjs");
      const { register } = (await import(pathToFileURL(esm).href)) as { register: () => unknown };
      register();
      return;
    }
    if ((process.features as { typescript?: unknown }).typescript) return;
    throw new CliError(
      `${basename(file)} is TypeScript: install tsx to run it without a build step (npm install --save-dev tsx), or run the compiled .js file`,
    );
  })();
  return typeScriptReady;
}

/** Imports the file with console output kept off stdout (it may be the stdio channel or --json output). */
async function importFile(file: string, argv: readonly string[]): Promise<Record<string, unknown>> {
  if (TYPESCRIPT_FILE.test(file)) await enableTypeScript(file);
  // The file sees the argv it would see when run directly (`node server.js ...args`); a cluster
  // worker it starts runs this command again.
  keepCommandLine(process.argv);
  process.argv = [process.argv[0] as string, file, ...argv];
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** Picks the server a module exports: the named export (a server or a function returning one), or the usual names. */
export async function pickExport(
  module: Record<string, unknown>,
  file: string,
  exportName?: string,
): Promise<FastMCP> {
  const name = basename(file);
  if (exportName !== undefined) {
    if (!(exportName in module)) throw new CliError(`${name} has no export named ${exportName}`);
    let value = module[exportName];
    if (typeof value === "function" && !isServer(value)) value = await (value as () => unknown)();
    if (!isServer(value)) throw new CliError(`${name}: the export ${exportName} is not a FastMCP server`);
    return value;
  }
  for (const key of PREFERRED) if (isServer(module[key])) return module[key] as FastMCP;
  const servers = Object.entries(module).filter(([, value]) => isServer(value));
  if (servers.length === 1) return servers[0]?.[1] as FastMCP;
  if (servers.length > 1)
    throw new CliError(
      `${name} exports several servers (${servers.map(([key]) => key).join(", ")}): pick one with ${name}:<export>`,
    );
  throw new CliError(
    `${name} exports no FastMCP server and does not call run(): export it (export default mcp), name it with ${name}:<export>, or call mcp.run() in the file`,
  );
}

/**
 * Loads a server file. In serve mode a `run()` the file calls itself serves with the options the
 * mode returns; in capture mode it serves nothing and only hands the server over.
 */
export async function loadServerFile(
  file: string,
  options: { exportName?: string; argv?: readonly string[]; mode: LoadMode },
): Promise<LoadedFile> {
  let started: FastMCP | undefined;
  let runSeen!: () => void;
  const seen = new Promise<undefined>((resolve) => {
    runSeen = () => resolve(undefined);
  });
  const { mode } = options;
  setRunHook((server, callOptions) => {
    // Only the first run belongs to the CLI; any later one (a second server in the file) runs as written.
    if (started !== undefined) return callOptions;
    started = server as FastMCP;
    runSeen();
    return "capture" in mode ? false : mode.serve(callOptions);
  });
  // For the rest of the process: stdout carries the stdio channel or the command's results, so the
  // server's console.log/info/debug go to stderr (as `run()` over stdio does too).
  console.log = console.info = console.debug = console.error;
  let evaluated: Promise<Record<string, unknown>>;
  try {
    evaluated = importFile(file, options.argv ?? []);
    // A file awaiting `mcp.run()` at top level finishes evaluating only when serving ends: once
    // its run has started, that is the CLI's answer, without waiting for the evaluation.
    const module = await Promise.race([evaluated, seen]);
    if (started !== undefined) return { server: started, startedItself: true, evaluated };
    return {
      server: await pickExport(module as Record<string, unknown>, file, options.exportName),
      startedItself: false,
      evaluated,
    };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`${basename(file)} failed to load: ${(error as Error)?.message ?? String(error)}`, 1, {
      cause: error,
    });
  }
}
