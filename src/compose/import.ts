/**
 * `importServer`: a copy of another server's components, taken once, under a namespace. The copies
 * run the other server's handlers with their validation, tags and auth checks, but as this
 * server's components: its middleware, not the other's, runs around them.
 */
import type { ComponentKind, Entry } from "../server/components/registry.js";
import type { TemplateEntry } from "../server/components/resources.js";
import { compileUriTemplate } from "../server/components/uri-template.js";
import type { ServerKernel } from "../server/kernel.js";
import { prefixName, prefixUri } from "../server/namespace.js";

/** One component to copy: its kind, its new key, and how to build the copy. */
export interface ImportedEntry {
  kind: ComponentKind;
  key: string;
  build: (key: string) => Entry<unknown>;
}

/**
 * The copies of `kernel`'s own components, renamed under `namespace`: disabled ones included (still
 * disabled), those its tag filter or rules hide left out (it does not serve them).
 */
export function importedEntries(kernel: ServerKernel, namespace: string | undefined): ImportedEntry[] {
  const name = (key: string) => (namespace ? prefixName(namespace, key) : key);
  const uri = (key: string) => (namespace ? prefixUri(namespace, key) : key);
  const copies: ImportedEntry[] = [];
  for (const entry of kernel.tools.all()) {
    if (entry.hidden) continue;
    copies.push({
      kind: "tools",
      key: name(entry.key),
      build: (key) => ({ ...entry, key, wire: { ...entry.wire, name: key }, hidden: false }),
    });
  }
  for (const entry of kernel.prompts.all()) {
    if (entry.hidden) continue;
    copies.push({
      kind: "prompts",
      key: name(entry.key),
      build: (key) => ({ ...entry, key, wire: { ...entry.wire, name: key }, hidden: false }),
    });
  }
  for (const entry of kernel.resources.all()) {
    if (entry.hidden) continue;
    copies.push({
      kind: "resources",
      key: uri(entry.key),
      build: (key) => ({ ...entry, key, wire: { ...entry.wire, uri: key }, hidden: false }),
    });
  }
  for (const entry of kernel.templates.all()) {
    if (entry.hidden) continue;
    copies.push({
      kind: "templates",
      key: uri(entry.key),
      build: (key): TemplateEntry => ({
        ...entry,
        key,
        wire: { ...entry.wire, uriTemplate: key },
        template: compileUriTemplate(key),
        hidden: false,
      }),
    });
  }
  return copies;
}
