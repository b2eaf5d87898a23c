/**
 * Routing to the sources mounted on a server: their lists merged after the server's own under each
 * mount's namespace, and the routing of a name or URI to the mount that serves it. The server's own
 * components win over mounted ones; among mounts, the latest wins.
 */
import { matchUri } from "./components/uri-match.js";
import { compileUriTemplate, type UriTemplate } from "./components/uri-template.js";
import type { DispatchScope } from "./dispatch-scope.js";
import type { Visibility } from "./kernel.js";
import type { Mount, Mounts } from "./mounts.js";
import { prefixName, prefixUri, stripName, stripUri } from "./namespace.js";
import type { SourceLists } from "./sources.js";

/** A name or URI as the mount that serves it knows it. */
export interface Route {
  mount: Mount;
  /** The source's own name or URI. */
  key: string;
}

type Kind = keyof SourceLists;
type Item = SourceLists[Kind];

/** Where each kind keeps its key, and how a namespace changes it. */
const KEYS = {
  tools: { field: "name", prefix: prefixName, strip: stripName },
  prompts: { field: "name", prefix: prefixName, strip: stripName },
  resources: { field: "uri", prefix: prefixUri, strip: stripUri },
  templates: { field: "uriTemplate", prefix: prefixUri, strip: stripUri },
} as const;

export function keyOf(kind: Kind, item: Item): string {
  return (item as unknown as Record<string, string>)[KEYS[kind].field] as string;
}

/** At most this many compiled templates of mounted sources are kept (a source's list may be hostile). */
const MAX_COMPILED = 1000;

export class MountRoutes {
  private readonly mounts: Mounts;
  /** Namespaced copies of a source's list, by the list it returned (sources cache their lists). */
  private readonly renamed = new WeakMap<object, Item[]>();
  private readonly compiled = new Map<string, UriTemplate | null>();

  constructor(mounts: Mounts) {
    this.mounts = mounts;
  }

  /**
   * `kind` from every mount, namespaced, leaving out keys in `taken` (the server's own) and keys a
   * later mount also has; in mount order. A mount that fails to list is reported and left out,
   * unless it is the only thing there is to list.
   */
  async list<K extends Kind>(
    kind: K,
    scope: DispatchScope,
    taken: ReadonlySet<string>,
  ): Promise<SourceLists[K][]> {
    const lists = await Promise.all(
      this.mounts.all.map((mount) =>
        this.listOf(mount, kind, scope).catch((error: unknown) => {
          if (this.mounts.all.length === 1 && taken.size === 0) throw error;
          reportListFailure(mount, kind, error);
          return [] as SourceLists[K][];
        }),
      ),
    );
    const seen = new Set(taken);
    const kept: SourceLists[K][][] = [];
    for (let index = lists.length - 1; index >= 0; index--) {
      const mine: SourceLists[K][] = [];
      for (const item of lists[index] as SourceLists[K][]) {
        const key = keyOf(kind, item);
        if (seen.has(key)) continue;
        seen.add(key);
        mine.push(item);
      }
      kept[index] = mine;
    }
    return kept.flat();
  }

  /** One mount's list of `kind`, namespaced (the copy is cached as long as the source's list is). */
  private async listOf<K extends Kind>(
    mount: Mount,
    kind: K,
    scope: DispatchScope,
  ): Promise<SourceLists[K][]> {
    const items = await mount.source.list(kind, scope);
    if (!Array.isArray(items))
      throw new TypeError(`${mount.source.name} listed ${kind} that are not an array`);
    const namespace = mount.namespace;
    if (!namespace) return items;
    const cached = this.renamed.get(items);
    if (cached) return cached as SourceLists[K][];
    const { field, prefix } = KEYS[kind];
    const renamed = items.map((item) => {
      const key = (item as unknown as Record<string, unknown>)[field];
      return typeof key === "string" ? { ...item, [field]: prefix(namespace, key) } : item;
    });
    this.renamed.set(items, renamed);
    return renamed;
  }

  /**
   * The mount serving tool or prompt `name` (or template `name` for `templates`): mounts whose
   * namespace it is under, latest first; when more than one could, the first that lists it.
   */
  routeName(
    kind: "tools" | "prompts" | "templates",
    name: string,
    scope: DispatchScope,
  ): Route | undefined | Promise<Route | undefined> {
    const candidates = this.candidates(kind, name);
    // One candidate (a single mount, a proxy): known at once, without waiting a turn.
    if (candidates.length <= 1) return candidates[0];
    return this.firstListing(kind, name, candidates, scope);
  }

  private async firstListing(
    kind: "tools" | "prompts" | "templates",
    name: string,
    candidates: Route[],
    scope: DispatchScope,
  ): Promise<Route | undefined> {
    for (const route of candidates) {
      const items = await this.listOf(route.mount, kind, scope).catch(() => []);
      if (items.some((item) => keyOf(kind, item) === name)) return route;
    }
    return undefined;
  }

  /**
   * The mount serving resource `uri`: a mount it is under that lists it or has a template matching
   * it. With one candidate and no middleware visibility to respect, that one (it answers "not found"
   * itself). `visible`: the namespaced URIs and templates list hooks left visible.
   */
  async routeUri(uri: string, scope: DispatchScope, visible?: Visibility): Promise<Route | undefined> {
    const candidates = this.candidates("resources", uri);
    if (candidates.length === 1 && !visible) return candidates[0];
    for (const route of candidates) {
      const [resources, templates] = await Promise.all([
        this.listOf(route.mount, "resources", scope).catch(() => []),
        this.listOf(route.mount, "templates", scope).catch(() => []),
      ]);
      const listed = resources.some(
        (item) => item.uri === uri && (!visible?.resources || visible.resources.has(uri)),
      );
      if (listed) return route;
      const matched = templates.some(
        (item) =>
          (!visible?.templates || visible.templates.has(item.uriTemplate)) &&
          this.matches(item.uriTemplate, uri),
      );
      if (matched) return route;
    }
    return undefined;
  }

  /** Mounts whose namespace `key` is under (every unnamespaced one too), latest first. */
  candidates(kind: Kind, key: string): Route[] {
    const routes: Route[] = [];
    for (let index = this.mounts.all.length - 1; index >= 0; index--) {
      const mount = this.mounts.all[index] as Mount;
      if (!mount.namespace) routes.push({ mount, key });
      else {
        const own = KEYS[kind].strip(mount.namespace, key);
        if (own !== undefined) routes.push({ mount, key: own });
      }
    }
    return routes;
  }

  /** Whether `uri` matches the template (compiled once; a template that does not compile matches nothing). */
  private matches(uriTemplate: string, uri: string): boolean {
    const template = this.template(uriTemplate);
    return template !== undefined && matchUri(template, uri) !== undefined;
  }

  private template(uriTemplate: string): UriTemplate | undefined {
    let compiled = this.compiled.get(uriTemplate);
    if (compiled === undefined) {
      if (this.compiled.size >= MAX_COMPILED) this.compiled.clear();
      try {
        compiled = compileUriTemplate(uriTemplate);
      } catch {
        compiled = null;
      }
      this.compiled.set(uriTemplate, compiled);
    }
    return compiled ?? undefined;
  }
}

function reportListFailure(mount: Mount, kind: Kind, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[fastmcp-ts] ${mount.source.name}: listing ${kind} failed: ${message}`);
}
