/**
 * The sources mounted on a server (mounted servers, proxies), in mount order, with their change
 * events heard under each mount's namespace. Routing requests to them (mount-routes.ts) loads with
 * the dispatcher.
 */
import { prefixUri } from "./namespace.js";
import type { ComponentSource, SourceEvents } from "./sources.js";

/** One mounted source. */
export interface Mount {
  readonly source: ComponentSource;
  readonly namespace: string | undefined;
  /** Stops hearing the source's changes. */
  readonly unwatch: () => void;
}

export class Mounts {
  readonly all: Mount[] = [];

  /** Mounts `source`, telling `events` of its changes with the namespace applied. */
  add(source: ComponentSource, namespace: string | undefined, events: SourceEvents): Mount {
    const unwatch = source.watch({
      listChanged: (method) => events.listChanged(method),
      resourceUpdated: (uri) => events.resourceUpdated(namespace ? prefixUri(namespace, uri) : uri),
    });
    const mount: Mount = { source, namespace, unwatch };
    this.all.push(mount);
    return mount;
  }

  /** Stops hearing every source and releases what they hold. */
  async close(): Promise<void> {
    const mounts = this.all.splice(0);
    for (const mount of mounts) mount.unwatch();
    await Promise.all(mounts.map((mount) => mount.source.close?.()));
  }
}
