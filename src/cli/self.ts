/**
 * How to start this CLI again (the server command `dev` gives the Inspector, `run --reload`'s
 * child, the entries `install` writes): this Node, the loaders it was started with, this script.
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";

let script: string | undefined;

/** Records the CLI's own script path; main.ts calls it first thing. */
export function recordSelf(path: string): void {
  script = path;
}

/** Node flags worth passing on: loaders (made absolute, so any working directory will do). */
function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const [flag, inline] = arg.includes("=")
      ? (arg.split(/=(.*)/s, 2) as [string, string])
      : [arg, undefined];
    if (!["--import", "--require", "-r", "--loader", "--experimental-loader"].includes(flag)) continue;
    const value = inline ?? execArgv[++i];
    if (value === undefined) continue;
    kept.push(flag, absoluteSpecifier(value));
  }
  return kept;
}

function absoluteSpecifier(specifier: string): string {
  if (isAbsolute(specifier) || /^[a-z]+:/i.test(specifier)) return specifier;
  if (specifier.startsWith(".")) return resolve(specifier);
  try {
    return import.meta.resolve(specifier);
  } catch {
    return specifier;
  }
}

/** The command and arguments that run this CLI: `[node, ...loaders, script]`. */
export function selfCommand(): { command: string; args: string[] } {
  if (script === undefined) throw new Error("the CLI script is unknown (recordSelf was not called)");
  return { command: process.execPath, args: [...loaderFlags(process.execArgv), script] };
}

/** This package's version, from its package.json. */
export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/**
 * The command a client's config should hold to start this CLI later: this Node and script, or,
 * when this copy lives in npx's temporary cache (`npx fastmcp-ts install ...`), which may be
 * cleaned, `npx -y fastmcp-ts@<this version>`.
 */
export async function launchCommand(): Promise<{ command: string; args: string[] }> {
  const self = selfCommand();
  if (script !== undefined && /[\\/]_npx[\\/]/.test(script)) {
    const npx = process.platform === "win32" ? "npx.cmd" : "npx";
    return { command: npx, args: ["-y", `fastmcp-ts@${await packageVersion()}`] };
  }
  return self;
}
