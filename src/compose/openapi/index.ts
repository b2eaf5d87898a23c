/**
 * `fastmcp-ts/openapi`: an MCP server from an OpenAPI 3.0 or 3.1 document. Every operation becomes
 * a tool (or, by route maps, a resource or resource template) that calls the API with `fetch`.
 *
 * @example
 * ```ts
 * import { fromOpenAPI } from "fastmcp-ts/openapi";   // or FastMCP.fromOpenAPI
 *
 * const mcp = await fromOpenAPI("https://petstore.example.com/openapi.json", {
 *   headers: { authorization: `Bearer ${process.env.API_TOKEN}` },
 *   routeMaps: [{ pattern: "^/admin/", type: "exclude" }],
 * });
 * await mcp.run();
 * ```
 */
import { FastMCP, type FastMCPOptions } from "../../server/fastmcp.js";
import { type OpenAPIComponent, register } from "./components.js";
import { loadDocument, type OpenAPISource, resolveBaseUrl } from "./load.js";
import { baseName, UniqueNames } from "./naming.js";
import { SchemaSet } from "./refs.js";
import { compileRouteMaps, matchRoute, type RouteMap, type RouteType } from "./route-maps.js";
import { collectRoutes, type OpenAPIRoute } from "./routes.js";

export type { OpenAPIComponent } from "./components.js";
export type { OpenAPIDocument, OpenAPISource } from "./load.js";
export type { RouteMap, RouteType } from "./route-maps.js";
export type { OpenAPIRoute, ParameterLocation, RouteBody, RouteParameter } from "./routes.js";

/** Options of {@link fromOpenAPI}; the server options (`name`, `instructions`, ...) apply too. */
export interface FromOpenAPIOptions extends Omit<FastMCPOptions, "name"> {
  /** The server's name; default the document's `info.title`. */
  name?: string;
  /** Where the API is; default the document's first server (resolved against the document's URL). */
  baseUrl?: string | URL;
  /** Sent with every request (credentials, for instance); a header parameter of the same name wins. */
  headers?: Record<string, string>;
  /** Which operations become tools, resources, templates or nothing; first match wins, the rest are tools. */
  routeMaps?: readonly RouteMap[];
  /**
   * Called for every route with the type the route maps chose (excluded ones too); a type returned
   * replaces it (Python FastMCP's `route_map_fn`).
   */
  routeMapFn?: (route: OpenAPIRoute, type: RouteType) => RouteType | undefined | void;
  /** Component names by `operationId` (Python FastMCP's `mcp_names`). */
  names?: Readonly<Record<string, string>>;
  /** Tags given to every component (besides the operation's OpenAPI tags and the route map's `mcpTags`). */
  tags?: readonly string[];
  /** Changes a component before it is registered (Python FastMCP's `mcp_component_fn`). */
  componentFn?: (route: OpenAPIRoute, component: OpenAPIComponent) => void;
  /** Milliseconds one API call may take (default 30000); past it the call is aborted and reported. */
  timeout?: number;
  /** The largest response body read, in bytes (default 10 MiB); a larger one is reported as an error. */
  maxResponseBytes?: number;
  /** The fetch to call the API (and to load a document given as a URL) with; default the global one. */
  fetch?: typeof fetch;
}

const ROUTE_TYPES: readonly unknown[] = ["tool", "resource", "resourceTemplate", "exclude"];
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`fromOpenAPI: ${what} must be a positive number`);
  return value;
}

/**
 * Builds a FastMCP server from an OpenAPI 3.0 or 3.1 document: a parsed object, JSON or YAML text
 * (YAML needs the optional `yaml` package), or a URL to fetch it from. Each operation becomes a
 * tool named by its `operationId`, taking its path, query, header and cookie parameters and its
 * body's properties as arguments; a call sends the request with `fetch`, and a non-2xx answer is an
 * `isError` result carrying the status and body. Resolves once every component is registered;
 * rejects with a TypeError for a document it cannot use (unknown `$ref`, bad parameters...).
 *
 * Path parameters are percent-encoded (an argument cannot add segments, `.`/`..` are refused),
 * redirects are not followed, and a parameter whose name is also a body property's (or another
 * location's) is the argument `name__path`, `name__query`, `name__header` or `name__cookie`.
 * GETs mapped to resources are read from `resource://<name>`; templates from
 * `resource://<name>/{pathParam}...{?queryParam,...}`.
 *
 * @example
 * ```ts
 * const mcp = await fromOpenAPI(spec, {
 *   baseUrl: "https://api.example.com/v1",
 *   routeMaps: [
 *     { methods: ["GET"], pattern: /\{/, type: "resourceTemplate" },
 *     { methods: ["GET"], type: "resource" },
 *   ],
 * });
 * ```
 */
export async function fromOpenAPI(spec: OpenAPISource, options: FromOpenAPIOptions = {}): Promise<FastMCP> {
  const {
    baseUrl,
    headers,
    routeMaps,
    routeMapFn,
    names,
    tags,
    componentFn,
    timeout,
    maxResponseBytes,
    fetch: fetchOption,
    name,
    ...serverOptions
  } = options;
  const fetchImpl = fetchOption ?? globalThis.fetch;
  const loaded = await loadDocument(spec, fetchImpl);
  const call = {
    baseUrl: resolveBaseUrl(loaded, baseUrl),
    headers: checkHeaders(headers),
    timeoutMs: positive(timeout, DEFAULT_TIMEOUT_MS, "timeout"),
    maxResponseBytes: positive(maxResponseBytes, DEFAULT_MAX_RESPONSE_BYTES, "maxResponseBytes"),
    fetch: fetchImpl,
  };
  const maps = compileRouteMaps(routeMaps);
  const info = loaded.document.info ?? {};
  const server = new FastMCP({
    ...(info.version === undefined ? {} : { version: String(info.version) }),
    ...(info.description === undefined ? {} : { instructions: String(info.description) }),
    ...serverOptions,
    name: name ?? (typeof info.title === "string" && info.title !== "" ? info.title : "OpenAPI"),
  });
  const schemas = new SchemaSet(loaded.document, loaded.version);
  const unique = new UniqueNames();
  const routes = prefixed(() => collectRoutes(loaded.document));
  for (const route of routes) {
    const map = matchRoute(maps, route);
    let type: RouteType = map?.type ?? "tool";
    const chosen = routeMapFn?.(route, type);
    if (chosen !== undefined && chosen !== null) {
      if (!ROUTE_TYPES.includes(chosen)) {
        throw new TypeError(
          `fromOpenAPI: routeMapFn returned ${JSON.stringify(chosen)} for ${route.method} ${route.path}`,
        );
      }
      type = chosen;
    }
    if (type === "exclude") continue;
    const componentName = unique.claim(baseName(route.operationId, route.method, route.path, names));
    const componentTags = [...new Set([...route.tags, ...(map?.mcpTags ?? []), ...(tags ?? [])])];
    prefixed(() =>
      register(server, route, type as Exclude<RouteType, "exclude">, componentName, componentTags, {
        schemas,
        call,
        componentFn,
      }),
    );
  }
  await server.ready();
  return server;
}

/** Runs `work`, naming fromOpenAPI in the message of a document error that does not yet. */
function prefixed<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof TypeError && !error.message.startsWith("fromOpenAPI:")) {
      throw new TypeError(`fromOpenAPI: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function checkHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  if (headers === undefined) return {};
  try {
    new Headers(headers);
  } catch (error) {
    throw new TypeError(`fromOpenAPI: headers: ${(error as Error).message}`, { cause: error });
  }
  return { ...headers };
}
