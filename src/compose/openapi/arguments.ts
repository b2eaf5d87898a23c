/**
 * A route's tool arguments: one per parameter and, for a JSON or form body describing an object,
 * one per body property (flattened, as Python FastMCP does); any other body is one `body`
 * argument. Names: body properties keep theirs; a parameter whose name is also a body property's
 * or another location's parameter's becomes `name__location` (`id__path`, `id__query`), the
 * suffix Python FastMCP uses. Read-only body properties are left out (the server sets them).
 */
import type { JSONSchema } from "../../schema/standard.js";
import { setOwn } from "./objects.js";
import type { SchemaSet } from "./refs.js";
import type { OpenAPIRoute, RouteParameter } from "./routes.js";

/** Where one argument goes in the request. */
export type Binding =
  | { arg: string; to: "parameter"; parameter: RouteParameter }
  | { arg: string; to: "property"; property: string }
  | { arg: string; to: "body" };

export interface RouteArguments {
  /** The tool's input schema (an object schema, with `$defs` when the document's schemas refer to others). */
  inputSchema: JSONSchema;
  bindings: Binding[];
}

/** Media types whose object bodies are flattened into arguments. */
function flattens(mediaType: string): boolean {
  const base = mediaType.split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    base === "application/json" ||
    base.endsWith("+json") ||
    base === "application/x-www-form-urlencoded" ||
    base === "multipart/form-data"
  );
}

/** The properties and required names of an object schema, through `$ref`s and `allOf`. */
function objectShape(
  schemas: SchemaSet,
  schema: unknown,
): { properties: [string, unknown][]; required: Set<string> } | undefined {
  const properties = new Map<string, unknown>();
  const required = new Set<string>();
  const seen = new Set<unknown>();
  const visit = (node: unknown): boolean => {
    const target = schemas.target(node);
    if (!target || seen.has(target)) return target !== undefined;
    seen.add(target);
    const type = target.type;
    const props = target.properties;
    const isObject =
      type === "object" || (type === undefined && (props !== undefined || target.allOf !== undefined));
    if (!isObject) return false;
    if (target.oneOf !== undefined || target.anyOf !== undefined) return false;
    if (Array.isArray(target.allOf) && !target.allOf.every(visit)) return false;
    if (typeof props === "object" && props !== null) {
      for (const [name, inner] of Object.entries(props)) properties.set(name, inner);
    }
    if (Array.isArray(target.required)) for (const name of target.required) required.add(String(name));
    return true;
  };
  if (!visit(schema) || properties.size === 0) return undefined;
  return { properties: [...properties], required };
}

export function routeArguments(route: OpenAPIRoute, schemas: SchemaSet): RouteArguments {
  const where = `${route.method} ${route.path}`;
  const properties: Record<string, JSONSchema> = {};
  const required: string[] = [];
  const bindings: Binding[] = [];
  const refs = new Set<string>();
  const add = (arg: string, schema: JSONSchema, isRequired: boolean, binding: Binding) => {
    if (Object.hasOwn(properties, arg)) {
      throw new TypeError(`fromOpenAPI: ${where}: two arguments would be named ${arg}`);
    }
    setOwn(properties, arg, schema);
    if (isRequired) required.push(arg);
    bindings.push(binding);
  };
  const convert = (schema: unknown, what: string, description?: string): JSONSchema => {
    const converted = schemas.convert(schema, `${where} ${what}`);
    for (const ref of converted.refs) refs.add(ref);
    const out = converted.schema;
    if (description !== undefined && out.description === undefined) return { ...out, description };
    return out;
  };

  const body = route.body;
  const shape = body && flattens(body.mediaType) ? objectShape(schemas, body.schema) : undefined;
  const bodyNames = new Set<string>();
  if (shape) {
    for (const [name] of shape.properties) bodyNames.add(name);
  } else if (body) bodyNames.add("body");

  const counts = new Map<string, number>();
  for (const parameter of route.parameters) counts.set(parameter.name, (counts.get(parameter.name) ?? 0) + 1);
  for (const parameter of route.parameters) {
    const shared = bodyNames.has(parameter.name) || (counts.get(parameter.name) ?? 0) > 1;
    const arg = shared ? `${parameter.name}__${parameter.in}` : parameter.name;
    const schema = convert(parameter.schema, `parameter ${parameter.name}`, parameter.description);
    add(arg, schema, parameter.required, { arg, to: "parameter", parameter });
  }

  if (shape && body) {
    for (const [name, raw] of shape.properties) {
      const target = schemas.target(raw);
      if (target?.readOnly === true) continue;
      add(name, convert(raw, `body property ${name}`), body.required && shape.required.has(name), {
        arg: name,
        to: "property",
        property: name,
      });
    }
  } else if (body) {
    add("body", convert(body.schema, "request body", body.description), body.required, {
      arg: "body",
      to: "body",
    });
  }

  const inputSchema: JSONSchema = { type: "object", properties };
  if (required.length > 0) inputSchema.required = required;
  const defs = schemas.defsFor(refs);
  if (defs) inputSchema.$defs = defs;
  return { inputSchema, bindings };
}
