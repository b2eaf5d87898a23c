/**
 * The source `FastMCP.asProxy` mounts: it loads the proxy's code (compose/proxy/) on first use, so
 * that servers which never proxy never load it, and a proxy connects upstream only when asked.
 */
import type { ClientTarget } from "../client/detect.js";
import type { Result } from "../protocol/types.js";
import type { DispatchScope } from "../server/dispatch-scope.js";
import type {
  CallToolParams,
  CompleteParams,
  GetPromptParams,
  ReadResourceParams,
} from "../server/methods.js";
import type { ComponentSource, SourceEvents, SourceLists } from "../server/sources.js";
import type { ProxySourceOptions } from "./proxy/source.js";

export class LazyProxySource implements ComponentSource {
  readonly name: string;
  private readonly target: ClientTarget;
  private readonly options: ProxySourceOptions;
  private loaded: Promise<ComponentSource> | undefined;
  /** The source once loaded: calls then go to it without waiting a turn for `loaded`. */
  private ready: ComponentSource | undefined;
  private events: SourceEvents | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;

  constructor(name: string, target: ClientTarget, options: ProxySourceOptions) {
    this.name = name;
    this.target = target;
    this.options = options;
  }

  private source(): Promise<ComponentSource> {
    this.loaded ??= import("./proxy/source.js").then(({ ProxySource }) => {
      const source = new ProxySource(this.name, this.target, this.options);
      if (this.events) this.unwatch = source.watch(this.events);
      this.ready = source;
      return source;
    });
    return this.loaded;
  }

  async list<K extends keyof SourceLists>(kind: K, scope: DispatchScope): Promise<SourceLists[K][]> {
    return (await this.source()).list(kind, scope);
  }

  callTool(params: CallToolParams & { name: string }, scope: DispatchScope): Promise<Result> {
    if (this.ready) return this.ready.callTool(params, scope);
    return this.source().then((source) => source.callTool(params, scope));
  }

  readResource(params: ReadResourceParams & { uri: string }, scope: DispatchScope): Promise<Result> {
    if (this.ready) return this.ready.readResource(params, scope);
    return this.source().then((source) => source.readResource(params, scope));
  }

  getPrompt(params: GetPromptParams & { name: string }, scope: DispatchScope): Promise<Result> {
    if (this.ready) return this.ready.getPrompt(params, scope);
    return this.source().then((source) => source.getPrompt(params, scope));
  }

  async complete(params: CompleteParams, scope: DispatchScope): Promise<Result> {
    return (await this.source()).complete(params, scope);
  }

  async subscribe(uri: string, scope: DispatchScope): Promise<void> {
    await (await this.source()).subscribe?.(uri, scope);
  }

  async unsubscribe(uri: string): Promise<void> {
    if (this.loaded) await (await this.loaded).unsubscribe?.(uri);
  }

  watch(events: SourceEvents): () => void {
    this.events = events;
    if (this.loaded) void this.loaded.then((source) => (this.unwatch = source.watch(events)));
    return () => {
      this.events = undefined;
      this.unwatch?.();
      this.unwatch = undefined;
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.loaded) await (await this.loaded).close?.();
  }
}
