/** The input depth bound (issue 8, item 5): iterative, exact at the limit, safe on cycles. */
import { describe, expect, it } from "vitest";
import { ErrorCode, McpError } from "../../src/index.js";
import { MAX_INPUT_DEPTH, nestsDeeperThan } from "../../src/server/depth.js";
import { canonicalJson } from "../../src/server/request-state-seal.js";

function nested(depth: number): unknown {
  let value: unknown = [];
  for (let level = 1; level < depth; level++) value = level % 2 ? { a: value } : [value];
  return value;
}

describe("nestsDeeperThan", () => {
  it("counts objects and arrays, and is exact at the limit", () => {
    expect(nestsDeeperThan("text", 0)).toBe(false);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [] }, 1)).toBe(true);
    expect(nestsDeeperThan(nested(MAX_INPUT_DEPTH), MAX_INPUT_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_INPUT_DEPTH + 1), MAX_INPUT_DEPTH)).toBe(true);
  });

  it("walks a million levels without overflowing the stack", () => {
    expect(nestsDeeperThan(nested(1_000_000), MAX_INPUT_DEPTH)).toBe(true);
  });

  it("takes a cycle as too deep", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(nestsDeeperThan(cycle, MAX_INPUT_DEPTH)).toBe(true);
  });
});

describe("canonicalJson", () => {
  it("refuses a value too deep to digest with -32602 instead of overflowing the stack", () => {
    let thrown: unknown;
    try {
      canonicalJson(nested(100_000));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(McpError);
    expect((thrown as McpError).code).toBe(ErrorCode.InvalidParams);
    expect((thrown as McpError).message).toContain(String(MAX_INPUT_DEPTH));
  });

  it("still sorts keys", () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[1,{"c":2,"d":1}]}');
  });
});
