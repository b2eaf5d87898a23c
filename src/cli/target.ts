/**
 * What a command's target is: a server file (`server.ts`, `server.js:mcp`), a URL, a fastmcp.json,
 * an MCP client config (`mcp.json` with `mcpServers`), or a command line.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { MCPConfig } from "../transports/config.js";
import { isMcpConfig, readJson } from "./config.js";
import { CliError } from "./ui.js";

export type Target =
  /** A server file; `exportName` from `file.ts:name`. */
  | { kind: "file"; path: string; exportName?: string }
  | { kind: "url"; url: string }
  | { kind: "fastmcp-config"; path: string; document: unknown }
  | { kind: "mcp-config"; path: string; config: MCPConfig }
  | { kind: "command"; command: string };

/** File names the CLI loads itself (TypeScript through a loader, JavaScript as it is). */
export const SERVER_FILE = /\.(?:[cm]?ts|tsx|[cm]?js|jsx)$/i;
export const TYPESCRIPT_FILE = /\.(?:[cm]?ts|tsx)$/i;
const WITH_EXPORT = /^(.+\.(?:[cm]?ts|tsx|[cm]?js|jsx)):([A-Za-z_$][A-Za-z0-9_$]*)$/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Classifies a target as the user typed it. A path that looks like a server file but does not
 * exist is an error here, rather than a command that would fail later with a less clear message.
 */
export async function classify(spec: string, cwd: string = process.cwd()): Promise<Target> {
  const text = spec.trim();
  if (text === "") throw new CliError("The target is empty: give a server file, a URL or a command");
  if (URL_SCHEME.test(text)) {
    try {
      return { kind: "url", url: new URL(text).href };
    } catch (error) {
      throw new CliError(`${text} is not a valid URL`, 1, { cause: error });
    }
  }
  if (/\.json$/i.test(text) && !/\s/.test(text)) {
    const path = resolve(cwd, text);
    const document = await readJson(path);
    if (isMcpConfig(document)) return { kind: "mcp-config", path, config: document as MCPConfig };
    return { kind: "fastmcp-config", path, document };
  }
  const named = WITH_EXPORT.exec(text);
  if (named && !existsSync(resolve(cwd, text))) {
    return { kind: "file", ...existingFile(named[1] as string, cwd), exportName: named[2] as string };
  }
  if (SERVER_FILE.test(text) && !/\s/.test(text)) return { kind: "file", ...existingFile(text, cwd) };
  return { kind: "command", command: text };
}

function existingFile(file: string, cwd: string): { path: string } {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new CliError(`${file}: no such file`);
  if (!statSync(path).isFile()) throw new CliError(`${file}: not a file`);
  return { path };
}

/** How a target reads in messages. */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case "file":
      return target.exportName ? `${target.path}:${target.exportName}` : target.path;
    case "url":
      return target.url;
    case "command":
      return JSON.stringify(target.command);
    default:
      return target.path;
  }
}
