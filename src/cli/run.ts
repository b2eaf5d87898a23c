/**
 * `fastmcp-ts run`: serves the server a file exports (or starts itself), a fastmcp.json's server,
 * or a proxy of a URL, a command line or an mcp.json.
 */
import type { RunOptions } from "../server/fastmcp.js";
import { envSettings } from "../server/run-settings.js";
import {
  type CommandSpec,
  helpText,
  parseCommand,
  pathValue,
  portValue,
  type TransportFlag,
  transportValue,
} from "./args.js";
import { findConfig, loadConfig, type ServerConfig } from "./config.js";
import { loadServerFile } from "./load-server.js";
import { type ProxyTarget, proxyTarget } from "./proxy-target.js";
import { classify, type Target } from "./target.js";
import { CliError, note, UsageError } from "./ui.js";

export const RUN: CommandSpec = {
  name: "run",
  usage:
    "fastmcp-ts run [<file.ts|file.js>[:export] | <url> | <command> | <mcp.json> | <fastmcp.json>] [--transport stdio|http|sse|ws] [--host HOST] [--port PORT] [--path PATH] [--workers N] [--log-level LEVEL] [--reload] [-- server args]",
  help: `
Serves a server until stdin ends (stdio) or SIGINT/SIGTERM (HTTP, SSE, WebSocket).

  <file.ts|file.js>[:export]  the FastMCP server the file exports (the default export, mcp, server,
                              app, the only one, or the export named), or the one it starts itself
                              with mcp.run(); TypeScript runs through tsx, without a build step
  <url> | <command> | <mcp.json>  a proxy of that server (quote a command: "npx -y some-server",
                              or put it after --)
  <fastmcp.json>              the server and deployment a fastmcp.json describes; with no target,
                              ./fastmcp.json

Options (these win over fastmcp.json, which wins over FASTMCP_* variables):
  -t, --transport <name>  stdio (default), http, sse or ws
      --host <host>       interface to bind (default 127.0.0.1, or FASTMCP_HOST)
  -p, --port <port>       port (default 8000, or FASTMCP_PORT; 0 picks a free one)
      --path <path>       endpoint path (default /mcp, /sse, /ws)
  -w, --workers <n>       processes serving the port together (default 1, or FASTMCP_WORKERS);
                          without a store, legacy sessions, SSE and WebSocket need 1
  -l, --log-level <lvl>   least severe server log line written (debug, info, warning, error, ...)
      --reload            restart the server when a file next to it changes (development)
      --name <name>       the proxy's server name
      --debug             show stacks on errors
  -h, --help              this help

Examples:
  fastmcp-ts run server.ts
  fastmcp-ts run server.ts:mcp --transport http --port 8080
  fastmcp-ts run server.ts --transport http --workers 4
  fastmcp-ts run fastmcp.json`,
  options: {
    transport: { type: "string", short: "t" },
    host: { type: "string" },
    port: { type: "string", short: "p" },
    path: { type: "string" },
    workers: { type: "string", short: "w" },
    "log-level": { type: "string", short: "l" },
    reload: { type: "boolean" },
    name: { type: "string" },
  },
  positionals: [0, 1],
};

/** What the command line says about serving; each field only when given. */
export interface ServeFlags {
  transport?: TransportFlag;
  host?: string;
  port?: number;
  path?: string;
  workers?: number;
}

/** The run options: the command line's flags over what the file's `run()` call (or nothing) said. */
export function mergeRun(call: RunOptions, flags: ServeFlags): RunOptions {
  const transport = flags.transport ?? call.transport ?? "stdio";
  if (transport === "stdio") {
    const maxLineBytes = "maxLineBytes" in call ? call.maxLineBytes : undefined;
    return maxLineBytes === undefined ? { transport: "stdio" } : { transport: "stdio", maxLineBytes };
  }
  const base = flags.transport !== undefined && flags.transport !== call.transport ? {} : call;
  const { transport: _ignored, ...kept } = base as Record<string, unknown>;
  return {
    ...kept,
    transport: flags.transport ?? (call.transport as Exclude<RunOptions["transport"], "stdio" | undefined>),
    ...(flags.host !== undefined ? { host: flags.host } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    ...(flags.path !== undefined ? { path: flags.path } : {}),
    ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
  } as RunOptions;
}

function flagsFrom(values: Record<string, unknown>, config?: ServerConfig): ServeFlags {
  const usage = `Usage: ${RUN.usage}`;
  const flags: ServeFlags = {};
  const transport = transportValue(values.transport as string | undefined, usage) ?? config?.transport;
  const host = (values.host as string | undefined) ?? config?.host;
  const port = portValue(values.port as string | undefined, "--port", usage) ?? config?.port;
  const path = pathValue(values.path as string | undefined, usage) ?? config?.httpPath;
  if (transport !== undefined) flags.transport = transport;
  if (host !== undefined) flags.host = host;
  if (port !== undefined) flags.port = port;
  if (path !== undefined) flags.path = path;
  const workers = values.workers as string | undefined;
  if (workers !== undefined) {
    if (!/^\d{1,4}$/.test(workers) || Number(workers) < 1)
      throw new UsageError(
        `--workers must be a whole number of at least 1, not ${JSON.stringify(workers)}`,
        usage,
      );
    flags.workers = Number(workers);
  }
  return flags;
}

/** Sets FASTMCP_LOG_LEVEL for this process, after checking it. */
function applyLogLevel(level: string | undefined, usage: string): void {
  if (level === undefined) return;
  try {
    envSettings({ FASTMCP_LOG_LEVEL: level }, "logLevel");
  } catch (error) {
    throw new UsageError(
      `--log-level: ${(error as Error).message.replace(/^FASTMCP_LOG_LEVEL /, "")}`,
      usage,
    );
  }
  process.env.FASTMCP_LOG_LEVEL = level;
}

/** The target from the positional, the words after `--`, or ./fastmcp.json. */
export async function resolveTarget(
  spec: string | undefined,
  rest: string[],
  usage: string,
): Promise<{ target: Target; serverArgs: string[] }> {
  if (spec === undefined && rest.length > 0) {
    return { target: { kind: "command", command: rest.map(quote).join(" ") }, serverArgs: [] };
  }
  const chosen = spec ?? findConfig();
  if (chosen === undefined)
    throw new UsageError("no target given, and there is no fastmcp.json in this directory", usage);
  return { target: await classify(chosen), serverArgs: rest };
}

function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/(["\\$`])/g, "\\$1")}"`;
}

/** Applies a fastmcp.json's environment and working directory to this process. */
export function applyConfig(config: ServerConfig): void {
  Object.assign(process.env, config.env);
  if (config.cwd !== undefined) {
    try {
      process.chdir(config.cwd);
    } catch (error) {
      throw new CliError(`${config.file}: deployment.cwd: cannot enter ${config.cwd}`, 1, { cause: error });
    }
  }
}

/** `fastmcp-ts run ...` */
export async function runCommand(argv: string[]): Promise<void> {
  const { values, positionals, rest } = parseCommand(RUN, argv);
  if (values.help) {
    process.stdout.write(helpText(RUN));
    return;
  }
  const usage = `Usage: ${RUN.usage}`;
  const { target, serverArgs } = await resolveTarget(positionals[0], rest, usage);
  let config: ServerConfig | undefined;
  let file: { path: string; exportName?: string } | undefined;
  if (target.kind === "fastmcp-config") {
    config = await loadConfig(target.path, target.document);
    file = config.entrypoint ? { path: config.path, exportName: config.entrypoint } : { path: config.path };
  } else if (target.kind === "file") file = target;
  const flags = flagsFrom(values, config);
  applyLogLevel((values["log-level"] as string | undefined) ?? config?.logLevel, usage);
  if (file === undefined) {
    return proxyTarget(target as ProxyTarget, {
      ...(values.name !== undefined ? { name: values.name as string } : {}),
      run: mergeRun({}, flags),
    });
  }
  if (values.reload) {
    const { superviseReload } = await import("./reload.js");
    return superviseReload({ argv, file: file.path, transport: flags.transport ?? "stdio" });
  }
  if (config) applyConfig(config);
  const args = [...(config?.args ?? []), ...serverArgs];
  const loaded = await loadServerFile(file.path, {
    ...(file.exportName !== undefined ? { exportName: file.exportName } : {}),
    argv: args,
    mode: {
      serve: (call) => {
        const options = mergeRun(call, flags);
        if (
          options.transport === "stdio" &&
          (flags.port !== undefined || flags.host !== undefined || flags.workers !== undefined)
        )
          note("fastmcp-ts: --host, --port and --workers apply to HTTP transports; serving over stdio");
        if (options.transport === "stdio" && process.stdin.isTTY)
          note(
            "fastmcp-ts: serving over stdio, for an MCP client to start (Ctrl+C stops it); --transport http serves it over HTTP, fastmcp-ts dev opens it in the Inspector",
          );
        return options;
      },
    },
  });
  if (loaded.startedItself) {
    await loaded.evaluated;
    return;
  }
  await loaded.server.run({});
}
