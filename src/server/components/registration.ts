/**
 * Registering components: the four call shapes of `tool()`/`resource()`/`prompt()`, building an
 * entry (at once, or later when its schema converter loads), the duplicate policy, and the handle
 * that enables, disables, updates or removes what it registered, and nothing else.
 */
import type { ServerKernel } from "../kernel.js";
import { buildPromptEntry } from "./prompts.js";
import type { ComponentKind, DuplicatePolicy, Entry, Registry } from "./registry.js";
import { buildResourceEntry, buildTemplateEntry } from "./resources.js";
import { buildToolEntry } from "./tools.js";

/** A registered component: enable, disable, update or remove it; clients are told of the change. */
export interface ComponentHandle<Options> {
  /** The name (tools, prompts) or URI (resources, templates) the component is registered under. */
  readonly key: string;
  /** The component's own switch: on unless `disable()`d (or registered with `enabled: false`). */
  readonly enabled: boolean;
  /** Whether clients see it: its own switch is on and the server's tags and rules let it show. */
  readonly visible: boolean;
  enable(): void;
  disable(): void;
  /** Changes options (and the handler), keeping the component's place in list order. */
  update(options: Partial<Options>): void;
  remove(): void;
}

/** How an entry is built from a key, the options and the handler (or the entry it derives from). */
export type Build<E> = (key: string, options: Options, handler: unknown) => E | Promise<E>;

type Options = Record<string, unknown>;
type AnyEntry = Entry<unknown>;

/** What `onDuplicate` takes: one policy for all kinds, or one per kind. */
export type DuplicateSetting = DuplicatePolicy | Partial<Record<ComponentKind, DuplicatePolicy>>;

const DUPLICATE_NOUNS = {
  tools: "tool",
  resources: "resource",
  templates: "resource template",
  prompts: "prompt",
} as const satisfies Record<ComponentKind, string>;

const POLICIES: readonly DuplicatePolicy[] = ["warn", "error", "replace", "ignore"];

/** Refuses an `onDuplicate` setting that names no policy, at construction rather than at the first duplicate. */
export function checkDuplicatePolicy(setting: DuplicateSetting | undefined): DuplicateSetting | undefined {
  if (setting === undefined) return setting;
  const values = typeof setting === "object" && setting !== null ? Object.values(setting) : [setting];
  for (const value of values) {
    if (value !== undefined && !POLICIES.includes(value)) {
      throw new TypeError(`onDuplicate must be one of ${POLICIES.join(", ")}: got ${String(value)}`);
    }
  }
  return setting;
}

/** Accepts `(key, handler)`, `(key, options, handler)` and `({ key, ...options, handler })`. */
export function normalize(
  a: unknown,
  b: unknown,
  c: unknown,
  keyField: "name" | "uri",
): [key: string, options: Options, handler: unknown] {
  if (typeof a === "object" && a !== null) {
    const { [keyField]: key, handler, ...options } = a as Options;
    return [key as string, options, handler];
  }
  if (typeof b === "function") return [a as string, {}, b];
  return [a as string, (b ?? {}) as Options, c];
}

/** Puts components into the kernel's registries and hands out their handles. */
export class Registrar {
  private readonly kernel: ServerKernel;
  private readonly serverName: string;
  private readonly onDuplicate: DuplicateSetting | undefined;

  constructor(kernel: ServerKernel, serverName: string, onDuplicate: DuplicateSetting | undefined) {
    this.kernel = kernel;
    this.serverName = serverName;
    this.onDuplicate = checkDuplicatePolicy(onDuplicate);
  }

  /**
   * Registers a component of `kind`. `custom`: a different builder, and the key of the entry the
   * first build replaces (transformTool; none for a copy from another server).
   */
  register<O>(
    kind: ComponentKind,
    key: string,
    options: object,
    handler: unknown,
    custom?: { build: Build<AnyEntry>; replacing?: string },
  ): ComponentHandle<O> {
    const { registry, keyField, build: standard } = this.parts(kind);
    const build = custom?.build ?? standard;
    let current = { key, options: options as Options, handler };
    // The entry this handle installed: a handle whose component was replaced by another
    // registration (or never installed, under "ignore") no longer acts on that key.
    let mine: AnyEntry | undefined;
    let settled: Promise<void> | undefined;
    const apply = (work: () => void) => {
      if (settled) settled = settled.then(work);
      else work();
    };
    const owned = () => mine !== undefined && registry.peek(current.key) === mine;
    const install = (
      oldKey: string | undefined,
      built: AnyEntry | Promise<AnyEntry>,
      next: typeof current,
    ) => {
      const put = (entry: AnyEntry) => {
        if (entry.key !== oldKey && registry.has(entry.key) && !this.admitDuplicate(kind, entry.key)) return;
        if (oldKey === undefined) registry.set(entry);
        else registry.replace(oldKey, entry);
        mine = entry;
        current = next;
      };
      if (built instanceof Promise) {
        settled = built.then(put);
        this.kernel.track(settled);
      } else {
        put(built);
      }
    };
    install(custom?.replacing, build(key, current.options, handler), current);
    return {
      get key() {
        return current.key;
      },
      get enabled() {
        return owned() && (mine as AnyEntry).enabled;
      },
      get visible() {
        return owned() && registry.get(current.key) === mine;
      },
      enable: () => apply(() => owned() && registry.setEnabled(current.key, true)),
      disable: () => apply(() => owned() && registry.setEnabled(current.key, false)),
      remove: () => apply(() => owned() && registry.delete(current.key)),
      update: (changes: Partial<O>) =>
        apply(() => {
          if (!owned()) return;
          const { handler: newHandler, [keyField]: newKey, ...rest } = changes as Options;
          const next = {
            key: (newKey as string | undefined) ?? current.key,
            options: { ...current.options, ...rest, enabled: rest.enabled ?? (mine as AnyEntry).enabled },
            handler: newHandler ?? current.handler,
          };
          install(current.key, build(next.key, next.options, next.handler), next);
        }),
    };
  }

  /** The registry of a kind of component, how its entries are built, and the option holding its key. */
  private parts(kind: ComponentKind): {
    registry: Registry<AnyEntry, unknown>;
    build: Build<AnyEntry>;
    keyField: "name" | "uri";
  } {
    const { kernel } = this;
    const pick = (registry: unknown, build: unknown, keyField: "name" | "uri") => ({
      registry: registry as Registry<AnyEntry, unknown>,
      build: build as Build<AnyEntry>,
      keyField,
    });
    switch (kind) {
      case "tools":
        return pick(kernel.tools, buildToolEntry, "name");
      case "prompts":
        return pick(kernel.prompts, buildPromptEntry, "name");
      case "resources":
        return pick(kernel.resources, buildResourceEntry, "uri");
      case "templates":
        return pick(kernel.templates, buildTemplateEntry, "uri");
    }
  }

  /**
   * Whether a component may take `key`, already taken in `kind`'s registry, under the duplicate
   * policy: throws for "error", warns for "warn", false for "ignore".
   */
  private admitDuplicate(kind: ComponentKind, key: string): boolean {
    const setting = this.onDuplicate;
    const policy = (typeof setting === "object" ? setting[kind] : setting) ?? "warn";
    const what = `${DUPLICATE_NOUNS[kind]} ${key}`;
    switch (policy) {
      case "error":
        throw new TypeError(`Duplicate ${what}: already registered (onDuplicate: "error")`);
      case "ignore":
        return false;
      case "warn":
        console.warn(
          `[fastmcp-ts] ${this.serverName}: ${what} registered twice; the later one replaces the earlier (set onDuplicate to choose)`,
        );
        return true;
      default:
        return true;
    }
  }
}
