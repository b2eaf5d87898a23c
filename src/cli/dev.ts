/**
 * `fastmcp-ts dev [file]`: the MCP Inspector (`npx @modelcontextprotocol/inspector`) with the
 * server as its stdio command, run through `run --reload` so that saving a file restarts it while
 * the Inspector stays connected.
 */
import { spawn } from "node:child_process";
import { type CommandSpec, helpText, parseCommand, portValue } from "./args.js";
import { findConfig } from "./config.js";
import { selfCommand } from "./self.js";
import { classify } from "./target.js";
import { CliError, note, UsageError } from "./ui.js";

export const DEV: CommandSpec = {
  name: "dev",
  usage:
    "fastmcp-ts dev [<file>[:export] | <fastmcp.json>] [--ui-port PORT] [--server-port PORT] [--inspector-version VERSION] [--no-reload]",
  help: `
Opens the MCP Inspector (npx @modelcontextprotocol/inspector) on the server, over stdio. The server
restarts when a file in its directory changes; the Inspector stays connected. With no file,
./fastmcp.json is used.

Options:
      --ui-port <port>            the Inspector's web UI port (its CLIENT_PORT)
      --server-port <port>        the Inspector's proxy port (its SERVER_PORT)
      --inspector-version <ver>   a version of @modelcontextprotocol/inspector (default: latest)
      --no-reload                 do not restart the server on changes`,
  options: {
    "ui-port": { type: "string" },
    "server-port": { type: "string" },
    "inspector-version": { type: "string" },
    "no-reload": { type: "boolean" },
  },
  positionals: [0, 1],
};

export async function devCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(DEV, argv);
  if (values.help) return void process.stdout.write(helpText(DEV));
  const usage = `Usage: ${DEV.usage}`;
  const uiPort = portValue(values["ui-port"] as string | undefined, "--ui-port", usage);
  const serverPort = portValue(values["server-port"] as string | undefined, "--server-port", usage);
  const version = values["inspector-version"] as string | undefined;
  if (version !== undefined && !/^[\w.+-]+$/.test(version))
    throw new UsageError(
      `--inspector-version must be a version or tag, not ${JSON.stringify(version)}`,
      usage,
    );
  const spec = positionals[0] ?? findConfig();
  if (spec === undefined)
    throw new UsageError("dev: give a server file, or run it where a fastmcp.json is", usage);
  const target = await classify(spec);
  if (target.kind !== "file" && target.kind !== "fastmcp-config")
    throw new UsageError(`dev takes a server file (.ts or .js) or a fastmcp.json, not ${spec}`, usage);
  const runSpec =
    target.kind === "file" && target.exportName ? `${target.path}:${target.exportName}` : target.path;

  const self = selfCommand();
  const server = [self.command, ...self.args, "run", runSpec, ...(values["no-reload"] ? [] : ["--reload"])];
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  const inspector = `@modelcontextprotocol/inspector${version ? `@${version}` : ""}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (uiPort !== undefined) env.CLIENT_PORT = String(uiPort);
  if (serverPort !== undefined) env.SERVER_PORT = String(serverPort);
  note(`fastmcp-ts: starting the MCP Inspector with ${runSpec}`);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(npx, [inspector, ...server], {
      stdio: "inherit",
      env,
      shell: process.platform === "win32",
    });
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "ENOENT"
          ? new CliError("npx was not found on PATH: the MCP Inspector runs through npx (it comes with npm)")
          : new CliError(`Cannot start the MCP Inspector: ${error.message}`, 1, { cause: error }),
      ),
    );
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.once("exit", (exitCode, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(exitCode ?? (signal ? 1 : 0));
    });
  });
  if (code !== 0) throw new CliError(`the MCP Inspector exited with code ${code}`);
}
