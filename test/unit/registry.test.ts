import { describe, expect, it, vi } from "vitest";
import { McpError } from "../../src/errors.js";
import { registryPage } from "../../src/server/components/pages.js";
import { type Entry, Registry } from "../../src/server/components/registry.js";

interface Wire {
  name: string;
  version?: number;
}

function entry(name: string, enabled = true, version?: number): Entry<Wire> {
  return { key: name, enabled, wire: version === undefined ? { name } : { name, version } };
}

function registryOf(names: string[]) {
  const onChange = vi.fn();
  const registry = new Registry<Entry<Wire>>(onChange);
  for (const name of names) registry.set(entry(name));
  onChange.mockClear();
  return { registry, onChange };
}

function names(items: Wire[]): string[] {
  return items.map((item) => item.name);
}

/** Walks every page from the start, returning the pages' names. */
function walk(registry: Registry<Entry<Wire>>, pageSize: number): string[][] {
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = registryPage(registry, cursor, pageSize);
    pages.push(names(page.items));
    if (page.nextCursor === undefined) return pages;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not end");
}

describe("Registry listing", () => {
  it("lists in registration order", () => {
    const { registry } = registryOf(["zeta", "alpha", "mid"]);
    expect(names(registry.list())).toEqual(["zeta", "alpha", "mid"]);
    expect(registry.size).toBe(3);
    expect([...registry.all()].map((e) => e.key)).toEqual(["zeta", "alpha", "mid"]);
  });

  it("re-registering a key replaces it in place", () => {
    const { registry } = registryOf(["a", "b", "c"]);
    registry.set(entry("a", true, 2));
    expect(registry.list()).toEqual([{ name: "a", version: 2 }, { name: "b" }, { name: "c" }]);
  });

  it("disable hides and enable shows again, in the original place", () => {
    const { registry, onChange } = registryOf(["a", "b", "c"]);
    registry.setEnabled("b", false);
    expect(names(registry.list())).toEqual(["a", "c"]);
    expect(registry.get("b")).toBeUndefined();
    expect(registry.has("b")).toBe(true);
    expect([...registry.all()].map((e) => e.key)).toEqual(["a", "b", "c"]);
    registry.setEnabled("b", true);
    expect(names(registry.list())).toEqual(["a", "b", "c"]);
    expect(registry.get("b")?.wire).toEqual({ name: "b" });
    expect(onChange).toHaveBeenCalledTimes(2);
  });

  it("an entry registered disabled is not listed", () => {
    const { registry } = registryOf(["a"]);
    registry.set(entry("hidden", false));
    expect(names(registry.list())).toEqual(["a"]);
    expect(registry.get("hidden")).toBeUndefined();
  });

  it("caches the list and rebuilds it after a change", () => {
    const { registry } = registryOf(["a", "b"]);
    const first = registry.list();
    expect(registry.list()).toBe(first);
    registry.set(entry("c"));
    const second = registry.list();
    expect(second).not.toBe(first);
    expect(names(second)).toEqual(["a", "b", "c"]);
    registry.setEnabled("a", false);
    expect(names(registry.list())).toEqual(["b", "c"]);
    registry.delete("b");
    expect(names(registry.list())).toEqual(["c"]);
    registry.replace("c", entry("d"));
    expect(names(registry.list())).toEqual(["d"]);
  });

  it("calls onChange on every real change only", () => {
    const { registry, onChange } = registryOf(["a"]);
    registry.set(entry("b"));
    expect(onChange).toHaveBeenCalledTimes(1);
    registry.setEnabled("b", true); // already enabled
    registry.setEnabled("missing", false);
    expect(registry.delete("missing")).toBe(false);
    expect(onChange).toHaveBeenCalledTimes(1);
    registry.setEnabled("b", false);
    expect(onChange).toHaveBeenCalledTimes(2);
    expect(registry.delete("a")).toBe(true);
    expect(onChange).toHaveBeenCalledTimes(3);
    registry.replace("b", entry("b", true, 2));
    expect(onChange).toHaveBeenCalledTimes(4);
  });

  it("replace keeps the place when the key is unchanged and moves a renamed entry to the end", () => {
    const { registry } = registryOf(["a", "b", "c"]);
    registry.replace("a", entry("a", true, 2));
    expect(registry.list()[0]).toEqual({ name: "a", version: 2 });
    registry.replace("a", entry("renamed"));
    expect(names(registry.list())).toEqual(["b", "c", "renamed"]);
    expect(registry.has("a")).toBe(false);
  });
});

describe("Registry pagination", () => {
  const many = Array.from({ length: 10 }, (_, index) => `item-${index}`);

  it("returns everything in one page without a page size", () => {
    const { registry } = registryOf(many);
    const page = registryPage(registry, undefined, undefined);
    expect(names(page.items)).toEqual(many);
    expect(page.nextCursor).toBeUndefined();
  });

  it("returns one page without a cursor when everything fits", () => {
    const { registry } = registryOf(many);
    expect(registryPage(registry, undefined, 10)).toEqual({ items: registry.list() });
    expect(registryPage(registry, undefined, 50).nextCursor).toBeUndefined();
  });

  it.each([1, 3, 4, 5, 9])("walking pages of %i returns every item exactly once, in order", (size) => {
    const { registry } = registryOf(many);
    const pages = walk(registry, size);
    expect(pages.flat()).toEqual(many);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(size);
    expect(pages.at(-1)?.length).toBeGreaterThan(0);
    expect(pages).toHaveLength(Math.ceil(many.length / size));
  });

  it("skips disabled entries when paging", () => {
    const { registry } = registryOf(many);
    registry.setEnabled("item-2", false);
    registry.setEnabled("item-7", false);
    expect(walk(registry, 3).flat()).toEqual(many.filter((name) => name !== "item-2" && name !== "item-7"));
  });

  it("uses opaque cursors that do not expose the key", () => {
    const { registry } = registryOf(["secret-tool-a", "secret-tool-b"]);
    const cursor = registryPage(registry, undefined, 1).nextCursor;
    expect(typeof cursor).toBe("string");
    expect(cursor).not.toContain("secret");
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("handles keys outside ASCII", () => {
    const { registry } = registryOf(["a", "ツール", "b/c?d"]);
    expect(walk(registry, 1).flat()).toEqual(["a", "ツール", "b/c?d"]);
  });

  it.each([
    ["garbage", "!!not base64!!"],
    ["an unknown key", btoa("no-such-item")],
    ["an empty string", ""],
  ])("rejects %s as cursor with -32602", (_label, cursor) => {
    const { registry } = registryOf(many);
    let caught: unknown;
    try {
      registryPage(registry, cursor, 3);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(McpError);
    expect((caught as McpError).code).toBe(-32602);
  });

  it("rejects a cursor whose entry was removed since", () => {
    const { registry } = registryOf(many);
    const cursor = registryPage(registry, undefined, 3).nextCursor as string;
    expect(names(registryPage(registry, cursor, 3).items)).toEqual(["item-3", "item-4", "item-5"]);
    registry.delete("item-3");
    expect(() => registryPage(registry, cursor, 3)).toThrow(McpError);
  });
});
