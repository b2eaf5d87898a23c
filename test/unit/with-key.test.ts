/**
 * withKey / withMeta copy a request's params with one key set (a mounted server's tool name, the
 * 2026-07-28 envelope, a progress token). Params come from peers: an own `__proto__` key, which
 * JSON.parse makes, must stay a plain key of the copy and never become its prototype.
 */
import { describe, expect, it } from "vitest";
import { withKey, withMeta } from "../../src/protocol/meta.js";

describe("withKey", () => {
  it("copies the object with the key set, the original untouched", () => {
    const params = { name: "a", arguments: { x: 1 } };
    const copy = withKey(params, "name", "b");
    expect(copy).toEqual({ name: "b", arguments: { x: 1 } });
    expect(params.name).toBe("a");
    expect(copy.arguments).toBe(params.arguments);
    expect(withKey(params, "task", { ttl: 5 })).toEqual({ name: "a", arguments: { x: 1 }, task: { ttl: 5 } });
  });

  it("keeps a peer's own __proto__ key a plain key: the copy's prototype stays Object.prototype", () => {
    const hostile = JSON.parse('{"name":"a","__proto__":{"polluted":true,"name":"inherited"}}');
    const copy = withKey(hostile, "name", "b") as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy.polluted).toBeUndefined();
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect(copy.name).toBe("b");
    const meta = withMeta(hostile, { progressToken: 1 }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
    expect(meta.polluted).toBeUndefined();
  });
});
