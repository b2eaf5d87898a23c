/**
 * A server mounted on another, live: the parent lists and routes to the child's components as
 * they are at each request, the child's middleware runs inside the parent's, and the child's list
 * changes and resource updates reach the parent's clients. Made, as a proxy's source is, by the
 * serving code from what `mount()` and `asProxy()` recorded (server/mounts.ts).
 */
import type { Result } from "../protocol/types.js";
import type { DispatchScope } from "../server/dispatch-scope.js";
import type { Dispatcher } from "../server/dispatcher.js";
import type { ServerKernel } from "../server/kernel.js";
import type {
  CallToolParams,
  CompleteParams,
  GetPromptParams,
  ReadResourceParams,
} from "../server/methods.js";
import { type MountTarget, watchServer } from "../server/mounts.js";
import type { ComponentSource, SourceEvents, SourceLists } from "../server/sources.js";
import { LazyProxySource } from "./lazy-proxy.js";

/** The source serving a mount (server/mounts.ts makes it with this on first use). */
export function mountedSource(target: MountTarget): ComponentSource {
  return target.kind === "server"
    ? new MountedServer(target.name, target.kernel)
    : new LazyProxySource(target.name, target.target, target.options);
}

export class MountedServer implements ComponentSource {
  readonly name: string;
  /** @internal */
  readonly kernel: ServerKernel;

  constructor(name: string, kernel: ServerKernel) {
    this.name = name;
    this.kernel = kernel;
  }

  list<K extends keyof SourceLists>(kind: K, scope: DispatchScope): Promise<SourceLists[K][]> {
    return this.served((dispatcher) =>
      dispatcher.listVisible(
        kind,
        scope.derive((uri, inner) => dispatcher.readResource(uri, inner).then((found) => found.contents)),
      ),
    );
  }

  callTool(params: CallToolParams & { name: string }, scope: DispatchScope): Promise<Result> {
    return this.served((dispatcher) => dispatcher.dispatchMounted("tools/call", params, scope));
  }

  readResource(params: ReadResourceParams & { uri: string }, scope: DispatchScope): Promise<Result> {
    return this.served((dispatcher) => dispatcher.dispatchMounted("resources/read", params, scope));
  }

  getPrompt(params: GetPromptParams & { name: string }, scope: DispatchScope): Promise<Result> {
    return this.served((dispatcher) => dispatcher.dispatchMounted("prompts/get", params, scope));
  }

  complete(params: CompleteParams, scope: DispatchScope): Promise<Result> {
    return this.served((dispatcher) => dispatcher.dispatchMounted("completion/complete", params, scope));
  }

  /** Runs `use` with the mounted server's dispatcher (loaded by the first request, like its own). */
  private served<T>(use: (dispatcher: Dispatcher) => Promise<T>): Promise<T> {
    return this.kernel.serve().then(use);
  }

  watch(events: SourceEvents): () => void {
    return watchServer(this.kernel, events);
  }
}
