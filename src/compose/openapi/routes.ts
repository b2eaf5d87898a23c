/**
 * The operations of an OpenAPI document as routes: method, path, the parameters that apply (the
 * path item's, overridden by the operation's own of the same name and location), the request body
 * and the responses, every structural `$ref` followed.
 */
import type { OpenAPIDocument } from "./load.js";
import { setOwn } from "./objects.js";
import { deref } from "./refs.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

export type ParameterLocation = "path" | "query" | "header" | "cookie";

/** One declared parameter, as the request needs it. */
export interface RouteParameter {
  name: string;
  in: ParameterLocation;
  required: boolean;
  description: string | undefined;
  /** The schema as the document writes it (`content` parameters: their media type's schema). */
  schema: unknown;
  /** OpenAPI serialization: `form`/`simple` by location unless the document says otherwise. */
  style: string;
  explode: boolean;
  /** Declared with `content` (a JSON-serialized value) instead of `schema`. */
  json: boolean;
}

export interface RouteBody {
  required: boolean;
  description: string | undefined;
  /** The media type the request is sent as. */
  mediaType: string;
  schema: unknown;
}

/** An operation of the document: what the route maps, the names and the request read. */
export interface OpenAPIRoute {
  /** Upper case: GET, POST... */
  method: string;
  /** As the document writes it: `/pets/{petId}`. */
  path: string;
  operationId: string | undefined;
  summary: string | undefined;
  description: string | undefined;
  tags: string[];
  parameters: RouteParameter[];
  body: RouteBody | undefined;
  /** Status code (or `2XX`, `default`) -> the response object, `$ref`s followed. */
  responses: Record<string, Record<string, unknown>>;
  deprecated: boolean;
  /** The operation object as the document has it (for `routeMapFn` and `componentFn`). */
  operation: Record<string, unknown>;
}

const LOCATIONS: readonly ParameterLocation[] = ["path", "query", "header", "cookie"];
/** OpenAPI: header parameters with these names "SHALL be ignored" (the request sets them itself). */
const IGNORED_HEADERS = new Set(["accept", "content-type", "authorization"]);

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function collectRoutes(document: OpenAPIDocument): OpenAPIRoute[] {
  const routes: OpenAPIRoute[] = [];
  for (const [path, rawItem] of Object.entries(document.paths ?? {})) {
    if (path.startsWith("x-")) continue;
    if (!path.startsWith("/"))
      throw new TypeError(`fromOpenAPI: path ${JSON.stringify(path)} must start with "/"`);
    const item = deref(document, rawItem, `path ${path}`);
    const shared = parameters(document, item.parameters, `path ${path}`);
    for (const method of METHODS) {
      const rawOperation = item[method];
      if (rawOperation === undefined) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const operation = deref(document, rawOperation, where);
      const own = parameters(document, operation.parameters, where);
      const merged = new Map<string, RouteParameter>();
      for (const parameter of [...shared, ...own]) merged.set(`${parameter.in}:${parameter.name}`, parameter);
      const declared = [...merged.values()];
      for (const name of path.match(/\{[^}]*\}/g) ?? []) {
        const bare = name.slice(1, -1);
        if (!declared.some((p) => p.in === "path" && p.name === bare)) {
          throw new TypeError(`fromOpenAPI: ${where} has no path parameter named ${bare}`);
        }
      }
      routes.push({
        method: method.toUpperCase(),
        path,
        operationId: text(operation.operationId),
        summary: text(operation.summary),
        description: text(operation.description),
        tags: Array.isArray(operation.tags) ? operation.tags.filter((tag) => typeof tag === "string") : [],
        parameters: declared,
        body: requestBody(document, operation.requestBody, where),
        responses: responses(document, operation.responses, where),
        deprecated: operation.deprecated === true,
        operation,
      });
    }
  }
  return routes;
}

function parameters(document: OpenAPIDocument, list: unknown, where: string): RouteParameter[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new TypeError(`fromOpenAPI: ${where}: parameters must be an array`);
  const out: RouteParameter[] = [];
  for (const raw of list) {
    const parameter = deref(document, raw, `a parameter of ${where}`);
    const name = parameter.name;
    const location = parameter.in as ParameterLocation;
    if (typeof name !== "string" || name === "" || !LOCATIONS.includes(location)) {
      throw new TypeError(
        `fromOpenAPI: ${where}: a parameter needs a name and an "in" of ${LOCATIONS.join(", ")}`,
      );
    }
    if (location === "header" && IGNORED_HEADERS.has(name.toLowerCase())) continue;
    let schema: unknown = parameter.schema;
    let json = false;
    if (schema === undefined && typeof parameter.content === "object" && parameter.content !== null) {
      const first = Object.values(parameter.content as Record<string, { schema?: unknown }>)[0];
      schema = first?.schema;
      json = true;
    }
    const style =
      text(parameter.style) ?? (location === "query" || location === "cookie" ? "form" : "simple");
    out.push({
      name,
      in: location,
      required: location === "path" || parameter.required === true,
      description: text(parameter.description),
      schema: schema ?? {},
      style,
      explode: typeof parameter.explode === "boolean" ? parameter.explode : style === "form",
      json,
    });
  }
  return out;
}

/** Media types we send, best first: JSON, then forms, then text. */
function pickMediaType(types: string[]): string | undefined {
  const base = (type: string) => type.split(";")[0]?.trim().toLowerCase() ?? "";
  return (
    types.find((t) => base(t) === "application/json") ??
    types.find((t) => /\+json$/.test(base(t))) ??
    types.find((t) => base(t) === "application/x-www-form-urlencoded") ??
    types.find((t) => base(t) === "multipart/form-data") ??
    types.find((t) => base(t).startsWith("text/")) ??
    types[0]
  );
}

function requestBody(document: OpenAPIDocument, raw: unknown, where: string): RouteBody | undefined {
  if (raw === undefined) return undefined;
  const body = deref(document, raw, `the request body of ${where}`);
  const content = body.content;
  if (typeof content !== "object" || content === null) return undefined;
  const mediaType = pickMediaType(Object.keys(content));
  if (mediaType === undefined) return undefined;
  const media = (content as Record<string, { schema?: unknown }>)[mediaType];
  return {
    required: body.required === true,
    description: text(body.description),
    mediaType,
    schema: media?.schema ?? {},
  };
}

function responses(
  document: OpenAPIDocument,
  raw: unknown,
  where: string,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (typeof raw !== "object" || raw === null) return out;
  for (const [status, response] of Object.entries(raw)) {
    if (status.startsWith("x-")) continue;
    setOwn(out, status, deref(document, response, `response ${status} of ${where}`));
  }
  return out;
}
