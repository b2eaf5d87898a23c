/**
 * The handler of each request method, and the params each one reads. Params come off the wire
 * unchecked, so every field is `unknown` until its handler has checked it.
 */
import { McpError, NotFoundError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import { LOG_LEVELS } from "../protocol/logging.js";
import { withKey } from "../protocol/meta.js";
import { sharedJson } from "../protocol/shared-json.js";
import { TASK_METHODS, TASKS_EXTENSION, type TaskMethod } from "../protocol/tasks.js";
import type { LoggingLevel, Result } from "../protocol/types.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "../protocol/versions.js";
import { callTool, renderPrompt } from "./components/calls.js";
import { pageOf, registryPage } from "./components/pages.js";
import type { Entry, Registry } from "./components/registry.js";
import { Context } from "./context.js";
import type { DispatchScope } from "./dispatch-scope.js";
import type { Dispatcher } from "./dispatcher.js";
import type { DispatchInput, ServerKernel, SessionState, Visibility } from "./kernel.js";
import { keyOf, type MountRoutes, type Route } from "./mount-routes.js";
import type { SourceLists } from "./sources.js";
import type { SubscriptionHub } from "./subscriptions.js";

/** Any request's params, as they arrive. */
export interface WireParams {
  _meta?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface ListParams extends WireParams {
  cursor?: unknown;
}
export interface CallToolParams extends WireParams {
  name?: unknown;
  arguments?: unknown;
}
export interface ReadResourceParams extends WireParams {
  uri?: unknown;
}
export interface GetPromptParams extends WireParams {
  name?: unknown;
  arguments?: unknown;
}
export interface CompleteParams extends WireParams {
  ref?: { type?: unknown; name?: unknown; uri?: unknown };
  argument?: { name?: unknown; value?: unknown };
  context?: { arguments?: Record<string, string> };
}
export interface SetLevelParams extends WireParams {
  level?: unknown;
}
export interface ListenParams extends WireParams {
  notifications?: unknown;
}
export interface InitializeParams extends WireParams {
  protocolVersion?: unknown;
  capabilities?: unknown;
  clientInfo?: unknown;
}

/** The params each method's handler reads. */
export interface ParamsByMethod {
  "server/discover": WireParams;
  "tools/list": ListParams;
  "tools/call": CallToolParams;
  "resources/list": ListParams;
  "resources/templates/list": ListParams;
  "resources/read": ReadResourceParams;
  "resources/subscribe": ReadResourceParams;
  "resources/unsubscribe": ReadResourceParams;
  "prompts/list": ListParams;
  "prompts/get": GetPromptParams;
  "completion/complete": CompleteParams;
  "logging/setLevel": SetLevelParams;
  "subscriptions/listen": ListenParams;
  ping: WireParams;
  "tasks/get": WireParams;
  "tasks/update": WireParams;
  "tasks/cancel": WireParams;
}

/** A method's handler: its params, the request's scope, and the request as the transport gave it. */
export type Handler<P extends WireParams = WireParams> = (
  params: P,
  scope: DispatchScope,
  input: DispatchInput,
) => Promise<Result> | Result;

/** Every method's handler, each typed with its own params. */
export type Handlers = { [M in keyof ParamsByMethod]: Handler<ParamsByMethod[M]> };

/** The handlers of the server's methods (every method but `initialize`, which the dispatcher answers itself). */
export function methodHandlers(dispatcher: Dispatcher): Handlers {
  const { kernel } = dispatcher;
  const handlers: Omit<Handlers, TaskMethod> = {
    "server/discover": () => discover(kernel),
    "tools/list": (params, scope) => listPage(dispatcher, "tools", params, scope),
    "tools/call": (params, scope) => callToolRequest(dispatcher, params, scope),
    "resources/list": (params, scope) => listPage(dispatcher, "resources", params, scope),
    "resources/templates/list": (params, scope) => listPage(dispatcher, "templates", params, scope),
    "resources/read": (params, scope) => readResourceRequest(dispatcher, params, scope),
    "prompts/list": (params, scope) => listPage(dispatcher, "prompts", params, scope),
    "prompts/get": (params, scope) => getPrompt(dispatcher, params, scope),
    "completion/complete": (params, scope) => completeRequest(dispatcher, params, scope),
    "logging/setLevel": (params, _scope, input) => setLevel(params, input.session),
    "subscriptions/listen": async (params, scope) => {
      if (scope.era !== "modern") {
        throw new McpError(
          ErrorCode.MethodNotFound,
          "subscriptions/listen is a 2026-07-28 method; use resources/subscribe",
        );
      }
      // Only a filter naming task ids needs the tasks extension loaded.
      const taskIds = (params.notifications as { taskIds?: unknown } | undefined)?.taskIds;
      const notifications =
        taskIds === undefined
          ? params.notifications
          : await (await kernel.tasks()).listenFilter(params.notifications, scope);
      const filter = await readableSubscriptions(dispatcher, notifications, scope);
      // The hub is made with the dispatcher that runs this.
      return (kernel.hub as SubscriptionHub).listen(scope.requestId, filter, scope.signal, scope.notify);
    },
    "resources/subscribe": async (params, scope, input) => {
      const uri = subscriptionUri(params);
      if (!dispatcher.findResource(uri, scope.auth)) {
        const routes = dispatcher.routes;
        const route = routes && (await routes.routeUri(uri, scope));
        // Subscribing to what the caller may not read answers as reading it would: not found.
        if (!route) throw new McpError(ErrorCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });
        await route.mount.source.subscribe?.(route.key, scope);
      }
      input.session.subscriptions ??= new Set();
      input.session.subscriptions.add(uri);
      return {};
    },
    "resources/unsubscribe": async (params, _scope, input) => {
      const uri = subscriptionUri(params);
      const had = input.session.subscriptions?.delete(uri);
      const routes = dispatcher.routes;
      if (had && routes && !dispatcher.findResource(uri, input.session.auth)) {
        for (const route of routes.candidates("resources", uri))
          await route.mount.source.unsubscribe?.(route.key);
      }
      return {};
    },
    ping: () => ({}),
  };
  const taskHandlers = Object.fromEntries(
    TASK_METHODS.map((method): [TaskMethod, Handler] => [
      method,
      async (params, scope) => (await kernel.tasks()).request(method, params, scope),
    ]),
  ) as Pick<Handlers, TaskMethod>;
  return { ...handlers, ...taskHandlers };
}

/** `resources/read`, optionally limited to what middleware list hooks left visible. */
export async function readResourceRequest(
  dispatcher: Dispatcher,
  params: ReadResourceParams,
  scope: DispatchScope,
  visible?: Visibility,
): Promise<Result> {
  const uri = params.uri;
  if (typeof uri !== "string")
    throw new McpError(ErrorCode.InvalidParams, "resources/read needs a string uri");
  try {
    const { contents, cache } = await dispatcher.readResource(uri, scope, visible);
    return scope.era === "modern"
      ? { contents, ttlMs: cache.ttlMs, cacheScope: cache.cacheScope }
      : { contents };
  } catch (error) {
    if (error instanceof NotFoundError && scope.era === "legacy") {
      throw new McpError(ErrorCode.ResourceNotFound, error.message, error.data);
    }
    throw error;
  }
}

function discover(kernel: ServerKernel): Result {
  const result: Result = {
    supportedVersions: [...SUPPORTED_PROTOCOL_VERSIONS],
    // Extensions are a 2026-07-28 notion: advertised here, not in initialize.
    capabilities: { ...kernel.capabilities(), extensions: { [TASKS_EXTENSION]: {} } },
  };
  const instructions = kernel.options.instructions;
  if (instructions !== undefined) result.instructions = instructions;
  return result;
}

function callToolRequest(
  dispatcher: Dispatcher,
  params: CallToolParams,
  scope: DispatchScope,
): Promise<Result> {
  const { kernel } = dispatcher;
  const name = params.name;
  if (typeof name !== "string") throw new McpError(ErrorCode.InvalidParams, "tools/call needs a string name");
  const entry = kernel.tools.getFor(name, scope.auth);
  const routes = dispatcher.routes;
  if (!entry && !routes) throw new NotFoundError("tool", `Unknown tool: ${name}`);
  const args = params.arguments;
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
    throw new McpError(ErrorCode.InvalidParams, "tools/call arguments must be an object");
  }
  if (!entry) {
    const routed = (route: Route | undefined): Promise<Result> => {
      if (!route) throw new NotFoundError("tool", `Unknown tool: ${name}`);
      const call = () => {
        let running: Promise<Result>;
        try {
          running = route.mount.source.callTool(withKey(params, "name", route.key), scope);
        } catch (error) {
          running = Promise.reject(error);
        }
        return running.catch(asUnknown("tool", name));
      };
      // A mounted task tool's task lives where the client polls: the outermost server. Once its task
      // manager is loaded (after the first call), the call goes out without waiting a turn.
      const loaded = scope.tasks ?? kernel.loadedTasks;
      if (loaded) {
        scope.tasks = loaded;
        return call();
      }
      return kernel.tasks().then((tasks) => {
        scope.tasks ??= tasks;
        return call();
      });
    };
    const route = (routes as MountRoutes).routeName("tools", name, scope);
    return route instanceof Promise ? route.then(routed) : routed(route);
  }
  const options = { maskErrorDetails: kernel.options.maskErrorDetails };
  if (entry.task) {
    const tasks = scope.tasks;
    if (tasks) return tasks.callTool(entry, args, scope, options);
    return kernel.tasks().then((loaded) => loaded.callTool(entry, args, scope, options));
  }
  return callTool(entry, args, scope.context ?? new Context(scope), options);
}

async function getPrompt(
  dispatcher: Dispatcher,
  params: GetPromptParams,
  scope: DispatchScope,
): Promise<Result> {
  const { kernel } = dispatcher;
  const name = params.name;
  if (typeof name !== "string")
    throw new McpError(ErrorCode.InvalidParams, "prompts/get needs a string name");
  const entry = kernel.prompts.getFor(name, scope.auth);
  if (!entry) {
    const routes = dispatcher.routes;
    const route = routes && (await routes.routeName("prompts", name, scope));
    if (!route) throw new NotFoundError("prompt", `Unknown prompt: ${name}`);
    return route.mount.source
      .getPrompt(withKey(params, "name", route.key), scope)
      .catch(asUnknown("prompt", name));
  }
  const ctx = scope.context ?? new Context(scope);
  return renderPrompt(entry, params.arguments, ctx, kernel.options.maskErrorDetails);
}

/**
 * A listen filter's resource subscriptions, keeping the URIs the caller may read (the others are
 * dropped as an unknown task id is: no updates of a resource it cannot see). A mounted source is
 * told of its URIs that stay.
 */
async function readableSubscriptions(
  dispatcher: Dispatcher,
  filter: unknown,
  scope: DispatchScope,
): Promise<unknown> {
  const { routes } = dispatcher;
  if (typeof filter !== "object" || filter === null) return filter;
  const uris = (filter as { resourceSubscriptions?: unknown }).resourceSubscriptions;
  if (!Array.isArray(uris)) return filter;
  const kept: unknown[] = [];
  for (const uri of uris) {
    if (typeof uri !== "string" || dispatcher.findResource(uri, scope.auth)) kept.push(uri);
    else if (routes) {
      const route = await routes.routeUri(uri, scope);
      if (!route) continue;
      await route.mount.source.subscribe?.(route.key, scope);
      kept.push(uri);
    }
  }
  return { ...filter, resourceSubscriptions: kept };
}

/** `completion/complete`: this server's prompts and templates, else the mount serving the ref. */
async function completeRequest(
  dispatcher: Dispatcher,
  params: CompleteParams,
  scope: DispatchScope,
): Promise<Result> {
  const { prompts, templates } = dispatcher.kernel;
  const { routes } = dispatcher;
  const ref = params.ref;
  if (routes && typeof ref === "object" && ref !== null) {
    const route =
      ref.type === "ref/prompt" && typeof ref.name === "string" && !prompts.getFor(ref.name, scope.auth)
        ? await routes.routeName("prompts", ref.name, scope)
        : ref.type === "ref/resource" && typeof ref.uri === "string" && !templates.getFor(ref.uri, scope.auth)
          ? await routes.routeName("templates", ref.uri, scope)
          : undefined;
    if (route) {
      const own = withKey(ref, ref.type === "ref/prompt" ? "name" : "uri", route.key);
      return route.mount.source.complete(withKey(params, "ref", own), scope);
    }
  }
  // Completion is loaded on the first `completion/complete`.
  const { complete } = await import("./components/completion.js");
  return complete(prompts, templates, params, scope.auth);
}

function subscriptionUri(params: ReadResourceParams): string {
  const uri = params.uri;
  if (typeof uri !== "string")
    throw new McpError(ErrorCode.InvalidParams, "resources/subscribe needs a string uri");
  return uri;
}

function setLevel(params: SetLevelParams, session: SessionState): Result {
  const level = params.level;
  if (!LOG_LEVELS.includes(level as LoggingLevel)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Invalid log level ${String(level)}; expected one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  if (session.legacy) session.legacy = sharedJson({ ...session.legacy, logLevel: level as LoggingLevel });
  return {};
}

/**
 * A mount's "unknown tool" (or prompt) answered with the name the client used, not the one the
 * mount knows it by: the namespace stays the server's business.
 */
function asUnknown(kind: "tool" | "prompt", name: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof NotFoundError && error.kind === kind)
      throw new NotFoundError(kind, `Unknown ${kind}: ${name}`);
    throw error;
  };
}

/** The result field of each list. */
const LIST_FIELDS = {
  tools: "tools",
  resources: "resources",
  templates: "resourceTemplates",
  prompts: "prompts",
} as const satisfies Record<keyof SourceLists, string>;

/** One page of a list, as the caller sees it (with mounts: the merged list, cut into the same pages). */
function listPage(
  dispatcher: Dispatcher,
  kind: keyof SourceLists,
  params: ListParams,
  scope: DispatchScope,
): Result | Promise<Result> {
  const { kernel } = dispatcher;
  const registry = kernel[kind] as unknown as Registry<Entry<unknown>, unknown>;
  const pageSize = kernel.options.pageSize;
  const field = LIST_FIELDS[kind];
  if (!kernel.mounts) {
    const page = registryPage(registry, params.cursor, pageSize, scope.auth);
    const result = withCursor({ [field]: page.items }, page.nextCursor);
    return registry.hasChecks() ? privateList(result, scope.era) : result;
  }
  return Promise.resolve(dispatcher.listAll(kind, scope)).then((items) => {
    const page = pageOf(
      items as SourceLists[typeof kind][],
      (item) => keyOf(kind, item),
      params.cursor,
      pageSize,
    );
    const result = withCursor({ [field]: page.items }, page.nextCursor);
    return registry.hasChecks() ? privateList(result, scope.era) : result;
  });
}

/**
 * Marks a list that depends on who asked: a cache shared between callers must not hand one
 * caller's list to another (2026-07-28 cache hints; legacy results carry none).
 */
export function privateList(result: Result, era: DispatchScope["era"]): Result {
  if (era === "modern") result.cacheScope = "private";
  return result;
}

export function withCursor(result: Result, nextCursor: string | undefined): Result {
  if (nextCursor !== undefined) result.nextCursor = nextCursor;
  return result;
}
