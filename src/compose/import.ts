/**
 * `importServer`: a copy of another server's components, taken once, under a namespace. The copies
 * run the other server's handlers with their validation, tags and auth checks, but as this
 * server's components: its middleware, not the other's, runs around them.
 */
import type { ComponentKind, Entry } from "../server/components/registry.js";
import { compileUriTemplate } from "../server/components/uri-template.js";
import type { ServerKernel } from "../server/kernel.js";
import { prefixName, prefixUri } from "../server/namespace.js";

/** One component to copy: its kind, its new key, and how to build the copy. */
export interface ImportedEntry {
  kind: ComponentKind;
  key: string;
  build: (key: string) => Entry<unknown>;
}

/** The fields of a copy of each kind that hold its (new) key. */
const RENAMES = {
  tools: (entry: Entry<unknown>, key: string) => ({ wire: { ...(entry.wire as object), name: key } }),
  prompts: (entry: Entry<unknown>, key: string) => ({ wire: { ...(entry.wire as object), name: key } }),
  resources: (entry: Entry<unknown>, key: string) => ({ wire: { ...(entry.wire as object), uri: key } }),
  templates: (entry: Entry<unknown>, key: string) => ({
    wire: { ...(entry.wire as object), uriTemplate: key },
    template: compileUriTemplate(key),
  }),
} as const satisfies Record<ComponentKind, (entry: Entry<unknown>, key: string) => { wire: object }>;

/**
 * The copies of `kernel`'s own components, renamed under `namespace`: disabled ones included (still
 * disabled), those its tag filter or rules hide left out (it does not serve them).
 */
export function importedEntries(kernel: ServerKernel, namespace: string | undefined): ImportedEntry[] {
  const copies: ImportedEntry[] = [];
  for (const kind of Object.keys(RENAMES) as ComponentKind[]) {
    const byName = kind === "tools" || kind === "prompts";
    for (const entry of kernel[kind].all() as IterableIterator<Entry<unknown>>) {
      if (entry.hidden) continue;
      const key = !namespace
        ? entry.key
        : byName
          ? prefixName(namespace, entry.key)
          : prefixUri(namespace, entry.key);
      copies.push({
        kind,
        key,
        build: (key) => ({ ...entry, key, hidden: false, ...RENAMES[kind](entry, key) }),
      });
    }
  }
  return copies;
}
