/**
 * Which MCP component an OpenAPI operation becomes: an ordered list of route maps, the first one
 * matching wins, everything else is a tool (Python FastMCP 3's default).
 */
import type { OpenAPIRoute } from "./routes.js";

/** What a route becomes: a tool, a resource, a resource template, or nothing. */
export type RouteType = "tool" | "resource" | "resourceTemplate" | "exclude";

/**
 * One mapping rule (Python FastMCP's `RouteMap`): a route matches when its method is one of
 * `methods`, its path matches `pattern` and it carries every tag in `tags`; criteria left out match
 * everything.
 *
 * @example
 * ```ts
 * const routeMaps: RouteMap[] = [
 *   { methods: ["GET"], pattern: /\{[^}]+\}/, type: "resourceTemplate" },
 *   { methods: ["GET"], type: "resource" },
 *   { pattern: "^/admin/", type: "exclude" },
 *   { tags: ["internal"], type: "exclude" },
 * ];
 * ```
 */
export interface RouteMap {
  /** HTTP methods (any case), or `"*"` for all (the default). */
  methods?: readonly string[] | "*";
  /** Matched against the path as the document writes it (`/pets/{petId}`); a string is a RegExp source. */
  pattern?: RegExp | string;
  /** OpenAPI tags the operation must all carry. */
  tags?: readonly string[];
  type: RouteType;
  /** Tags given to the components this rule makes (for `includeTags`, `disable({ tags })`...). */
  mcpTags?: readonly string[];
}

/** A route map with its pattern compiled. */
export interface CompiledRouteMap {
  methods: ReadonlySet<string> | undefined;
  pattern: RegExp | undefined;
  tags: readonly string[];
  type: RouteType;
  mcpTags: readonly string[];
}

const TYPES: readonly RouteType[] = ["tool", "resource", "resourceTemplate", "exclude"];

/** Checks and compiles route maps once, at load. */
export function compileRouteMaps(maps: readonly RouteMap[] | undefined): CompiledRouteMap[] {
  if (maps === undefined) return [];
  if (!Array.isArray(maps as unknown)) throw new TypeError("fromOpenAPI: routeMaps must be an array");
  return maps.map((map: RouteMap, index: number): CompiledRouteMap => {
    if (!TYPES.includes(map?.type)) {
      throw new TypeError(`fromOpenAPI: routeMaps[${index}].type must be one of ${TYPES.join(", ")}`);
    }
    let pattern: RegExp | undefined;
    if (map.pattern instanceof RegExp) pattern = map.pattern;
    else if (typeof map.pattern === "string") pattern = new RegExp(map.pattern);
    else if (map.pattern !== undefined) {
      throw new TypeError(`fromOpenAPI: routeMaps[${index}].pattern must be a RegExp or a string`);
    }
    // A global or sticky RegExp keeps state between test() calls: copy it without those flags.
    if (pattern && (pattern.global || pattern.sticky)) {
      pattern = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    }
    const methods =
      map.methods === undefined || map.methods === "*"
        ? undefined
        : new Set(map.methods.map((method) => method.toUpperCase()));
    return { methods, pattern, tags: map.tags ?? [], type: map.type, mcpTags: map.mcpTags ?? [] };
  });
}

/** The first map matching `route`; undefined when none does (the route becomes a tool). */
export function matchRoute(
  maps: readonly CompiledRouteMap[],
  route: OpenAPIRoute,
): CompiledRouteMap | undefined {
  return maps.find(
    (map) =>
      (!map.methods || map.methods.has(route.method)) &&
      (!map.pattern || map.pattern.test(route.path)) &&
      map.tags.every((tag) => route.tags.includes(tag)),
  );
}
