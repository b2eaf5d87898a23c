/** Fuzzing requestState opening: garbage and tampered states are -32602, never accepted. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { McpError } from "../../src/errors.js";
import { ErrorCode } from "../../src/protocol/codes.js";
import { RequestStateCodec, type RequestStatePayload } from "../../src/server/request-state.js";
import { FUZZ_TIMEOUT, runs } from "./settings.js";

const codec = new RequestStateCodec({ secret: "a secret of at least sixteen bytes" });
const expected = { method: "tools/call", digest: "d1g3st", principal: "alice" };

/** Opens `token`; the -32602 McpError it throws, or the payload. */
async function open(token: unknown): Promise<RequestStatePayload | McpError> {
  try {
    return await codec.open(token, expected);
  } catch (error) {
    // Anything but a -32602 McpError escapes as a test failure.
    if (!(error instanceof McpError) || error.code !== ErrorCode.InvalidParams) throw error;
    return error;
  }
}

const payload = fc.record({
  method: fc.constant(expected.method),
  digest: fc.constant(expected.digest),
  principal: fc.constant<string | undefined>(expected.principal),
  answers: fc.dictionary(fc.string(), fc.jsonValue()),
  round: fc.nat(),
});

describe("requestState fuzzing", () => {
  it(
    "refuses any string or value as -32602 without throwing anything else",
    async () => {
      const token = fc.oneof(
        fc.string({ unit: "binary" }),
        fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `${a}.${b}`),
        fc.string({ unit: fc.constantFrom("A", "z", "-", "_", ".", "=", "+", "/", " ") }),
        fc.anything(),
      );
      await fc.assert(
        fc.asyncProperty(token, async (token) => {
          expect(await open(token)).toBeInstanceOf(McpError);
        }),
        runs(1000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "opens every state it sealed, and refuses every copy with a character changed, added or removed",
    async () => {
      const edit = fc.record({
        at: fc.nat(),
        kind: fc.constantFrom("flip", "replace", "insert", "delete"),
        char: fc.constantFrom("A", "B", "a", "z", "0", "-", "_", ".", "=", " ", "é"),
        bit: fc.integer({ min: 0, max: 6 }),
      });
      await fc.assert(
        fc.asyncProperty(payload, fc.array(edit, { minLength: 1, maxLength: 3 }), async (payload, edits) => {
          const sealed = await codec.seal(payload);
          const opened = await open(sealed);
          expect(opened).not.toBeInstanceOf(McpError);
          expect(opened).toEqual({ ...payload, answers: JSON.parse(JSON.stringify(payload.answers)) });
          let tampered = sealed;
          for (const { at, kind, char, bit } of edits) {
            const i = at % (tampered.length + (kind === "insert" ? 1 : 0));
            const code = tampered.charCodeAt(i);
            const replaced = kind === "flip" ? String.fromCharCode(code ^ (1 << bit)) : char;
            tampered =
              kind === "insert"
                ? tampered.slice(0, i) + char + tampered.slice(i)
                : tampered.slice(0, i) + (kind === "delete" ? "" : replaced) + tampered.slice(i + 1);
          }
          if (tampered === sealed) return;
          expect(await open(tampered)).toBeInstanceOf(McpError);
        }),
        runs(600),
      );
    },
    FUZZ_TIMEOUT,
  );
});
