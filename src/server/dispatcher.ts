/**
 * The dispatcher: turns one request into one result for either era, over the kernel's registries
 * (kernel.ts). The kernel loads it when the server starts serving (`ServerKernel.serve()`), with
 * what only requests reach: the method handlers, input-required rounds, the request scope.
 */

import type { AuthInfo } from "../auth/types.js";
import { McpError, NotFoundError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { type EraScope, hasModernClaim, resolveScope } from "../protocol/era.js";
import { MetaKey, withKey } from "../protocol/meta.js";
import { CACHEABLE_METHODS, INPUT_REQUIRED_METHODS, REMOVED_IN_MODERN } from "../protocol/methods.js";
import { sharedJson } from "../protocol/shared-json.js";
import type {
  CacheHints,
  Implementation,
  InitializeResult,
  ProgressToken,
  ResourceContents,
  Result,
} from "../protocol/types.js";
import { negotiateLegacyVersion } from "../protocol/versions.js";
import { readStatic, readTemplate } from "./components/calls.js";
import type { Registry } from "./components/registry.js";
import type { ResourceEntry, TemplateEntry } from "./components/resources.js";
import { matchUri } from "./components/uri-match.js";
import { Context, type RequestScope } from "./context.js";
import { checkInputDepth } from "./depth.js";
import { DispatchScope } from "./dispatch-scope.js";
import { runWithInputRounds } from "./input-round.js";
import type { DispatchInput, ServerKernel, SessionState, Visibility } from "./kernel.js";
import { type Handler, type InitializeParams, methodHandlers, type WireParams } from "./methods.js";
import { keyOf, MountRoutes } from "./mount-routes.js";
import type { SourceLists } from "./sources.js";

export class Dispatcher {
  readonly kernel: ServerKernel;
  private readonly handlers: Record<string, Handler>;
  private readonly serverInfoMeta: Record<string, unknown>;
  /** `ctx.readResource` of every request to this server: one function, not one per request. */
  private readonly readContents: RequestScope["readResource"];
  private mountRoutes: MountRoutes | undefined;

  constructor(kernel: ServerKernel) {
    this.kernel = kernel;
    this.serverInfoMeta = { [MetaKey.ServerInfo]: kernel.options.info };
    this.handlers = methodHandlers(this) as unknown as Record<string, Handler>;
    this.readContents = (uri, inner) => this.readResource(uri, inner).then((found) => found.contents);
  }

  /** Routing to the kernel's mounted sources; undefined while nothing is mounted. */
  get routes(): MountRoutes | undefined {
    const mounts = this.kernel.mounts;
    if (!mounts) return undefined;
    this.mountRoutes ??= new MountRoutes(mounts);
    return this.mountRoutes;
  }

  /**
   * Handles one request for either era; rejects with McpError for a JSON-RPC error answer. Not
   * async: an async function's frame (all of its registers, kept across the await) would be
   * allocated for every request; the handler's promise is continued with one `then`.
   */
  dispatch(input: DispatchInput): Promise<Result> {
    if (this.kernel.unsettled) return this.kernel.ready().then(() => this.run(input));
    try {
      const result = this.run(input);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The body of `dispatch`: throws McpError for a JSON-RPC error answer. */
  private run(input: DispatchInput): Promise<Result> | Result {
    const { request, session } = input;
    const params = (request.params ?? {}) as WireParams;
    checkInputDepth(params, "the request");
    const method = request.method;
    const modern = hasModernClaim(params);
    if (modern && REMOVED_IN_MODERN.has(method)) {
      throw new McpError(
        ErrorCode.MethodNotFound,
        `Method not found: ${method} is not part of protocol 2026-07-28`,
      );
    }
    const chain = this.kernel.requestChain;
    if (chain) return chain.dispatch(input, params, method, modern);
    if (method === "initialize") return this.initialize(params, session);
    if (method === "ping" && !modern) return {};
    const handler = this.handlers[method];
    if (!handler) throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    const era: EraScope = resolveScope(params, session.legacy);
    const scope = this.scopeFor(era, input, params);
    const result = this.invoke(method, handler, params, scope, input);
    return result instanceof Promise
      ? result.then((value) => this.finish(method, era, value))
      : this.finish(method, era, result);
  }

  /** @internal The handler of a method (not `initialize`). */
  handlerFor(method: string): Handler | undefined {
    return this.handlers[method];
  }

  /** @internal Runs a handler; 2026-07-28 requests that may ask for input go through input-required rounds. */
  invoke(
    method: string,
    handler: Handler,
    params: WireParams,
    scope: DispatchScope,
    input: DispatchInput,
  ): Promise<Result> | Result {
    // A mounted server's request runs inside its parent's rounds (the scope already has them).
    if (scope.era !== "modern" || !INPUT_REQUIRED_METHODS.has(method) || scope.inputHooks)
      return handler(params, scope, input);
    return runWithInputRounds(this.kernel.requestState, method, params, input.session.auth, (hooks) => {
      scope.ask = hooks.ask;
      scope.inputHooks = hooks;
      return Promise.resolve(handler(params, scope, input));
    });
  }

  /** @internal Adds the 2026-07-28 result fields (result type, server info, cache hints). */
  finish(method: string, era: EraScope, result: Result): Result {
    if (era.era === "legacy") return result;
    result.resultType ??= "complete";
    // withKey rather than a spread, so that V8 keeps one hidden class.
    result._meta = result._meta
      ? withKey(result._meta, MetaKey.ServerInfo, this.kernel.options.info)
      : this.serverInfoMeta;
    // Interim (input_required) results are never cacheable and carry no hints.
    if (CACHEABLE_METHODS.has(method) && result.resultType === "complete") {
      result.ttlMs ??= this.kernel.options.listCache.ttlMs;
      result.cacheScope ??= this.kernel.options.listCache.cacheScope;
    }
    return result;
  }

  /** @internal */
  scopeFor(era: EraScope, input: DispatchInput, params: WireParams): DispatchScope {
    const scope = new DispatchScope(
      era,
      input,
      params._meta?.progressToken as ProgressToken | undefined,
      this.readContents,
    );
    if (era.era === "legacy" && input.serverRequest) scope.request = input.serverRequest;
    return scope;
  }

  /** @internal */
  initialize(params: InitializeParams, session: SessionState): InitializeResult {
    const protocolVersion = negotiateLegacyVersion(params.protocolVersion);
    const capabilities = params.capabilities;
    // One frozen copy for all sessions alike (see LegacyState).
    session.legacy = sharedJson({
      protocolVersion,
      clientCapabilities: typeof capabilities === "object" && capabilities !== null ? capabilities : {},
      clientInfo: isImplementation(params.clientInfo) ? params.clientInfo : undefined,
      logLevel: undefined,
      initialized: false,
    });
    const result: InitializeResult = {
      protocolVersion,
      capabilities: this.kernel.capabilities(),
      serverInfo: this.kernel.options.info,
    };
    if (this.kernel.options.instructions !== undefined)
      result.instructions = this.kernel.options.instructions;
    return result;
  }

  /**
   * The resource `uri` names for this caller: a static one first, then the first template (in
   * registration order) that matches and that the caller may use; undefined when there is none.
   */
  findResource(
    uri: string,
    auth: AuthInfo | undefined,
    visible?: Visibility,
  ):
    | { entry: ResourceEntry; template?: undefined }
    | { entry?: undefined; template: TemplateEntry; params: Record<string, string> }
    | undefined {
    const entry =
      visible?.resources?.has(uri) === false ? undefined : this.kernel.resources.getFor(uri, auth);
    if (entry) return { entry };
    for (const template of this.kernel.templates.list()) {
      if (visible?.templates?.has(template.uriTemplate) === false) continue;
      // A template the caller may not use is skipped as if absent: a later one may still match.
      const found = this.kernel.templates.getFor(template.uriTemplate, auth);
      const params = found && matchUri(found.template, uri);
      if (found && params) return { template: found, params };
    }
    return undefined;
  }

  /** Finds and reads a resource: static URIs first, then templates in registration order. */
  async readResource(
    uri: string,
    scope: RequestScope,
    visible?: Visibility,
  ): Promise<{ contents: ResourceContents[]; cache: CacheHints }> {
    const ctx = (scope as DispatchScope).context ?? new Context(scope);
    const found = this.findResource(uri, scope.auth, visible);
    try {
      if (found?.entry)
        return { contents: await readStatic(found.entry, ctx), cache: this.kernel.options.readCache };
      if (found?.template)
        return {
          contents: await readTemplate(found.template, uri, found.params, ctx),
          cache: this.kernel.options.readCache,
        };
    } catch (error) {
      if (error instanceof McpError) throw error;
      const detail =
        error instanceof Error && (error.name === "ResourceError" || !this.kernel.options.maskErrorDetails)
          ? `: ${error.message}`
          : "";
      throw new McpError(ErrorCode.InternalError, `Error reading resource ${uri}${detail}`);
    }
    const routes = this.routes;
    const route = routes && (await routes.routeUri(uri, scope as DispatchScope, visible));
    if (route) {
      const read = await route.mount.source
        .readResource({ uri: route.key }, scope as DispatchScope)
        .catch((error: unknown) => {
          // Not found by the mount: answered with the URI the client asked for.
          if (
            error instanceof NotFoundError ||
            (error instanceof McpError && error.code === ErrorCode.ResourceNotFound)
          )
            throw new NotFoundError("resource", `Resource not found: ${uri}`, { uri });
          throw error;
        });
      const contents = read.contents;
      if (!Array.isArray(contents))
        throw new McpError(
          ErrorCode.InternalError,
          `${route.mount.source.name} read ${uri} without contents`,
        );
      const cache: CacheHints = {
        ttlMs: typeof read.ttlMs === "number" ? read.ttlMs : this.kernel.options.readCache.ttlMs,
        cacheScope:
          read.cacheScope === "public" || read.cacheScope === "private"
            ? read.cacheScope
            : this.kernel.options.readCache.cacheScope,
      };
      // A mounted resource keeps its own URI in the contents; the client asked by the namespaced one.
      return {
        contents: (contents as ResourceContents[]).map((item) =>
          item.uri === route.key ? { ...item, uri } : item,
        ),
        cache,
      };
    }
    throw new NotFoundError("resource", `Resource not found: ${uri}`, { uri });
  }

  /**
   * Everything of `kind` the caller may see: this server's own, then its mounts' (namespaced), the
   * own winning over mounted ones of the same name or URI. Middleware list hooks are not applied.
   */
  listAll<K extends keyof SourceLists>(
    kind: K,
    scope: DispatchScope,
  ): SourceLists[K][] | Promise<SourceLists[K][]> {
    const own = (this.kernel[kind] as unknown as Registry<never, SourceLists[K]>).visibleTo(scope.auth);
    const routes = this.routes;
    if (!routes) return own;
    return routes
      .list(kind, scope, new Set(own.map((item) => keyOf(kind, item))))
      .then((mounted) => (mounted.length === 0 ? own : [...own, ...mounted]));
  }

  /** `listAll` through this server's middleware list hooks (what its clients are shown). */
  listVisible<K extends keyof SourceLists>(kind: K, scope: DispatchScope): Promise<SourceLists[K][]> {
    const { chainLoading, requestChain } = this.kernel;
    if (chainLoading) return chainLoading.loaded.then(() => this.listVisible(kind, scope));
    if (requestChain) return requestChain.listFor(kind, scope) as Promise<SourceLists[K][]>;
    return Promise.resolve(this.listAll(kind, scope));
  }

  /**
   * @internal A request of the server this one is mounted on, routed here: this server's middleware
   * and handler run inside the parent's, with the parent's scope (its input rounds, signal,
   * progress and auth); the parent adds the 2026-07-28 result fields.
   */
  async dispatchMounted(method: string, params: WireParams, parent: DispatchScope): Promise<Result> {
    if (this.kernel.unsettled) await this.kernel.ready();
    const handler = this.handlers[method];
    if (!handler) throw new McpError(ErrorCode.MethodNotFound, `Method not found: ${method}`);
    const scope = parent.derive(this.readContents);
    const chain = this.kernel.requestChain;
    if (chain) return chain.runMounted(method, params, scope, handler);
    return handler(params, scope, scope.input);
  }
}

/** A client's `clientInfo`: an object naming it (anything else is not kept). */
function isImplementation(value: unknown): value is Implementation {
  return typeof value === "object" && value !== null && typeof (value as Implementation).name === "string";
}
