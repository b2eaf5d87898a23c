/**
 * Where and how each AI client keeps its MCP servers. Formats as each client documents them:
 * Claude Desktop, Cursor and Gemini CLI keep `mcpServers: { name: { command, args, env } }`;
 * VS Code keeps `servers: { name: { type: "stdio", command, args, env } }` in .vscode/mcp.json.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError } from "./ui.js";

/** A stdio server entry: what the client starts. */
export interface ServerEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface FileClient {
  label: string;
  /** The config file, or a CliError when the client does not seem to be installed. */
  defaultPath(): string;
  /** The top-level key holding the servers. */
  key: "mcpServers" | "servers";
  /** The entry as this client writes it. */
  format(entry: ServerEntry): Record<string, unknown>;
  /** What to tell the user after writing. */
  after: string;
}

/** Claude Desktop's config directory on this OS. */
export function claudeDesktopDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "Claude");
  if (process.platform === "win32")
    return join(env.APPDATA ?? join(homedir(), "AppData", "Roaming"), "Claude");
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "Claude");
}

const plain = (entry: ServerEntry) => ({
  command: entry.command,
  args: entry.args,
  ...(Object.keys(entry.env).length > 0 ? { env: entry.env } : {}),
});

export const FILE_CLIENTS: Record<string, FileClient> = {
  "claude-desktop": {
    label: "Claude Desktop",
    defaultPath() {
      const dir = claudeDesktopDir();
      if (!existsSync(dir))
        throw new CliError(
          `Claude Desktop's config directory ${dir} does not exist: install and start Claude Desktop once, or give --config-path`,
        );
      return join(dir, "claude_desktop_config.json");
    },
    key: "mcpServers",
    format: plain,
    after: "restart Claude Desktop to load it",
  },
  cursor: {
    label: "Cursor",
    defaultPath: () => join(homedir(), ".cursor", "mcp.json"),
    key: "mcpServers",
    format: plain,
    after: "Cursor picks it up from its MCP settings",
  },
  vscode: {
    label: "VS Code",
    defaultPath: () => join(process.cwd(), ".vscode", "mcp.json"),
    key: "servers",
    format: (entry) => ({ type: "stdio", ...plain(entry) }),
    after: "start it from the MCP servers view of this workspace",
  },
  gemini: {
    label: "Gemini CLI",
    defaultPath: () => join(homedir(), ".gemini", "settings.json"),
    key: "mcpServers",
    format: plain,
    after: "restart Gemini CLI to load it",
  },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Adds (or replaces) one server in a client's config file, keeping everything else in it. An
 * entry of the same name keeps its env variables that this install does not set. A file that is
 * not a JSON object is left alone: a CliError says so.
 */
export async function writeEntry(
  file: string,
  client: FileClient,
  name: string,
  entry: ServerEntry,
): Promise<void> {
  let document: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT")
      throw new CliError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`, 1, {
        cause: error,
      });
  }
  if (text !== undefined && text.trim() !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CliError(`${file} is not valid JSON (${(error as Error).message}); it was not changed`, 1, {
        cause: error,
      });
    }
    if (!isRecord(parsed)) throw new CliError(`${file} does not hold a JSON object; it was not changed`);
    document = parsed;
  }
  const servers = document[client.key] ?? {};
  if (!isRecord(servers))
    throw new CliError(`${file}: ${client.key} is not an object; the file was not changed`);
  const previous = servers[name];
  const previousEnv =
    isRecord(previous) && isRecord(previous.env) ? (previous.env as Record<string, string>) : {};
  const formatted = client.format({ ...entry, env: { ...previousEnv, ...entry.env } });
  // defineProperty: a name is data, never a prototype (`__proto__` stays an ordinary key).
  Object.defineProperty(servers, name, {
    value: formatted,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  document[client.key] = servers;
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
