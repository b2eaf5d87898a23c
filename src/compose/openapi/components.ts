/**
 * Registering a document's routes on a FastMCP server through its ordinary API (`tool()`,
 * `resource()`), so validation, middleware, tags and visibility apply as to any component.
 */
import { ResourceError } from "../../errors.js";
import type { ToolAnnotations } from "../../protocol/types.js";
import { compileJsonSchemaSync } from "../../schema/json-validator.js";
import type { JSONSchema } from "../../schema/standard.js";
import type { Context } from "../../server/context.js";
import type { FastMCP } from "../../server/fastmcp.js";
import { type Binding, routeArguments } from "./arguments.js";
import { setOwn } from "./objects.js";
import type { SchemaSet } from "./refs.js";
import { ArgumentError, CallError, type CallSettings, callRoute } from "./request.js";
import { resourceBody, type ToolOutput, toolResult } from "./results.js";
import type { RouteType } from "./route-maps.js";
import type { OpenAPIRoute } from "./routes.js";

/**
 * A component about to be registered, as `componentFn` may change it: its name (or URI), title,
 * description, tags, annotations and `_meta`.
 */
export interface OpenAPIComponent {
  readonly type: Exclude<RouteType, "exclude">;
  /** The tool's name, or the resource's (or template's) name. */
  name: string;
  /** Resources and templates: `resource://<name>`, `resource://<name>/{pathParam}...{?queryParam,...}`. */
  uri: string | undefined;
  title: string | undefined;
  description: string | undefined;
  tags: string[];
  /** Tools only. */
  annotations: ToolAnnotations | undefined;
  _meta: Record<string, unknown> | undefined;
}

/** Everything `register` needs besides the route. */
export interface RegisterSettings {
  schemas: SchemaSet;
  call: CallSettings;
  componentFn: ((route: OpenAPIRoute, component: OpenAPIComponent) => void) | undefined;
}

function describe(route: OpenAPIRoute): { title: string | undefined; description: string | undefined } {
  let description = route.description ?? route.summary;
  if (route.deprecated && description !== undefined) description = `(Deprecated) ${description}`;
  const title = route.description !== undefined ? route.summary : undefined;
  return { title, description };
}

function annotationsFor(method: string): ToolAnnotations | undefined {
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return { readOnlyHint: true };
  if (method === "PUT" || method === "DELETE") return { idempotentHint: true };
  return undefined;
}

/** The JSON schema of a 2xx response's JSON content, or undefined. */
function jsonSchemaOf(response: Record<string, unknown> | undefined): unknown {
  const content = response?.content;
  if (typeof content !== "object" || content === null) return undefined;
  for (const [type, media] of Object.entries(content)) {
    const base = type.split(";")[0]?.trim().toLowerCase() ?? "";
    if (base === "application/json" || base.endsWith("+json")) return (media as { schema?: unknown })?.schema;
  }
  return undefined;
}

/**
 * The output schema: when every success response the document declares has the same JSON schema,
 * that one (a non-object schema wrapped as `{ result }`, as FastMCP tools do). Success answers
 * without a body (204) or with different schemas promise nothing a client could check.
 */
function outputFor(
  route: OpenAPIRoute,
  schemas: SchemaSet,
): { schema: JSONSchema; output: ToolOutput } | undefined {
  const success = Object.keys(route.responses).filter((status) => /^2(\d\d|XX)$/i.test(status));
  if (success.length === 0) return undefined;
  const raw = success.map((status) => jsonSchemaOf(route.responses[status]));
  const first = raw[0];
  if (raw.some((schema) => schema === undefined || JSON.stringify(schema) !== JSON.stringify(first))) {
    return undefined;
  }
  const { schema, refs } = schemas.convert(first, `${route.method} ${route.path} response`);
  const isObject = schemas.isObject(first);
  const defs = schemas.defsFor(refs);
  const json: JSONSchema = isObject
    ? { ...schema, type: "object" }
    : { type: "object", properties: { result: schema }, required: ["result"], "x-fastmcp-wrap-result": true };
  if (defs) json.$defs = { ...(json.$defs as object | undefined), ...defs };
  return { schema: json, output: { validator: compileJsonSchemaSync(json), wrap: !isObject } };
}

/** A name usable as an RFC 6570 variable: characters outside [A-Za-z0-9_] percent-encoded. */
function varName(name: string): string {
  return Array.from(new TextEncoder().encode(name), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

function templateUri(name: string, bindings: readonly Binding[]): string {
  let uri = `resource://${name}`;
  const query: string[] = [];
  for (const binding of bindings) {
    if (binding.to !== "parameter") continue;
    if (binding.parameter.in === "path") uri += `/{${varName(binding.arg)}}`;
    else if (binding.parameter.in === "query") query.push(varName(binding.arg));
  }
  return query.length > 0 ? `${uri}{?${query.join(",")}}` : uri;
}

/** Registers `route` as a component of `type` named `name` on `server`. */
export function register(
  server: FastMCP,
  route: OpenAPIRoute,
  type: Exclude<RouteType, "exclude">,
  name: string,
  tags: string[],
  settings: RegisterSettings,
): void {
  const where = `${route.method} ${route.path}`;
  const { inputSchema, bindings } = routeArguments(route, settings.schemas);
  if (type === "resource" && bindings.some((b) => b.to === "parameter" && b.parameter.in === "path")) {
    throw new TypeError(
      `fromOpenAPI: ${where} has path parameters: map it to "resourceTemplate", not "resource"`,
    );
  }
  const component: OpenAPIComponent = {
    type,
    name,
    uri:
      type === "tool" ? undefined : type === "resource" ? `resource://${name}` : templateUri(name, bindings),
    ...describe(route),
    tags,
    annotations: type === "tool" ? annotationsFor(route.method) : undefined,
    _meta: undefined,
  };
  settings.componentFn?.(route, component);
  const common = {
    ...(component.title === undefined ? {} : { title: component.title }),
    ...(component.description === undefined ? {} : { description: component.description }),
    ...(component.tags.length === 0 ? {} : { tags: component.tags }),
    ...(component._meta === undefined ? {} : { _meta: component._meta }),
  };
  const call = settings.call;

  if (type === "tool") {
    const output = outputFor(route, settings.schemas);
    server.tool(
      component.name,
      {
        ...common,
        inputSchema,
        ...(output ? { outputSchema: output.schema } : {}),
        ...(component.annotations ? { annotations: component.annotations } : {}),
      },
      async (args: Record<string, unknown>, ctx: Context) => {
        try {
          return toolResult(await callRoute(route, bindings, args, call, ctx.signal), output?.output);
        } catch (error) {
          if (error instanceof ArgumentError || error instanceof CallError) {
            return { content: [{ type: "text", text: error.message }], isError: true };
          }
          throw error;
        }
      },
    );
    return;
  }

  const mimeType = declaredMimeType(route);
  const options = { ...common, name: component.name, ...(mimeType ? { mimeType } : {}) };
  const read = async (args: Record<string, unknown>, ctx: Context) => {
    try {
      return resourceBody(await callRoute(route, bindings, args, call, ctx.signal));
    } catch (error) {
      if (error instanceof ArgumentError || error instanceof CallError)
        throw new ResourceError(error.message);
      throw error;
    }
  };
  const uri = component.uri as string;
  if (type === "resource") {
    server.resource(uri, options, (ctx: Context) => read({}, ctx));
    return;
  }
  const byVar = new Map(bindings.map((binding) => [varName(binding.arg), binding.arg]));
  server.resourceTemplate(uri, options, (params: Record<string, string>, ctx: Context) => {
    const args: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      const arg = byVar.get(key);
      if (arg !== undefined && value !== "") setOwn(args, arg, value);
    }
    return read(args, ctx);
  });
}

function declaredMimeType(route: OpenAPIRoute): string | undefined {
  for (const [status, response] of Object.entries(route.responses)) {
    if (!/^2(\d\d|XX)$/i.test(status)) continue;
    const content = response.content;
    if (typeof content === "object" && content !== null) {
      const first = Object.keys(content)[0];
      if (first !== undefined && !first.includes("*")) return first;
    }
  }
  return undefined;
}
