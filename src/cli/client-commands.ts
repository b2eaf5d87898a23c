/**
 * `list`, `call` and `inspect`: connect to a server (a file loaded in memory, a fastmcp.json, a
 * URL, a command line or an mcp.json) and print what it offers, as text or `--json`.
 */
import type { Client } from "../client/client.js";
import type { Tool } from "../protocol/types.js";
import { type CommandSpec, helpText, parseCommand } from "./args.js";
import { loadConfig } from "./config.js";
import { loadServerFile } from "./load-server.js";
import { applyConfig } from "./run.js";
import { classify, describeTarget } from "./target.js";
import { CliError, paint, UsageError, withSpinner } from "./ui.js";

const TARGET_HELP = `
  <target>  a server file (server.ts, server.js:mcp; loaded in this process), a fastmcp.json, a URL
            (http://host/mcp, .../sse, ws://...), an mcp.json with mcpServers, or a quoted command
            line ("python server.py", "npx -y some-server")`;

export const LIST: CommandSpec = {
  name: "list",
  usage: "fastmcp-ts list <target> [--json]",
  help: `Lists a server's tools, resources, resource templates and prompts.\n${TARGET_HELP}\n\n      --json  one JSON document (the full definitions)`,
  options: { json: { type: "boolean" } },
  positionals: [1, 1],
};

export const CALL: CommandSpec = {
  name: "call",
  usage: "fastmcp-ts call <target> <tool> [JSON object | key=value ...] [--json]",
  help: `Calls a tool and prints its result (structured content as JSON, else its text); exits 1 when
the tool reports an error.
${TARGET_HELP}

Arguments: one JSON object ('{"a": 1}'), or key=value words; a value is taken as JSON when the
tool's schema wants something other than a string (a=5 is the number 5, tags='["x"]' an array).

      --json  the whole result as JSON (content, structuredContent, isError)`,
  options: { json: { type: "boolean" } },
  positionals: [2, Number.POSITIVE_INFINITY],
};

export const INSPECT: CommandSpec = {
  name: "inspect",
  usage: "fastmcp-ts inspect <target> [--json]",
  help: `Shows a server's info, protocol version, capabilities, instructions, tools, resources,
templates and prompts.
${TARGET_HELP}

      --json  one JSON document`,
  options: { json: { type: "boolean" } },
  positionals: [1, 1],
};

/** Connects to a target; a server file is loaded here and talked to in memory. */
async function connect(spec: string): Promise<Client> {
  const { Client } = await import("../client/client.js");
  const target = await classify(spec);
  return withSpinner(`Connecting to ${describeTarget(target)}`, async () => {
    if (target.kind === "file" || target.kind === "fastmcp-config") {
      let file: { path: string; exportName?: string | undefined } =
        target.kind === "file" ? target : { path: "" };
      if (target.kind === "fastmcp-config") {
        const config = await loadConfig(target.path, target.document);
        applyConfig(config);
        file = { path: config.path, exportName: config.entrypoint };
      }
      const { server } = await loadServerFile(file.path, {
        ...(file.exportName !== undefined ? { exportName: file.exportName } : {}),
        mode: { capture: true },
      });
      return Client.connect(server);
    }
    const clientTarget =
      target.kind === "mcp-config" ? target.config : target.kind === "url" ? target.url : target.command;
    try {
      return await Client.connect(clientTarget);
    } catch (error) {
      throw new CliError(`Cannot connect to ${describeTarget(target)}: ${(error as Error).message}`, 1, {
        cause: error,
      });
    }
  });
}

interface Listing {
  server: { name?: string | undefined; version?: string | undefined; title?: string };
  protocolVersion: string | undefined;
  instructions?: string;
  capabilities: Record<string, unknown>;
  tools: Tool[];
  resources: unknown[];
  resourceTemplates: unknown[];
  prompts: unknown[];
}

async function listing(client: Client): Promise<Listing> {
  const capabilities = (client.serverCapabilities ?? {}) as Record<string, unknown>;
  const info = client.serverInfo;
  return {
    server: { name: info?.name, version: info?.version, ...(info?.title ? { title: info.title } : {}) },
    protocolVersion: client.protocolVersion,
    ...(client.instructions ? { instructions: client.instructions } : {}),
    capabilities,
    tools: capabilities.tools ? await client.listTools() : [],
    resources: capabilities.resources ? await client.listResources() : [],
    resourceTemplates: capabilities.resources ? await client.listResourceTemplates() : [],
    prompts: capabilities.prompts ? await client.listPrompts() : [],
  };
}

function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function printListing(found: Listing, withDetails: boolean): void {
  const out = process.stdout;
  const c = paint(out);
  out.write(
    `${c.bold(found.server.name ?? "server")} ${found.server.version ?? ""} (${found.protocolVersion})\n`,
  );
  if (withDetails) {
    if (found.instructions) out.write(`instructions  ${found.instructions}\n`);
    const names = Object.keys(found.capabilities);
    out.write(`capabilities  ${names.length > 0 ? names.join(", ") : "(none)"}\n`);
  }
  for (const tool of found.tools)
    out.write(`tool      ${c.cyan(tool.name)}${tool.description ? `  ${tool.description}` : ""}\n`);
  for (const resource of found.resources as { uri: string; description?: string }[])
    out.write(
      `resource  ${c.cyan(resource.uri)}${withDetails && resource.description ? `  ${resource.description}` : ""}\n`,
    );
  for (const template of found.resourceTemplates as { uriTemplate: string; description?: string }[])
    out.write(
      `template  ${c.cyan(template.uriTemplate)}${withDetails && template.description ? `  ${template.description}` : ""}\n`,
    );
  for (const prompt of found.prompts as { name: string; description?: string }[])
    out.write(
      `prompt    ${c.cyan(prompt.name)}${withDetails && prompt.description ? `  ${prompt.description}` : ""}\n`,
    );
}

export async function listCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(LIST, argv);
  if (values.help) return void process.stdout.write(helpText(LIST));
  await using client = await connect(positionals[0] as string);
  const found = await listing(client);
  if (values.json) {
    const { capabilities: _c, instructions: _i, ...rest } = found;
    return json(rest);
  }
  printListing(found, false);
}

export async function inspectCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(INSPECT, argv);
  if (values.help) return void process.stdout.write(helpText(INSPECT));
  await using client = await connect(positionals[0] as string);
  const found = await listing(client);
  if (values.json) return json(found);
  printListing(found, true);
}

/** The arguments of `call`: one JSON object, or key=value words typed by the tool's schema. */
export function toolArguments(words: string[], tool: Tool): Record<string, unknown> {
  const usage = `Usage: ${CALL.usage}`;
  if (words.length === 1 && words[0]?.trim().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(words[0]);
    } catch (error) {
      throw new UsageError(`call: the arguments are not valid JSON (${(error as Error).message})`, usage);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new UsageError("call: the JSON arguments must be an object", usage);
    return parsed as Record<string, unknown>;
  }
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const args: Record<string, unknown> = {};
  for (const word of words) {
    const at = word.indexOf("=");
    if (at <= 0)
      throw new UsageError(`call: ${JSON.stringify(word)} is not key=value (or pass one JSON object)`, usage);
    const key = word.slice(0, at);
    const raw = word.slice(at + 1);
    const type = properties[key]?.type;
    const wantsString =
      type === "string" || (Array.isArray(type) && type.length === 1 && type[0] === "string");
    let value: unknown = raw;
    if (!wantsString) {
      try {
        value = JSON.parse(raw);
      } catch {
        // not JSON: the server's validation names the field if a string will not do
      }
    }
    // defineProperty: a key is data, even `__proto__`.
    Object.defineProperty(args, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return args;
}

export async function callCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(CALL, argv);
  if (values.help) return void process.stdout.write(helpText(CALL));
  const [target, name, ...words] = positionals as [string, string, ...string[]];
  await using client = await connect(target);
  const tools = await client.listTools();
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) {
    const known = tools.map((candidate) => candidate.name).join(", ");
    throw new CliError(`The server has no tool named ${name} (its tools: ${known || "none"})`);
  }
  const args = toolArguments(words, tool);
  const result = await withSpinner(`Calling ${name}`, () =>
    client.callTool(name, args, { raiseOnError: false }),
  );
  if (values.json) json(result.raw);
  else {
    const body =
      result.structuredContent !== undefined
        ? JSON.stringify(result.structuredContent, null, 2)
        : result.text;
    process.stdout.write(`${body}\n`);
  }
  if (result.isError) process.exitCode = 1;
}
