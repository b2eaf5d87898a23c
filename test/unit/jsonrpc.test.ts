import { describe, expect, it } from "vitest";
import { McpError, ToolError, ValidationError } from "../../src/errors.js";
import { ErrorCode } from "../../src/protocol/codes.js";
import {
  decodeText,
  decodeValue,
  errorResponse,
  isNotification,
  isRequest,
  isResponse,
  resultResponse,
  toErrorObject,
} from "../../src/protocol/jsonrpc.js";

function invalid(decoded: ReturnType<typeof decodeValue>) {
  if (decoded.kind !== "invalid") throw new Error(`expected invalid, got ${decoded.kind}`);
  return decoded.error;
}

describe("decodeText", () => {
  it("classifies a request", () => {
    const decoded = decodeText('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"a"}}');
    expect(decoded).toEqual({
      kind: "request",
      message: { jsonrpc: "2.0", id: 1, method: "tools/list", params: { cursor: "a" } },
    });
  });

  it("classifies a request with a string id and no params", () => {
    const decoded = decodeText('{"jsonrpc":"2.0","id":"abc","method":"ping"}');
    expect(decoded.kind).toBe("request");
    if (decoded.kind === "request") expect(decoded.message.id).toBe("abc");
  });

  it("classifies a notification (no id)", () => {
    const decoded = decodeText('{"jsonrpc":"2.0","method":"notifications/initialized"}');
    expect(decoded).toEqual({
      kind: "notification",
      message: { jsonrpc: "2.0", method: "notifications/initialized" },
    });
  });

  it("classifies result and error responses", () => {
    expect(decodeText('{"jsonrpc":"2.0","id":3,"result":{}}')).toEqual({
      kind: "response",
      message: { jsonrpc: "2.0", id: 3, result: {} },
    });
    const error = decodeText('{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"nope"}}');
    expect(error.kind).toBe("response");
    // An error response to a request whose id could not be read carries id null.
    expect(decodeText('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}').kind).toBe(
      "response",
    );
  });

  it("answers malformed JSON with -32700 and id null", () => {
    const error = invalid(decodeText('{"jsonrpc":"2.0",'));
    expect(error.id).toBeNull();
    expect(error.jsonrpc).toBe("2.0");
    expect(error.error.code).toBe(ErrorCode.ParseError);
    expect(error.error.code).toBe(-32700);
    expect(error.error.message).toMatch(/^Parse error/);
  });

  it("answers an empty text with -32700", () => {
    expect(invalid(decodeText("")).error.code).toBe(-32700);
  });
});

describe("decodeValue", () => {
  it.each([
    ["a number", 42],
    ["a string", "hello"],
    ["null", null],
    ["a boolean", true],
  ])("rejects %s with -32600 and id null", (_label, value) => {
    const error = invalid(decodeValue(value));
    expect(error.id).toBeNull();
    expect(error.error.code).toBe(ErrorCode.InvalidRequest);
  });

  it("rejects arrays (batches) with -32600 and id null", () => {
    const error = invalid(decodeValue([{ jsonrpc: "2.0", id: 1, method: "ping" }]));
    expect(error.id).toBeNull();
    expect(error.error.code).toBe(-32600);
    expect(error.error.message).toMatch(/batch/);
  });

  it("rejects a batch given as text too", () => {
    const error = invalid(decodeText('[{"jsonrpc":"2.0","id":1,"method":"ping"}]'));
    expect(error.error.code).toBe(-32600);
    expect(error.id).toBeNull();
  });

  it("rejects a wrong or missing jsonrpc version, keeping a readable id", () => {
    const wrong = invalid(decodeValue({ jsonrpc: "1.0", id: 7, method: "ping" }));
    expect(wrong.error.code).toBe(-32600);
    expect(wrong.id).toBe(7);
    expect(wrong.error.message).toMatch(/jsonrpc/);
    const missing = invalid(decodeValue({ id: "x", method: "ping" }));
    expect(missing.error.code).toBe(-32600);
    expect(missing.id).toBe("x");
  });

  it.each([
    ["null", null],
    ["an object", { a: 1 }],
    ["an array", [1]],
    ["a boolean", true],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
  ])("rejects a request whose id is %s with id null", (_label, id) => {
    const error = invalid(decodeValue({ jsonrpc: "2.0", id, method: "ping" }));
    expect(error.error.code).toBe(-32600);
    expect(error.id).toBeNull();
    expect(error.error.message).toMatch(/id/);
  });

  it("rejects a method that is not a string", () => {
    const error = invalid(decodeValue({ jsonrpc: "2.0", id: 1, method: 5 }));
    expect(error.error.code).toBe(-32600);
    expect(error.id).toBe(1);
  });

  it.each([
    ["an array", [1, 2]],
    ["a string", "x"],
    ["a number", 3],
    ["null", null],
  ])("rejects params that are %s", (_label, params) => {
    const error = invalid(decodeValue({ jsonrpc: "2.0", id: 2, method: "tools/call", params }));
    expect(error.error.code).toBe(-32600);
    expect(error.id).toBe(2);
    expect(error.error.message).toMatch(/params/);
  });

  it("rejects bad params on a notification too", () => {
    const error = invalid(decodeValue({ jsonrpc: "2.0", method: "notifications/x", params: [1] }));
    expect(error.error.code).toBe(-32600);
    expect(error.id).toBeNull();
  });

  it("rejects malformed responses", () => {
    expect(invalid(decodeValue({ jsonrpc: "2.0", id: 1, error: "boom" })).error.code).toBe(-32600);
    expect(invalid(decodeValue({ jsonrpc: "2.0", id: 1, result: 5 })).error.code).toBe(-32600);
    expect(invalid(decodeValue({ jsonrpc: "2.0", id: null, result: {} })).error.code).toBe(-32600);
  });

  it("rejects an object that is neither request, notification nor response", () => {
    const error = invalid(decodeValue({ jsonrpc: "2.0", id: 9 }));
    expect(error.error.code).toBe(-32600);
    expect(error.id).toBe(9);
  });
});

describe("reply builders and guards", () => {
  it("builds result and error responses", () => {
    expect(resultResponse(1, { ok: true } as never)).toEqual({ jsonrpc: "2.0", id: 1, result: { ok: true } });
    expect(errorResponse("a", -32601, "Method not found")).toEqual({
      jsonrpc: "2.0",
      id: "a",
      error: { code: -32601, message: "Method not found" },
    });
    expect(errorResponse(undefined, -1, "m", { x: 1 })).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -1, message: "m", data: { x: 1 } },
    });
    expect("data" in errorResponse(1, -1, "m").error).toBe(false);
  });

  it("tells messages apart", () => {
    const request = { jsonrpc: "2.0" as const, id: 1, method: "ping" };
    const notification = { jsonrpc: "2.0" as const, method: "notifications/x" };
    const response = { jsonrpc: "2.0" as const, id: 1, result: {} };
    expect([isRequest(request), isNotification(request), isResponse(request)]).toEqual([true, false, false]);
    expect([isRequest(notification), isNotification(notification), isResponse(notification)]).toEqual([
      false,
      true,
      false,
    ]);
    expect([isRequest(response), isNotification(response), isResponse(response)]).toEqual([
      false,
      false,
      true,
    ]);
  });
});

describe("toErrorObject", () => {
  it("keeps an McpError's code, message and data", () => {
    expect(toErrorObject(new McpError(-32021, "missing capability", { need: "sampling" }))).toEqual({
      code: -32021,
      message: "missing capability",
      data: { need: "sampling" },
    });
    expect(toErrorObject(new McpError(-32602, "bad"))).toEqual({ code: -32602, message: "bad" });
  });

  it("keeps McpError subclasses' codes even when masking", () => {
    const error = new ValidationError("Invalid arguments", [{ path: "a", message: "Required" }]);
    expect(toErrorObject(error, true)).toEqual({
      code: -32602,
      message: "Invalid arguments",
      data: { issues: [{ path: "a", message: "Required" }] },
    });
  });

  it("reports other errors as -32603 with their message", () => {
    expect(toErrorObject(new Error("disk full"))).toEqual({
      code: ErrorCode.InternalError,
      message: "Internal error: disk full",
    });
    expect(toErrorObject(new ToolError("tool failed")).message).toBe("Internal error: tool failed");
  });

  it("masks the detail of unexpected errors when asked", () => {
    const masked = toErrorObject(new Error("secret path /etc/passwd"), true);
    expect(masked).toEqual({ code: -32603, message: "Internal error" });
    expect(JSON.stringify(masked)).not.toContain("secret");
  });

  it("never leaks thrown non-errors", () => {
    expect(toErrorObject("a string")).toEqual({ code: -32603, message: "Internal error" });
    expect(toErrorObject(undefined)).toEqual({ code: -32603, message: "Internal error" });
  });
});
