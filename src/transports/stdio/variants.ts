/** Stdio transports for common launchers: Python, Node, uv, uvx and npx. */
import { ConnectionError } from "../../errors.js";
import { StdioTransport, type StdioTransportOptions } from "./client.js";

async function requireFile(path: string, what: string): Promise<void> {
  const { stat } = await import("node:fs/promises");
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ConnectionError(`${what} not found: ${path}`);
}

/** Finds an executable on PATH, for defaults that differ between systems (python vs python3). */
async function onPath(name: string, env: Record<string, string | undefined>): Promise<boolean> {
  const { access, constants } = await import("node:fs/promises");
  const { delimiter, join } = await import("node:path");
  const dirs = (env.PATH ?? process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const ok = await access(join(dir, name), constants.X_OK).then(
      () => true,
      () => false,
    );
    if (ok) return true;
  }
  return false;
}

export interface PythonStdioTransportOptions extends StdioTransportOptions {
  scriptPath: string;
  /** Default: `python`, or `python3` where only that one is on PATH. */
  pythonExecutable?: string;
  args?: string[];
}

/** Runs a Python MCP server script. */
export class PythonStdioTransport extends StdioTransport {
  readonly scriptPath: string;
  private readonly python: string | undefined;

  constructor(options: PythonStdioTransportOptions) {
    const { scriptPath, pythonExecutable, args = [], ...rest } = options;
    super(pythonExecutable ?? "python", [scriptPath, ...args], rest);
    this.scriptPath = scriptPath;
    this.python = pythonExecutable;
  }

  protected override async commandLine(): Promise<{ command: string; args: string[] }> {
    await requireFile(this.scriptPath, "Python script");
    let command = this.python ?? "python";
    if (
      !this.python &&
      !(await onPath("python", this.options.env ?? {})) &&
      (await onPath("python3", this.options.env ?? {}))
    ) {
      command = "python3";
    }
    return { command, args: [...this.args] };
  }
}

export interface NodeStdioTransportOptions extends StdioTransportOptions {
  scriptPath: string;
  nodeExecutable?: string;
  args?: string[];
}

/** Runs a Node MCP server script. */
export class NodeStdioTransport extends StdioTransport {
  readonly scriptPath: string;

  constructor(options: NodeStdioTransportOptions) {
    const { scriptPath, nodeExecutable = "node", args = [], ...rest } = options;
    super(nodeExecutable, [scriptPath, ...args], rest);
    this.scriptPath = scriptPath;
  }

  protected override async commandLine(): Promise<{ command: string; args: string[] }> {
    await requireFile(this.scriptPath, "Node script");
    return super.commandLine();
  }
}

export interface UvStdioTransportOptions extends StdioTransportOptions {
  /** The uv executable (default `uv`). */
  command?: string;
  /** What `uv run` runs, e.g. `["server.py"]` or `["python", "-m", "my_server"]`. */
  args?: string[];
  /** Extra packages (`--with`). */
  withPackages?: string[];
  /** Project directory (`--project`). */
  project?: string;
  /** Python version or interpreter (`--python`). */
  python?: string;
}

/** Runs a server with `uv run`. */
export class UvStdioTransport extends StdioTransport {
  constructor(options: UvStdioTransportOptions = {}) {
    const { command = "uv", args = [], withPackages = [], project, python, ...rest } = options;
    const uvArgs = ["run"];
    if (project !== undefined) uvArgs.push("--project", project);
    if (python !== undefined) uvArgs.push("--python", python);
    for (const pkg of withPackages) uvArgs.push("--with", pkg);
    super(command, [...uvArgs, ...args], rest);
  }
}

export interface UvxStdioTransportOptions extends StdioTransportOptions {
  /** The uvx executable (default `uvx`). */
  command?: string;
  /** The tool to run and its arguments, e.g. `["mcp-server-time", "--local-timezone", "UTC"]`. */
  args?: string[];
  /** Package providing the tool (`--from`). */
  from?: string;
  withPackages?: string[];
  python?: string;
}

/** Runs a published Python tool with `uvx`. */
export class UvxStdioTransport extends StdioTransport {
  constructor(options: UvxStdioTransportOptions = {}) {
    const { command = "uvx", args = [], from, withPackages = [], python, ...rest } = options;
    const uvxArgs: string[] = [];
    if (from !== undefined) uvxArgs.push("--from", from);
    if (python !== undefined) uvxArgs.push("--python", python);
    for (const pkg of withPackages) uvxArgs.push("--with", pkg);
    super(command, [...uvxArgs, ...args], rest);
  }
}

export interface NpxStdioTransportOptions extends StdioTransportOptions {
  /** The npx executable (default `npx`). */
  command?: string;
  /** The package and its arguments, e.g. `["-y", "@modelcontextprotocol/server-everything"]`. */
  args?: string[];
}

/** Runs a published npm package with `npx`. */
export class NpxStdioTransport extends StdioTransport {
  constructor(options: NpxStdioTransportOptions = {}) {
    const { command = "npx", args = [], ...rest } = options;
    super(command, args, rest);
  }
}
