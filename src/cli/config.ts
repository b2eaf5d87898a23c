/**
 * `fastmcp.json`: where a server is and how it runs, in the layout of Python FastMCP's file
 * (`source.path`, `source.entrypoint`, `deployment.*`), checked against the JSON Schema shipped in
 * the package (schema/fastmcp.schema.json) so that an error names the field.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { compileJsonSchemaSync } from "../schema/json-validator.js";
import type { JSONSchema } from "../schema/standard.js";
import type { TransportFlag } from "./args.js";
import { CliError } from "./ui.js";

/** The file `run`, `dev` and `install` use when they are given no target. */
export const CONFIG_FILE = "fastmcp.json";

/** A fastmcp.json, checked, with its paths made absolute and `${VAR}` in env filled in. */
export interface ServerConfig {
  /** The config file itself (absolute). */
  file: string;
  /** The server file (absolute). */
  path: string;
  entrypoint?: string;
  transport?: TransportFlag;
  host?: string;
  port?: number;
  httpPath?: string;
  logLevel?: string;
  env: Record<string, string>;
  cwd?: string;
  args: string[];
}

interface RawConfig {
  source: { path: string; entrypoint?: string };
  deployment?: {
    transport?: string;
    host?: string;
    port?: number;
    path?: string;
    log_level?: string;
    env?: Record<string, string>;
    cwd?: string;
    args?: string[];
  };
}

let validator: ReturnType<typeof compileJsonSchemaSync> | undefined;

async function schemaValidator() {
  if (validator) return validator;
  const url = new URL("../../schema/fastmcp.schema.json", import.meta.url);
  const schema = JSON.parse(await readFile(url, "utf8")) as JSONSchema;
  validator = compileJsonSchemaSync(schema);
  return validator;
}

/** The fastmcp.json in `dir`, if there is one. */
export function findConfig(dir: string = process.cwd()): string | undefined {
  const file = join(dir, CONFIG_FILE);
  return existsSync(file) ? file : undefined;
}

/** Whether a parsed JSON document looks like an MCP client config (`mcpServers`) rather than a fastmcp.json. */
export function isMcpConfig(document: unknown): boolean {
  return typeof document === "object" && document !== null && "mcpServers" in document;
}

/** Reads a JSON file; a missing or broken file is a CliError naming it. */
export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read it (${code})`, 1, {
      cause: error,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CliError(`${file}: not valid JSON (${(error as Error).message})`, 1, { cause: error });
  }
}

/** Replaces `${NAME}` by the variable NAME of `env`; an unset variable is kept as written. */
export function interpolate(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => env[name] ?? whole);
}

/** Loads and checks a fastmcp.json (given as a path, or already parsed). */
export async function loadConfig(file: string, document?: unknown): Promise<ServerConfig> {
  const absolute = resolve(file);
  const raw = document ?? (await readJson(absolute));
  const outcome = await (await schemaValidator()).validate(raw);
  if (!outcome.ok) {
    const issue = outcome.issues[0];
    const where = issue?.path ? issue.path : "(top level)";
    throw new CliError(`${absolute}: ${where}: ${issue?.message ?? "invalid"}`);
  }
  const config = raw as RawConfig;
  const base = dirname(absolute);
  const deployment = config.deployment ?? {};
  const result: ServerConfig = {
    file: absolute,
    path: resolve(base, config.source.path),
    env: Object.fromEntries(Object.entries(deployment.env ?? {}).map(([k, v]) => [k, interpolate(v)])),
    args: deployment.args ?? [],
  };
  if (config.source.entrypoint !== undefined) result.entrypoint = config.source.entrypoint;
  if (deployment.transport !== undefined)
    result.transport = (
      deployment.transport === "streamable-http" ? "http" : deployment.transport
    ) as TransportFlag;
  if (deployment.host !== undefined) result.host = deployment.host;
  if (deployment.port !== undefined) result.port = deployment.port;
  if (deployment.path !== undefined) result.httpPath = deployment.path;
  if (deployment.log_level !== undefined) result.logLevel = deployment.log_level;
  if (deployment.cwd !== undefined) result.cwd = resolve(base, deployment.cwd);
  if (!existsSync(result.path)) throw new CliError(`${absolute}: source.path: ${result.path} does not exist`);
  return result;
}
