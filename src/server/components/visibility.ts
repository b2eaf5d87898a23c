/**
 * What the server shows: the tag filter fixed at construction (`includeTags`, `excludeTags`) and the
 * rules added by `mcp.enable()` / `mcp.disable()`. Judged when a component or a rule changes and
 * stored on the entry, so a request pays one property read; a server that uses none of it installs
 * no policy at all.
 */
import { checkTags, type Entry, type Registry, type VisibilityPolicy } from "./registry.js";

/**
 * Which components an `enable`/`disable` rule targets. Both criteria narrow: a component matches
 * when it is named (tool/prompt name, resource/template URI) and has one of the tags.
 */
export interface VisibilityFilter {
  /** Components having any of these tags. */
  tags?: readonly string[];
  /** Tool and prompt names, resource URIs and template URIs (a name matches across kinds). */
  names?: readonly string[];
}

interface Rule {
  show: boolean;
  names: ReadonlySet<string> | undefined;
  tags: ReadonlySet<string> | undefined;
  /** The criteria in canonical form: a later rule with the same criteria replaces the earlier one. */
  id: string;
}

function hasAny(tags: readonly string[] | undefined, wanted: ReadonlySet<string>): boolean {
  if (!tags) return false;
  for (const tag of tags) if (wanted.has(tag)) return true;
  return false;
}

function asSet(values: readonly string[] | undefined): ReadonlySet<string> | undefined {
  return values === undefined ? undefined : new Set(values);
}

export class Visibility {
  private readonly include: ReadonlySet<string> | undefined;
  private readonly exclude: ReadonlySet<string> | undefined;
  private readonly rules: Rule[] = [];

  constructor(includeTags: unknown, excludeTags: unknown) {
    this.include = asSet(checkTags("includeTags", includeTags));
    this.exclude = asSet(checkTags("excludeTags", excludeTags));
  }

  /** Whether anything can hide a component (else no policy needs installing). */
  get active(): boolean {
    return this.include !== undefined || this.exclude !== undefined || this.rules.length > 0;
  }

  /** Adds an enable (`show`) or disable rule; it overrides earlier rules where they overlap. */
  add(show: boolean, filter: VisibilityFilter): void {
    const verb = show ? "enable" : "disable";
    if (typeof filter !== "object" || filter === null) {
      throw new TypeError(`${verb}() takes { tags?, names? }`);
    }
    const tags = checkTags(`${verb}()`, filter.tags);
    const names = filter.names;
    if (names !== undefined && (!Array.isArray(names) || names.some((name) => typeof name !== "string"))) {
      throw new TypeError(`${verb}(): names must be an array of strings`);
    }
    if (!tags && (!names || names.length === 0)) {
      throw new TypeError(`${verb}() needs tags or names to match`);
    }
    const id = JSON.stringify([[...(tags ?? [])].sort(), names ? [...new Set(names)].sort() : null]);
    const earlier = this.rules.findIndex((rule) => rule.id === id);
    // The same criteria again: the new rule decides alone, and toggling in a loop does not grow the list.
    if (earlier !== -1) this.rules.splice(earlier, 1);
    this.rules.push({ show, id, tags: asSet(tags), names: asSet(names) });
  }

  /** The policy the registries judge entries with: tag filter first, then the last matching rule. */
  readonly allows: VisibilityPolicy = (entry: Entry<unknown>) => {
    if (this.include && !hasAny(entry.tags, this.include)) return false;
    if (this.exclude && hasAny(entry.tags, this.exclude)) return false;
    for (let at = this.rules.length - 1; at >= 0; at--) {
      const rule = this.rules[at] as Rule;
      if (rule.names && !rule.names.has(entry.key)) continue;
      if (rule.tags && !hasAny(entry.tags, rule.tags)) continue;
      return rule.show;
    }
    return true;
  };

  /** Judges every component again under the current rules; registries whose visible set changed tell clients. */
  applyTo(registries: readonly Registry<Entry<unknown>, unknown>[]): void {
    const policy = this.active ? this.allows : undefined;
    for (const registry of registries) registry.setPolicy(policy);
  }
}
