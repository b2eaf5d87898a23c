/** Fuzzing the JSON-RPC codec: every text and every JSON value classifies without throwing. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/protocol/codes.js";
import { type DecodedMessage, decodeText, decodeValue, errorResponse } from "../../src/protocol/jsonrpc.js";
import { encodeLine } from "../../src/transports/stdio/lines.js";
import { RawStdio } from "../helpers/raw-stdio.js";
import { FUZZ_TIMEOUT, runs } from "./settings.js";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isId = (value: unknown) =>
  typeof value === "string" || (typeof value === "number" && Number.isFinite(value));

/** The JSON-RPC 2.0 rules (no batches), written plainly: what each value must classify as. */
function model(value: unknown): DecodedMessage["kind"] {
  if (!isRecord(value) || value.jsonrpc !== "2.0") return "invalid";
  if ("method" in value) {
    if (typeof value.method !== "string") return "invalid";
    if (value.params !== undefined && !isRecord(value.params)) return "invalid";
    if (!("id" in value)) return "notification";
    return isId(value.id) ? "request" : "invalid";
  }
  if ("result" in value && "error" in value) return "invalid";
  if ("error" in value) {
    const error = value.error;
    const wellFormed = isRecord(error) && Number.isInteger(error.code) && typeof error.message === "string";
    return wellFormed && (value.id === undefined || value.id === null || isId(value.id))
      ? "response"
      : "invalid";
  }
  if ("result" in value) return isRecord(value.result) && isId(value.id) ? "response" : "invalid";
  return "invalid";
}

/** Checks what holds of every decoding: a known kind, a well-formed error that names a usable id. */
function checkDecoded(decoded: DecodedMessage, value: unknown): void {
  if (decoded.kind !== "invalid") {
    expect(decoded.message).toBe(value);
    return;
  }
  const { error } = decoded;
  expect(error.jsonrpc).toBe("2.0");
  expect([ErrorCode.ParseError, ErrorCode.InvalidRequest]).toContain(error.error.code);
  expect(typeof error.error.message).toBe("string");
  const id = isRecord(value) ? value.id : undefined;
  // A broken response is never answered with its id: the peer would take it for its own answer.
  const responseShaped = isRecord(value) && !("method" in value) && ("result" in value || "error" in value);
  expect(error.id).toBe(isId(id) && !responseShaped ? id : null);
  // The reply must itself be sendable.
  expect(() => JSON.stringify(error)).not.toThrow();
}

const id = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const object = fc.dictionary(fc.string(), fc.jsonValue());
/** Almost-messages: the right fields with values of any JSON type, some missing. */
const messageLike = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant("2.0"), fc.jsonValue()),
    id: fc.oneof(id, fc.jsonValue()),
    method: fc.oneof(fc.string(), fc.jsonValue()),
    params: fc.oneof(object, fc.jsonValue()),
    result: fc.oneof(object, fc.jsonValue()),
    error: fc.oneof(fc.record({ code: fc.integer(), message: fc.string() }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

const validMessage = fc.oneof(
  fc.record(
    { jsonrpc: fc.constant("2.0"), id, method: fc.string(), params: object },
    { requiredKeys: ["jsonrpc", "id", "method"] },
  ),
  fc.record(
    { jsonrpc: fc.constant("2.0"), method: fc.string(), params: object },
    { requiredKeys: ["jsonrpc", "method"] },
  ),
  fc.record({ jsonrpc: fc.constant("2.0"), id, result: object }),
  fc
    .tuple(fc.option(id), fc.integer(), fc.string(), fc.option(fc.jsonValue(), { nil: undefined }))
    .map(([id, code, message, data]) => errorResponse(id, code, message, data)),
);
const expectedKind = (message: object) =>
  "method" in message ? ("id" in message ? "request" : "notification") : "response";

describe("JSON-RPC codec fuzzing", () => {
  it(
    "classifies any text without throwing, as JSON.parse and the JSON-RPC rules say",
    () => {
      const text = fc.oneof(
        fc.string({ unit: "binary" }),
        fc.json(),
        messageLike.map((value) => JSON.stringify(value)),
        // Truncated and spliced messages, as a broken peer sends them.
        fc
          .tuple(messageLike, fc.nat(), fc.string())
          .map(([value, cut, tail]) => JSON.stringify(value).slice(0, cut) + tail),
      );
      fc.assert(
        fc.property(text, (text) => {
          const decoded = decodeText(text);
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            expect(decoded.kind).toBe("invalid");
            if (decoded.kind === "invalid") {
              expect(decoded.error.error.code).toBe(ErrorCode.ParseError);
              expect(decoded.error.id).toBeNull();
            }
            return;
          }
          expect(decoded.kind).toBe(model(parsed));
          if (decoded.kind === "invalid") expect(decoded.error.error.code).toBe(ErrorCode.InvalidRequest);
          else expect(decoded.message).toEqual(parsed);
        }),
        runs(1000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "classifies any JSON value like the model, and answers invalid ones with a usable error",
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), messageLike), (value) => {
          const decoded = decodeValue(value);
          expect(decoded.kind).toBe(model(value));
          checkDecoded(decoded, value);
        }),
        runs(1000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "round-trips every valid message through encoding and decoding",
    () => {
      fc.assert(
        fc.property(validMessage, (message) => {
          const line = encodeLine(message);
          expect(line.indexOf("\n")).toBe(line.length - 1);
          const decoded = decodeText(line);
          expect(decoded.kind).toBe(expectedKind(message));
          if (decoded.kind !== "invalid")
            expect(decoded.message).toEqual(JSON.parse(JSON.stringify(message)));
        }),
        runs(800),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "never throws on values JSON cannot carry (prototype keys, odd numbers, deep nesting)",
    () => {
      const odd = fc.letrec((tie) => ({
        value: fc.oneof(
          { depthSize: "small" },
          fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, 10n, Symbol("s"), () => 1),
          fc.jsonValue(),
          fc.array(tie("value")),
          fc.dictionary(
            fc.constantFrom("__proto__", "constructor", "id", "method", "toString"),
            tie("value"),
          ),
        ),
      })).value;
      const withOdd = fc.record(
        { jsonrpc: fc.constant("2.0"), id: odd, method: odd, params: odd, result: odd, error: odd },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(fc.oneof(odd, withOdd), (value) => {
          const decoded = decodeValue(value);
          expect(decoded.kind).toBe(model(value));
          if (decoded.kind === "invalid") expect(typeof decoded.error.error.message).toBe("string");
        }),
        runs(400),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("JSON-RPC codec regressions found by fuzzing", () => {
  const invalidError = (value: unknown) => {
    const decoded = decodeValue(value);
    if (decoded.kind !== "invalid") throw new Error(`expected invalid, got ${decoded.kind}`);
    return decoded.error;
  };

  it("a response with both a result and an error is invalid", () => {
    expect(
      invalidError({ jsonrpc: "2.0", id: 1, result: {}, error: { code: 1, message: "x" } }).error.code,
    ).toBe(ErrorCode.InvalidRequest);
  });

  it("an error response needs an integer code and a string message", () => {
    expect(invalidError({ jsonrpc: "2.0", id: 1, error: {} }).error.code).toBe(ErrorCode.InvalidRequest);
    expect(invalidError({ jsonrpc: "2.0", id: 1, error: { code: "x", message: "m" } }).id).toBeNull();
    expect(invalidError({ jsonrpc: "2.0", id: 1, error: { code: 1.5, message: "m" } }).id).toBeNull();
    expect(invalidError({ jsonrpc: "2.0", id: {}, error: { code: 1, message: "m" } }).id).toBeNull();
    expect(decodeValue({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "m" } }).kind).toBe(
      "response",
    );
  });

  it("a malformed response is answered without its id, so the peer cannot take it for its own answer", () => {
    expect(invalidError({ jsonrpc: "2.0", id: 7, result: "not an object" }).id).toBeNull();
    expect(invalidError({ jsonrpc: "2.0", id: 7, error: "boom" }).id).toBeNull();
    expect(invalidError({ jsonrpc: "1.0", id: 7, result: {} }).id).toBeNull();
    // A request keeps its id in the error, so that its sender learns what failed.
    expect(invalidError({ jsonrpc: "2.0", id: 7, method: 1 }).id).toBe(7);
  });

  it("a stdio server answers a client's malformed response with id null, not with the id of its own request", async () => {
    await using server = new RawStdio(["test/fixtures/everything-server.ts"]);
    server.send({ jsonrpc: "2.0", id: 0, result: "not an object" });
    expect(await server.next()).toMatchObject({
      jsonrpc: "2.0",
      id: null,
      error: { code: ErrorCode.InvalidRequest },
    });
  });
});
