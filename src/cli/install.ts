/**
 * `fastmcp-ts install <client> [file | fastmcp.json]`: adds the server to an AI client's config
 * (Claude Desktop, Cursor, VS Code, Gemini CLI), through `claude mcp add` for Claude Code, or
 * prints the entry (mcp-json). The entry starts this CLI's `run` with absolute paths, so the client
 * may start it from any working directory.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { type CommandSpec, envValues, helpText, parseCommand } from "./args.js";
import { findConfig, loadConfig } from "./config.js";
import { FILE_CLIENTS, type ServerEntry, writeEntry } from "./install-clients.js";
import { loadServerFile } from "./load-server.js";
import { applyConfig } from "./run.js";
import { launchCommand } from "./self.js";
import { classify } from "./target.js";
import { CliError, note, paint, UsageError, withSpinner } from "./ui.js";

const CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode", "gemini", "mcp-json"] as const;

export const INSTALL: CommandSpec = {
  name: "install",
  usage:
    "fastmcp-ts install <claude-desktop|claude-code|cursor|vscode|gemini|mcp-json> [<file>[:export] | <fastmcp.json>] [--name NAME] [--env KEY=VALUE ...] [--config-path FILE] [--scope local|user|project]",
  help: `
Adds a server to an AI client. The file is loaded once to check it and to read the server's name.

Clients:
  claude-desktop  claude_desktop_config.json in Claude Desktop's config directory
  claude-code     runs: claude mcp add <name> [--scope] [-e KEY=VALUE] -- <command>
  cursor          ~/.cursor/mcp.json
  vscode          .vscode/mcp.json in this directory (its "servers" object)
  gemini          ~/.gemini/settings.json
  mcp-json        prints the entry, { "<name>": { command, args, env } }, to paste anywhere

With no file, ./fastmcp.json is installed. Entries already in the file are kept; an entry of the
same name is replaced (keeping env variables this install does not set).

Options:
  -n, --name <name>         the entry's name (default: the server's name)
  -e, --env <KEY=VALUE>     an environment variable for the server (repeatable)
      --config-path <file>  write this config file instead of the client's usual one
      --scope <scope>       claude-code only: local (default), user or project`,
  options: {
    name: { type: "string", short: "n" },
    env: { type: "string", short: "e", multiple: true },
    "config-path": { type: "string" },
    scope: { type: "string" },
  },
  positionals: [1, 2],
};

/** A name clients accept as a key: printable, not empty, at most 100 characters. */
function checkName(name: string, usage: string): string {
  const trimmed = name.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (trimmed === "" || trimmed.length > 100 || /[\u0000-\u001f\u007f]/.test(trimmed))
    throw new UsageError(`--name must be 1 to 100 printable characters, not ${JSON.stringify(name)}`, usage);
  return trimmed;
}

/** The server file (or fastmcp.json) to install and the `run` spec written into the entry. */
async function serverToInstall(
  spec: string | undefined,
  usage: string,
): Promise<{ runSpec: string; name: string }> {
  const chosen = spec ?? findConfig();
  if (chosen === undefined)
    throw new UsageError("install: give a server file, or run it where a fastmcp.json is", usage);
  const target = await classify(chosen);
  if (target.kind === "file") {
    const { server } = await loadServerFile(target.path, {
      ...(target.exportName !== undefined ? { exportName: target.exportName } : {}),
      mode: { capture: true },
    });
    return {
      runSpec: target.exportName ? `${target.path}:${target.exportName}` : target.path,
      name: server.name,
    };
  }
  if (target.kind === "fastmcp-config") {
    const config = await loadConfig(target.path, target.document);
    applyConfig(config);
    const { server } = await loadServerFile(config.path, {
      ...(config.entrypoint !== undefined ? { exportName: config.entrypoint } : {}),
      mode: { capture: true },
    });
    return { runSpec: config.file, name: server.name };
  }
  throw new UsageError(`install takes a server file (.ts or .js) or a fastmcp.json, not ${chosen}`, usage);
}

/** Finds Claude Code's `claude`: on PATH, else its local install (~/.claude/local/claude). */
function claudeCommand(): string {
  const local = join(homedir(), ".claude", "local", "claude");
  const onPath = (process.env.PATH ?? "")
    .split(process.platform === "win32" ? ";" : ":")
    .filter(Boolean)
    .some((dir) => ["claude", "claude.exe", "claude.cmd"].some((file) => existsSync(join(dir, file))));
  if (onPath) return "claude";
  if (existsSync(local)) return local;
  throw new CliError(
    "Claude Code's claude command was not found on PATH (nor in ~/.claude/local); install Claude Code, or use --config-path with another client",
  );
}

function runClaude(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      shell: process.platform === "win32",
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("error", (error) =>
      reject(new CliError(`Cannot start ${command}: ${error.message}`, 1, { cause: error })),
    );
    child.once("close", (code) => {
      if (code === 0) return resolvePromise();
      const detail = output.trim().split("\n")[0] ?? "";
      reject(new CliError(`claude mcp add failed (exit code ${code})${detail ? `: ${detail}` : ""}`));
    });
  });
}

export async function installCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(INSTALL, argv);
  if (values.help) return void process.stdout.write(helpText(INSTALL));
  const usage = `Usage: ${INSTALL.usage}`;
  const client = positionals[0] as string;
  if (!(CLIENTS as readonly string[]).includes(client))
    throw new UsageError(
      `install: unknown client ${JSON.stringify(client)}; one of ${CLIENTS.join(", ")}`,
      usage,
    );
  const scope = values.scope as string | undefined;
  if (scope !== undefined && client !== "claude-code")
    throw new UsageError("install: --scope applies to claude-code only", usage);
  if (scope !== undefined && !["local", "user", "project"].includes(scope))
    throw new UsageError(
      `install: --scope must be local, user or project, not ${JSON.stringify(scope)}`,
      usage,
    );
  const configPath = values["config-path"] as string | undefined;
  if (configPath !== undefined && (client === "claude-code" || client === "mcp-json"))
    throw new UsageError(`install: --config-path does not apply to ${client}`, usage);
  const env = envValues(values.env as string[] | undefined, usage);
  const given = values.name === undefined ? undefined : checkName(values.name as string, usage);
  const found = await withSpinner("Loading the server", () => serverToInstall(positionals[1], usage));
  const name = given ?? checkName(found.name, usage);
  const self = await launchCommand();
  const entry: ServerEntry = { command: self.command, args: [...self.args, "run", found.runSpec], env };
  const c = paint(process.stderr);

  if (client === "mcp-json") {
    const printed = {
      command: entry.command,
      args: entry.args,
      ...(Object.keys(env).length > 0 ? { env } : {}),
    };
    process.stdout.write(`${JSON.stringify({ [name]: printed }, null, 2)}\n`);
    return;
  }
  if (client === "claude-code") {
    const command = claudeCommand();
    const args = ["mcp", "add", name, ...(scope ? ["--scope", scope] : [])];
    for (const [key, value] of Object.entries(env)) args.push("-e", `${key}=${value}`);
    args.push("--", entry.command, ...entry.args);
    await withSpinner("Adding it to Claude Code", () => runClaude(command, args));
    note(`${c.green("✓")} Added ${name} to Claude Code`);
    return;
  }
  const target = FILE_CLIENTS[client];
  if (target === undefined) throw new UsageError(`install: unknown client ${client}`, usage);
  const file = configPath !== undefined ? resolve(configPath) : target.defaultPath();
  await writeEntry(file, target, name, entry);
  note(`${c.green("✓")} Added ${name} to ${target.label} (${file}); ${target.after}`);
}
