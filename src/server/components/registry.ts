/**
 * An ordered store of components (tools, resources, templates, prompts) with enable/disable,
 * a cached list of what is visible and change notification. Its pages (pages.ts, opaque cursors)
 * load with the serving code.
 */
import type { AuthCheck, AuthInfo } from "../../auth/types.js";
import type { Icon, MetaObject } from "../../protocol/types.js";

/** What every component (tool, resource, template, prompt) takes besides its own options. */
export interface CommonComponentOptions {
  title?: string;
  description?: string;
  icons?: Icon[];
  _meta?: MetaObject;
  /**
   * Labels for the server's `includeTags`/`excludeTags` and `enable`/`disable({ tags })`; listed
   * under `_meta.fastmcp.tags`.
   */
  tags?: readonly string[];
  /** Registered but hidden until enabled. */
  enabled?: boolean;
  /**
   * Who may see and use it, e.g. `requireScopes("write")` (or a list of checks, all of which must
   * pass): others find it absent from lists and get the unknown-component error.
   */
  auth?: AuthCheck | readonly AuthCheck[];
}

export interface Entry<Wire> {
  key: string;
  /** The component's own switch (its handle, or the `enabled` option). */
  enabled: boolean;
  /** The component as listed on the wire, built at registration. */
  wire: Wire;
  /** Labels for grouping: the server's tag filter and `enable`/`disable` rules match them. */
  tags?: readonly string[] | undefined;
  /** Set by the server's visibility policy (tag filter, enable/disable rules); never by the component. */
  hidden?: boolean;
  /** Who may see and use it (the `auth` option); judged per request, only for entries that have one. */
  auth?: AuthCheck | undefined;
}

/** Decides whether the server shows an entry; runs on change, never per request. */
export type VisibilityPolicy = (entry: Entry<unknown>) => boolean;

/** Checks a `tags` option: an array of non-empty strings; duplicates dropped. */
export function checkTags(what: string, tags: unknown): readonly string[] | undefined {
  if (tags === undefined) return undefined;
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string" || tag === "")) {
    throw new TypeError(`${what}: tags must be an array of non-empty strings`);
  }
  return tags.length === 0 ? undefined : [...new Set(tags as string[])];
}

/**
 * Checks a component's `auth` option: one check, or a list that must all pass. Returns the single
 * function the registry calls (undefined when the option is absent or an empty list).
 */
export function checkAuthOption(what: string, option: unknown): AuthCheck | undefined {
  if (option === undefined) return undefined;
  if (typeof option === "function") return option as AuthCheck;
  if (Array.isArray(option) && option.every((check) => typeof check === "function")) {
    const checks = [...option] as AuthCheck[];
    if (checks.length <= 1) return checks[0];
    return (auth) => checks.every((check) => check(auth) === true);
  }
  throw new TypeError(
    `${what}: auth must be a check function (such as requireScopes(...)) or a list of them`,
  );
}

/**
 * Whether `auth`'s holder may see and use `entry`. A check that throws denies: a broken check must
 * not open a component, and its error is the server's, not the caller's.
 */
export function allows(entry: Entry<unknown>, auth: AuthInfo | undefined): boolean {
  const check = entry.auth;
  if (!check) return true;
  try {
    return check(auth) === true;
  } catch {
    return false;
  }
}

/**
 * The `_meta` a component is listed with: its own, plus its tags under `fastmcp.tags` (where
 * Python FastMCP 3 puts them, so clients and tools written for either read them alike).
 */
export function metaWithTags(
  meta: Record<string, unknown> | undefined,
  tags: readonly string[] | undefined,
): Record<string, unknown> | undefined {
  if (!tags) return meta;
  const own = meta?.fastmcp;
  const fastmcp = typeof own === "object" && own !== null ? { ...own, tags: [...tags] } : { tags: [...tags] };
  return { ...meta, fastmcp };
}

/**
 * What registering a name (or URI) that is already taken does: `"warn"` replaces the earlier
 * component and warns, `"error"` throws, `"replace"` replaces silently, `"ignore"` keeps the earlier.
 */
export type DuplicatePolicy = "warn" | "error" | "replace" | "ignore";

/** The component kinds, as named in per-kind `onDuplicate` settings. */
export type ComponentKind = "tools" | "resources" | "templates" | "prompts";

/** The MCP tool-name guidance (spec 2025-11-25, "Tool names"): 1 to 128 of A-Z a-z 0-9 _ - . */
const COMPONENT_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Checks a tool or prompt name against the MCP tool-name guidance; throws a TypeError naming the rule. */
export function checkComponentName(kind: "tool" | "prompt", name: unknown): string {
  if (typeof name !== "string" || !COMPONENT_NAME.test(name)) {
    throw new TypeError(
      `Invalid ${kind} name ${typeof name === "string" ? JSON.stringify(name) : String(name)}: ` +
        'use 1 to 128 characters from A-Z, a-z, 0-9, "_", "-" and "." (MCP tool-name rules)',
    );
  }
  return name;
}

export class Registry<E extends Entry<Wire>, Wire = E["wire"]> {
  private readonly entries = new Map<string, E>();
  private visible: Wire[] | undefined;
  /** @internal The listed entries, as of the last `list()` (pages.ts pages them). */
  visibleEntries: E[] = [];
  /** How many listed entries have an `auth` check: zero keeps lists and lookups caller-independent. */
  private guarded = 0;
  /** @internal Each listed entry's position, as of the last `list()`. */
  positions: Map<string, number> | undefined;
  private readonly onChange: () => void;
  private policy: VisibilityPolicy | undefined;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The entry for `key` when it exists and is visible (enabled, and not hidden by the server). */
  get(key: string): E | undefined {
    const entry = this.entries.get(key);
    return entry?.enabled && !entry.hidden ? entry : undefined;
  }

  /** The entry for `key`, enabled or not. */
  peek(key: string): E | undefined {
    return this.entries.get(key);
  }

  /** The entry for `key` when it is visible and `auth`'s holder passes its check. */
  getFor(key: string, auth: AuthInfo | undefined): E | undefined {
    const entry = this.get(key);
    return entry && (!entry.auth || allows(entry, auth)) ? entry : undefined;
  }

  /** Whether some listed entry has an `auth` check (lists then differ per caller). */
  hasChecks(): boolean {
    this.list();
    return this.guarded > 0;
  }

  /** Every entry, disabled ones included, in registration order. */
  all(): IterableIterator<E> {
    return this.entries.values();
  }

  set(entry: E): void {
    this.judge(entry);
    this.entries.set(entry.key, entry);
    this.changed();
  }

  /** Replaces an entry whose key may have changed, keeping its place in the order when it did not. */
  replace(oldKey: string, entry: E): void {
    this.judge(entry);
    if (oldKey === entry.key) this.entries.set(oldKey, entry);
    else {
      this.entries.delete(oldKey);
      this.entries.set(entry.key, entry);
    }
    this.changed();
  }

  delete(key: string): boolean {
    const removed = this.entries.delete(key);
    if (removed) this.changed();
    return removed;
  }

  setEnabled(key: string, enabled: boolean): void {
    const entry = this.entries.get(key);
    if (!entry || entry.enabled === enabled) return;
    entry.enabled = enabled;
    // Hidden by the server either way: what clients see did not change.
    if (!entry.hidden) this.changed();
  }

  /**
   * Installs the server's visibility policy and judges every entry again; the list changes (and
   * clients are told) only when some enabled entry's visibility did.
   */
  setPolicy(policy: VisibilityPolicy | undefined): void {
    this.policy = policy;
    let changed = false;
    for (const entry of this.entries.values()) {
      const was = entry.hidden === true;
      this.judge(entry);
      if (entry.enabled && was !== (entry.hidden === true)) changed = true;
    }
    if (changed) this.changed();
  }

  private judge(entry: E): void {
    if (this.policy) entry.hidden = !this.policy(entry);
    else if (entry.hidden) entry.hidden = false;
  }

  /** Visible entries' wire forms, built once per change. */
  list(): Wire[] {
    if (!this.visible) {
      this.visible = [];
      this.visibleEntries = [];
      this.guarded = 0;
      this.positions = new Map();
      for (const entry of this.entries.values()) {
        if (!entry.enabled || entry.hidden) continue;
        this.positions.set(entry.key, this.visible.length);
        this.visible.push(entry.wire);
        this.visibleEntries.push(entry);
        if (entry.auth) this.guarded++;
      }
    }
    return this.visible;
  }

  /** The list as `auth`'s holder sees it: the cached list itself unless some entry has a check. */
  visibleTo(auth: AuthInfo | undefined): Wire[] {
    const items = this.list();
    if (this.guarded === 0) return items;
    return this.visibleEntries.filter((entry) => allows(entry, auth)).map((entry) => entry.wire);
  }

  private changed(): void {
    this.visible = undefined;
    this.positions = undefined;
    this.onChange();
  }
}
