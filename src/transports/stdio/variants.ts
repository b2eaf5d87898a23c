/**
 * Stdio transports for common launchers: Python, Node, uv, uvx and npx. What the script launchers
 * check before spawning (launch-checks.ts) loads with their first `connect()`.
 */
import { StdioTransport, type StdioTransportOptions } from "./client.js";

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
    const { pythonCommand, requireFile } = await import("./launch-checks.js");
    await requireFile(this.scriptPath, "Python script");
    const command = this.python ?? (await pythonCommand(this.options.env ?? {}));
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
    const { requireFile } = await import("./launch-checks.js");
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
