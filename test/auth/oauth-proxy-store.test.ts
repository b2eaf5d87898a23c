/** MemoryOAuthProxyStore: JSON copies, TTLs, single-winner take, per-namespace caps. */
import { describe, expect, it } from "vitest";
import { MemoryOAuthProxyStore } from "../../src/auth/server/index.js";

describe("MemoryOAuthProxyStore", () => {
  it("hands out copies: changing what get returned changes nothing stored", async () => {
    const store = new MemoryOAuthProxyStore();
    await store.set("grant:a", { scopes: ["x"] }, 60_000);
    const value = await store.get<{ scopes: string[] }>("grant:a");
    value?.scopes.push("y");
    expect(await store.get("grant:a")).toEqual({ scopes: ["x"] });
  });

  it("an entry whose TTL has passed is gone; delete removes at once", async () => {
    const store = new MemoryOAuthProxyStore();
    await store.set("code:a", 1, 0);
    await store.set("code:b", 2, 60_000);
    expect(await store.get("code:a")).toBeUndefined();
    expect(await store.take("code:a")).toBeUndefined();
    await store.delete("code:b");
    expect(await store.get("code:b")).toBeUndefined();
  });

  it("of many concurrent takers exactly one gets the value", async () => {
    const store = new MemoryOAuthProxyStore();
    await store.set("code:once", { grant: "g" }, 60_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.take("code:once")));
    expect(results.filter((r) => r !== undefined)).toEqual([{ grant: "g" }]);
  });

  it("caps each namespace separately, dropping its oldest entries", async () => {
    const store = new MemoryOAuthProxyStore({ maxEntriesPerNamespace: 3 });
    await store.set("token:keep", true, 60_000);
    for (let i = 0; i < 10; i++) await store.set(`client:${i}`, i, 60_000);
    expect(store.size("client")).toBe(3);
    expect(await store.get("client:0")).toBeUndefined();
    expect(await store.get("client:9")).toBe(9);
    expect(await store.get("token:keep")).toBe(true);
    expect(() => new MemoryOAuthProxyStore({ maxEntriesPerNamespace: 0 })).toThrow(TypeError);
  });
});
