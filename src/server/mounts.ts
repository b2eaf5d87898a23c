/**
 * What is mounted on a server (other servers, proxies' upstreams), in mount order, with their
 * change events heard under each mount's namespace. Mounting records the target and checks it;
 * the source that serves it (compose/mount.ts, compose/lazy-proxy.ts) is made by the serving code,
 * which alone reads it, and routing requests to it (mount-routes.ts) loads with the dispatcher.
 */
import type { ClientTarget } from "../client/detect.js";
import type { ProxySourceOptions } from "../compose/proxy/source.js";
import type { ServerKernel } from "./kernel.js";
import { prefixUri } from "./namespace.js";
import type { ComponentSource, SourceEvents } from "./sources.js";

/** What a server mounts: another server (`mount()`), or a proxy's upstream (`asProxy()`). */
export type MountTarget =
  | { readonly kind: "server"; readonly name: string; readonly kernel: ServerKernel }
  | {
      readonly kind: "proxy";
      readonly name: string;
      readonly target: ClientTarget;
      readonly options: ProxySourceOptions;
    };

/** Makes the source of a target (the serving code's `mountedSource`). */
export type SourceMaker = (target: MountTarget) => ComponentSource;

/** One mount. */
export interface Mount {
  readonly target: MountTarget;
  readonly namespace: string | undefined;
  /** The source serving it, made when the serving code first reads it. */
  readonly source: ComponentSource;
}

/** A mount, with its source once made and what stops hearing it. */
class Mounted implements Mount {
  readonly target: MountTarget;
  readonly namespace: string | undefined;
  /** Its change events, with the namespace applied. */
  private readonly events: SourceEvents;
  private readonly make: SourceMaker;
  made: ComponentSource | undefined;
  unwatch: () => void;

  constructor(target: MountTarget, namespace: string | undefined, events: SourceEvents, make: SourceMaker) {
    this.target = target;
    this.namespace = namespace;
    this.make = make;
    this.events = {
      listChanged: (method) => events.listChanged(method),
      resourceUpdated: (uri) => events.resourceUpdated(namespace ? prefixUri(namespace, uri) : uri),
    };
    // A mounted server is heard at once; a proxy once its source is made (it connects on first use).
    this.unwatch = target.kind === "server" ? watchServer(target.kernel, this.events) : () => {};
  }

  get source(): ComponentSource {
    if (!this.made) {
      this.made = this.make(this.target);
      if (this.target.kind === "proxy") this.unwatch = this.made.watch(this.events);
    }
    return this.made;
  }
}

export class Mounts {
  readonly all: Mount[] = [];
  private readonly make: SourceMaker;

  constructor(make: SourceMaker) {
    this.make = make;
  }

  /** Mounts `target`, telling `events` of its changes with the namespace applied. */
  add(target: MountTarget, namespace: string | undefined, events: SourceEvents): void {
    this.all.push(new Mounted(target, namespace, events, this.make));
  }

  /** Stops hearing every source and releases what those made hold. */
  async close(): Promise<void> {
    const mounts = this.all.splice(0) as Mounted[];
    for (const mount of mounts) mount.unwatch();
    await Promise.all(mounts.map((mount) => mount.made?.close?.()));
  }
}

/** Hears a server's list changes and resource updates; returns what stops it. */
export function watchServer(kernel: ServerKernel, events: SourceEvents): () => void {
  const lists = kernel.onListChanged((method) => events.listChanged(method));
  const updates = kernel.onResourceUpdated((uri) => events.resourceUpdated(uri));
  return () => {
    lists();
    updates();
  };
}

/** Whether `kernel` is `from` or is mounted somewhere below it (mounting `from` on it would loop). */
export function reaches(from: ServerKernel, kernel: ServerKernel): boolean {
  if (from === kernel) return true;
  for (const { target } of from.mounts?.all ?? []) {
    if (target.kind === "server" && reaches(target.kernel, kernel)) return true;
  }
  return false;
}
