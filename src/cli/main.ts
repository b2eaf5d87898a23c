#!/usr/bin/env node
/**
 * The `fastmcp` command: run a server file, or inspect and call any MCP server from the shell.
 *
 *   fastmcp run server.js [--transport stdio|http|sse|ws] [--host H] [--port P] [--path /mcp]
 *   fastmcp list <target>                  tools, resources, templates and prompts of a server
 *   fastmcp call <target> <tool> [json]    calls a tool and prints its result
 *   fastmcp version
 *
 * A target is anything `new Client(target)` accepts: a URL, a script path or a quoted command line.
 */
import { realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "../client/client.js";
import { FastMCP } from "../server/fastmcp.js";

const USAGE = `Usage:
  fastmcp run <server file> [--transport stdio|http|sse|ws] [--host HOST] [--port PORT] [--path PATH]
  fastmcp list <target>
  fastmcp call <target> <tool> [JSON arguments]
  fastmcp version`;

function flags(args: string[]): { positional: string[]; options: Record<string, string> } {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg.startsWith("--")) {
      const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
      options[name] = inline ?? (args[++i] as string | undefined) ?? "";
    } else positional.push(arg);
  }
  return { positional, options };
}

/** Finds the FastMCP server a module exports: the default export, `mcp`, `server`, or the only one. */
export function findServer(module: Record<string, unknown>): FastMCP | undefined {
  for (const name of ["default", "mcp", "server", "app"]) {
    if (module[name] instanceof FastMCP) return module[name] as FastMCP;
  }
  const servers = Object.values(module).filter((value): value is FastMCP => value instanceof FastMCP);
  return servers.length === 1 ? servers[0] : undefined;
}

async function run(file: string, options: Record<string, string>): Promise<void> {
  const module = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  const server = findServer(module);
  if (!server)
    throw new Error(`${file} exports no FastMCP server (export it as default, or as mcp or server)`);
  const transport = options.transport ?? "stdio";
  if (transport === "stdio") return server.run();
  if (transport !== "http" && transport !== "sse" && transport !== "ws") {
    throw new Error(`Unknown transport ${transport}; use stdio, http, sse or ws`);
  }
  const port = options.port === undefined ? undefined : Number(options.port);
  await server.run({
    transport,
    ...(options.host ? { host: options.host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(options.path ? { path: options.path } : {}),
  });
}

async function list(target: string): Promise<void> {
  await using client = await Client.connect(target);
  const out = process.stdout;
  out.write(
    `${client.serverInfo?.name ?? "server"} ${client.serverInfo?.version ?? ""} (${client.protocolVersion})\n`,
  );
  const capabilities = client.serverCapabilities ?? {};
  if (capabilities.tools)
    for (const tool of await client.listTools())
      out.write(`tool      ${tool.name}${tool.description ? `  ${tool.description}` : ""}\n`);
  if (capabilities.resources) {
    for (const resource of await client.listResources()) out.write(`resource  ${resource.uri}\n`);
    for (const template of await client.listResourceTemplates())
      out.write(`template  ${template.uriTemplate}\n`);
  }
  if (capabilities.prompts)
    for (const prompt of await client.listPrompts()) out.write(`prompt    ${prompt.name}\n`);
}

async function call(target: string, tool: string, json: string | undefined): Promise<void> {
  const args = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  await using client = await Client.connect(target);
  const result = await client.callTool(tool, args, { raiseOnError: false });
  process.stdout.write(
    `${result.structuredContent !== undefined ? JSON.stringify(result.structuredContent, null, 2) : result.text}\n`,
  );
  if (result.isError) process.exitCode = 1;
}

async function version(): Promise<void> {
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  process.stdout.write(`fastmcp-ts ${pkg.version}\n`);
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { positional, options } = flags(rest);
  switch (command) {
    case "run":
      if (!positional[0]) throw new Error(USAGE);
      return run(positional[0], options);
    case "list":
      if (!positional[0]) throw new Error(USAGE);
      return list(positional[0]);
    case "call":
      if (!positional[0] || !positional[1]) throw new Error(USAGE);
      return call(positional[0], positional[1], positional[2]);
    case "version":
    case "--version":
      return version();
    default:
      process.stdout.write(`${USAGE}\n`);
      if (command && command !== "help" && command !== "--help") process.exitCode = 2;
  }
}

function invokedDirectly(): boolean {
  try {
    // npm links the bin: compare real paths.
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? "")).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`fastmcp: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
