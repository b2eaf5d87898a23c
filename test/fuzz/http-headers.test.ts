/**
 * Fuzzing the 2026-07-28 HTTP header rules: the client's encoding of Mcp-Name and Mcp-Param-*
 * values, decoded by the server, gives back what the body says, for any string, number or boolean.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FastMCP } from "../../src/index.js";
import {
  decodeHeaderValue,
  encodeHeaderValue,
  type ParamHeader,
  paramHeaderMatches,
  paramHeaderValue,
} from "../../src/protocol/http-headers.js";
import { closeAfterEach, connect, serve } from "../helpers/http-test-server.js";
import { callTool, expectRpcError } from "../helpers/modern-http.js";
import { FUZZ_TIMEOUT, LONG, runs } from "./settings.js";

closeAfterEach();

/** Sends a value through fetch's Headers, as the client does: what reaches the wire. */
function throughHeaders(value: string): string | null {
  return new Headers({ "mcp-param-x": value }).get("mcp-param-x");
}

/** What UTF-8 can carry of a string: lone surrogates become U+FFFD. */
const utf8 = (text: string) => new TextDecoder().decode(new TextEncoder().encode(text));

const anyString = fc.oneof(
  fc.string({ unit: "binary" }),
  // Lone surrogates (a truncated emoji) are valid in JSON strings but not in UTF-8.
  fc.string({ unit: fc.constantFrom("a", "\ud83d", "\ude00", "😀", " ") }),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom(" x", "x ", "\t", "=?base64?", "=?base64?YQ==?=", "=?base64??=", "é", "\u0000", "\r\n"),
  fc.string({ unit: fc.constantFrom(" ", "\t", "=", "?", "b", "a", "s", "e", "6", "4", "é", "\n") }),
);

describe("HTTP header rules fuzzing", () => {
  it(
    "round-trips any string through the client's encoding, fetch's Headers and the server's decoding",
    () => {
      fc.assert(
        fc.property(anyString, (value) => {
          const encoded = encodeHeaderValue(value);
          // Always a legal header value that reaches the server unchanged (no trimming).
          expect(throughHeaders(encoded)).toBe(encoded);
          expect(decodeHeaderValue(encoded)).toBe(utf8(value));
        }),
        runs(2000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "decodes any header text without throwing: plain visible ASCII as is, strict base64 of UTF-8 only",
    () => {
      const headerText = fc.oneof(
        fc.string({ unit: "binary" }),
        fc.string({ unit: "binary-ascii" }).map((text) => `=?base64?${text}?=`),
        fc
          .string({ unit: fc.constantFrom("A", "Q", "=", "+", "/", "_", "-", "w") })
          .map((b) => `=?base64?${b}?=`),
        fc.uint8Array().map((bytes) => `=?base64?${Buffer.from(bytes).toString("base64")}?=`),
      );
      fc.assert(
        fc.property(headerText, (text) => {
          const decoded = decodeHeaderValue(text);
          if (!/^[\t\x20-\x7e]*$/.test(text)) expect(decoded).toBeUndefined();
          else if (!/^=\?base64\?.*\?=$/s.test(text)) expect(decoded).toBe(text);
          else if (decoded !== undefined) {
            // Accepted base64 is padded, and is UTF-8 text (non-zero pad bits are tolerated: the
            // value still has to match the body's).
            const inner = text.slice(9, -2);
            expect(inner.length % 4).toBe(0);
            expect(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(inner, "base64"))).toBe(
              decoded,
            );
          }
        }),
        runs(2000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "matches an integer parameter numerically, and only by a decimal number",
    () => {
      const header: ParamHeader = { name: "N", path: ["n"], type: "integer" };
      const number = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double({ noNaN: true }));
      const spelling = fc.oneof(
        number.map(String),
        fc.string({ unit: fc.constantFrom("0", "1", "9", ".", "e", "E", "+", "-", "x", "b", " ", "I") }),
      );
      fc.assert(
        fc.property(number, spelling, (n, received) => {
          const expected = paramHeaderValue({ n }, header);
          if (expected === undefined) {
            expect(Number.isFinite(n)).toBe(false);
            return;
          }
          // The client's own spelling always matches.
          expect(
            paramHeaderMatches(decodeHeaderValue(encodeHeaderValue(expected)) as string, expected, "integer"),
          ).toBe(true);
          const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(received);
          expect(paramHeaderMatches(received, expected, "integer")).toBe(decimal && Number(received) === n);
        }),
        runs(2000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "a real client's call with any argument values passes the server's header checks",
    async () => {
      const mcp = new FastMCP("headers");
      mcp.tool(
        "echo",
        {
          description: "Echoes its header-mirrored arguments.",
          inputSchema: {
            type: "object",
            properties: {
              text: { type: "string", "x-mcp-header": "Text" },
              count: { type: "integer", "x-mcp-header": "Count" },
              flag: { type: "boolean", "x-mcp-header": "Flag" },
            },
          },
        },
        (args: Record<string, unknown>) => JSON.stringify([args.text, args.count, args.flag]),
      );
      const listening = await serve(mcp);
      const client = await connect(listening.url, { protocolVersion: "2026-07-28" });
      const args = fc.record(
        { text: anyString, count: fc.oneof(fc.integer(), fc.maxSafeInteger()), flag: fc.boolean() },
        { requiredKeys: [] },
      );
      await fc.assert(
        fc.asyncProperty(args, async (args) => {
          const result = await client.callTool("echo", args);
          expect(JSON.parse(result.text as string)).toEqual(
            JSON.parse(JSON.stringify([args.text, args.count, args.flag])),
          );
        }),
        runs(LONG ? 2000 : 40),
      );
      // ...and a raw request whose header says otherwise is refused.
      const refused = await callTool(listening.url, "echo", { text: "a" }, { "mcp-param-text": "b" });
      await expectRpcError(refused, 400, -32020);
    },
    FUZZ_TIMEOUT,
  );
});

describe("HTTP header regressions found by fuzzing", () => {
  it("accepts a call whose header-mirrored argument holds a lone surrogate", async () => {
    const mcp = new FastMCP("headers");
    mcp.tool(
      "echo",
      {
        description: "Echoes its argument.",
        inputSchema: { type: "object", properties: { text: { type: "string", "x-mcp-header": "Text" } } },
      },
      (args: Record<string, unknown>) => JSON.stringify(args.text),
    );
    mcp.resource("notes://{name}", { description: "A note." }, ({ name }) => `note ${name}`);
    const listening = await serve(mcp);
    const client = await connect(listening.url, { protocolVersion: "2026-07-28" });
    // The argument reaches the tool as sent; only its header copy is in UTF-8's form.
    const result = await client.callTool("echo", { text: "half an emoji: \ud83d" });
    expect(JSON.parse(result.text as string)).toBe("half an emoji: \ud83d");
    // Mcp-Name mirrors the URI of resources/read.
    const read = await client.readResource("notes://a\udc00b");
    expect(read.content).toBe("note a\udc00b");
  });
});
