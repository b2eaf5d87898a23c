/** Fuzzing the stdio line reader: any chunking of a byte stream gives the same lines. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineDecoder, peekEnvelope } from "../../src/transports/stdio/lines.js";
import { FUZZ_TIMEOUT, runs } from "./settings.js";

type Event = { line: string } | { oversized: number };

/** Feeds `bytes` cut at `cuts` (any byte offsets, mid-character included), then ends the stream. */
function decode(bytes: Buffer, cuts: number[], maxLineBytes?: number): Event[] {
  const events: Event[] = [];
  const decoder = new LineDecoder({
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
    onLine: (line) => events.push({ line }),
    onOversized: (line) => events.push({ oversized: line.bytes }),
  });
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    decoder.push(bytes.subarray(start, cut));
    start = cut;
  }
  decoder.push(bytes.subarray(start));
  decoder.end();
  return events;
}

/**
 * The framing, written plainly: split at LF, drop one CR before it, skip blank lines; a line over
 * the cap (CR included) is reported instead of delivered.
 */
function model(bytes: Buffer, maxLineBytes = Number.POSITIVE_INFINITY): Event[] {
  const events: Event[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end === -1) end = bytes.length;
    const piece = bytes.subarray(start, end);
    // The cap counts a trailing CR; the size reported does not (it is the line's own length).
    if (piece.length > maxLineBytes) events.push({ oversized: piece.length - (piece.at(-1) === 13 ? 1 : 0) });
    else {
      const line = piece.toString("utf8").replace(/\r$/, "");
      if (line.trim().length > 0) events.push({ line });
    }
    start = end + 1;
  }
  return events;
}

/** Text rich in what matters here: LF, CR, CRLF, blanks, multi-byte characters. */
const text = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: "binary" }) },
      { weight: 2, arbitrary: fc.constantFrom("\n", "\r\n", "\r", " ", "\t", "é", "😀", "\u2028") },
      { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));
const cuts = fc.array(fc.nat(), { maxLength: 20 });

describe("stdio line reader fuzzing", () => {
  it(
    "gives the same lines however the stream is cut into chunks",
    () => {
      fc.assert(
        fc.property(text, cuts, (text, cuts) => {
          const bytes = Buffer.from(text, "utf8");
          expect(decode(bytes, cuts)).toEqual(model(bytes));
        }),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "handles arbitrary bytes (invalid UTF-8 included) like the model",
    () => {
      const bytes = fc
        .array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(10, 13)), { maxLength: 200 })
        .map((values) => Buffer.from(values));
      fc.assert(
        fc.property(bytes, cuts, (bytes, cuts) => {
          expect(decode(bytes, cuts)).toEqual(model(bytes));
        }),
        runs(1000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "drops every line over the cap whole, reports it once, and keeps the lines around it",
    () => {
      fc.assert(
        fc.property(text, cuts, fc.integer({ min: 1, max: 40 }), (text, cuts, max) => {
          const bytes = Buffer.from(text, "utf8");
          const events = decode(bytes, cuts, max);
          const expected = model(bytes, max);
          // What is documented: the lines under the cap, in order; one report per dropped line.
          expect(events.filter((event) => "line" in event)).toEqual(
            expected.filter((event) => "line" in event),
          );
          expect(events.map((event) => ("line" in event ? "line" : "oversized"))).toEqual(
            expected.map((event) => ("line" in event ? "line" : "oversized")),
          );
          expect(events).toEqual(expected); // each reported size is the dropped line's length
        }),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "reads the envelope of any over-cap line's two ends without throwing, and only a JSON-RPC id",
    () => {
      // The ends of a line the peer made too long: anything, including JSON cut anywhere.
      const json = fc.json().map((text) => `{"jsonrpc":"2.0","id":${text},"method":"m","params":${text}}`);
      const end = fc.oneof(
        fc.string({ maxLength: 300 }),
        json,
        json.map((text) => text.slice(0, 40)),
      );
      fc.assert(
        fc.property(end, end, (head, tail) => {
          const envelope = peekEnvelope(head, tail);
          const id = envelope.id;
          expect(id === undefined || typeof id === "string" || Number.isFinite(id)).toBe(true);
        }),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );
});
