/**
 * Component sources: what a server serves besides its own registries. A mounted server (live) and
 * a proxied one (through a Client) are sources. The kernel lists a source's components after its
 * own, under the mount's namespace, and routes requests for those names and URIs to it; parent
 * middleware runs around the request as usual, and the source sees the parent's request scope
 * (era, auth, signal, progress token, notifications, input rounds and server-to-client requests),
 * so a source can pass elicitation, sampling, roots, progress, logs and cancellation through.
 */
import type { Prompt, Resource, ResourceTemplate, Result, Tool } from "../protocol/types.js";
import type { ComponentKind } from "./components/registry.js";
import type { DispatchScope } from "./dispatch-scope.js";
import type { CallToolParams, CompleteParams, GetPromptParams, ReadResourceParams } from "./methods.js";

/** What a source lists, by component kind. */
export interface SourceLists {
  tools: Tool;
  resources: Resource;
  templates: ResourceTemplate;
  prompts: Prompt;
}

/** What a source tells the server that serves it. */
export interface SourceEvents {
  /** Its tools, prompts, resources or templates changed (`notifications/tools/list_changed`, ...). */
  listChanged(method: string): void;
  /** A resource it serves changed (its own URI; the server adds the namespace). */
  resourceUpdated(uri: string): void;
}

/**
 * Components served from elsewhere. Every name and URI a source sees and returns is its own (no
 * namespace); the kernel adds and strips the mount's namespace. Requests carry the parent's scope:
 * `scope.era`, `scope.auth`, `scope.signal` (aborted when the client cancels), `scope.progressToken`
 * with `scope.notify` (progress and log notifications of this request), and for input
 * `scope.ask` (2026-07-28 rounds) or `scope.request` (legacy server-to-client requests).
 *
 * A request for something the source does not have throws `NotFoundError` (the kernel answers it
 * as the era expects), as does the server's own registry.
 */
export interface ComponentSource {
  /** Names the source in errors and logs. */
  readonly name: string;
  /** Everything of one kind this caller may see (the source caches what it can). */
  list<K extends keyof SourceLists>(
    kind: K,
    scope: DispatchScope,
  ): Promise<SourceLists[K][]> | SourceLists[K][];
  /** `tools/call`; `params.name` is the source's own name. */
  callTool(params: CallToolParams & { name: string }, scope: DispatchScope): Promise<Result>;
  /** `resources/read`; `params.uri` is the source's own URI. */
  readResource(params: ReadResourceParams & { uri: string }, scope: DispatchScope): Promise<Result>;
  /** `prompts/get`. */
  getPrompt(params: GetPromptParams & { name: string }, scope: DispatchScope): Promise<Result>;
  /** `completion/complete` for one of its prompts or templates (ref un-namespaced). */
  complete(params: CompleteParams, scope: DispatchScope): Promise<Result>;
  /** A client subscribed to one of its resources (legacy `resources/subscribe` or a listen filter). */
  subscribe?(uri: string, scope: DispatchScope): Promise<void>;
  /** The last subscriber of `uri` left. */
  unsubscribe?(uri: string): Promise<void>;
  /** Starts telling `events` about changes; returns what stops it. */
  watch(events: SourceEvents): () => void;
  /** Releases what the source holds (upstream connections, spawned processes). */
  close?(): Promise<void>;
}

/** The component kinds a source lists, as `ComponentKind`. */
export type SourceKind = ComponentKind & keyof SourceLists;
