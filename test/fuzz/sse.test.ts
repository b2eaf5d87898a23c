/** Fuzzing the SSE parser (client side) against the server's encoder and a plain model. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeSseEvent, type SseEvent, SseParser } from "../../src/transports/http/sse.js";
import { FUZZ_TIMEOUT, runs } from "./settings.js";

/** Parses `text` fed in pieces cut at `cuts`. */
function parse(
  text: string,
  cuts: number[] = [],
  maxEventLength?: number,
): { events: SseEvent[]; oversized: number } {
  const events: SseEvent[] = [];
  let oversized = 0;
  const parser = new SseParser((event) => events.push(event), undefined, {
    ...(maxEventLength === undefined ? {} : { maxEventLength }),
    onOversized: () => oversized++,
  });
  let start = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)) {
    parser.push(text.slice(start, cut));
    start = cut;
  }
  parser.push(text.slice(start));
  return { events, oversized };
}

/**
 * The event stream rules, written plainly over the whole text: lines end at CRLF, LF or CR (a CR
 * at the very end included); a blank line dispatches the event when it had a data, event or id
 * field; the text after the last line end is not yet a line.
 */
function model(text: string): SseEvent[] {
  const lines = text.split(/\r\n|\r|\n/);
  lines.pop();
  const events: SseEvent[] = [];
  let data: string[] = [];
  let event: SseEvent = { data: "" };
  let seen = false;
  for (const line of lines) {
    if (line === "") {
      if (seen) events.push({ ...event, data: data.join("\n") });
      data = [];
      event = { data: "" };
      seen = false;
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") {
      data.push(value);
      seen = true;
    } else if (field === "event") {
      event.event = value;
      seen = true;
    } else if (field === "id") {
      if (!value.includes("\0")) event.id = value;
      seen = true;
    } else if (field === "retry" && /^\d+$/.test(value)) {
      event.retry = Number(value);
    }
  }
  return events;
}

/** One line's worth of text without line ends (event names, ids). */
const oneLine = fc.string({ unit: "binary" }).map((s) => s.replace(/[\r\n\0]/g, ""));
const sseEvent: fc.Arbitrary<SseEvent> = fc.record(
  {
    data: fc.oneof(
      fc.string({ unit: "binary" }),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    ),
    event: oneLine,
    id: oneLine,
    retry: fc.nat(),
  },
  { requiredKeys: ["data"] },
);
const cuts = fc.array(fc.nat(), { maxLength: 25 });
/** Hostile text: field names, colons, spaces and every kind of line end, in any order. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom("data", "event", "id", "retry", ":", " ", "\r", "\n", "\r\n", "\0", "1", "data: x\n\n"),
      fc.string({ unit: "binary", maxLength: 8 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

describe("SSE parser fuzzing", () => {
  it(
    "parses back any encoded events, however the stream is cut",
    () => {
      fc.assert(
        fc.property(fc.array(sseEvent, { maxLength: 5 }), cuts, fc.boolean(), (events, cuts, keepalives) => {
          const text = events.map((event) => encodeSseEvent(event) + (keepalives ? ":\n\n" : "")).join("");
          const expected = events.map((event) => ({ ...event, data: event.data.replace(/\r\n|\r/g, "\n") }));
          expect(parse(text, cuts).events).toEqual(expected);
        }),
        runs(1000),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "agrees with the model on hostile text, whatever the chunking, without throwing",
    () => {
      fc.assert(
        fc.property(hostile, cuts, (text, cuts) => {
          expect(parse(text, cuts).events).toEqual(model(text));
        }),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "drops an event over the cap and parses the events after it",
    () => {
      fc.assert(
        fc.property(
          fc.array(sseEvent, { maxLength: 4 }),
          cuts,
          fc.integer({ min: 1, max: 60 }),
          (events, cuts, max) => {
            const text = events.map(encodeSseEvent).join("");
            const { events: parsed, oversized } = parse(text, cuts, max);
            const all = model(text);
            // Within the cap means: every data, event and id value of the event fits together.
            const size = (event: SseEvent) =>
              event.data.length + (event.event?.length ?? 0) + (event.id?.length ?? 0);
            const kept = all.filter((event) => size(event) <= max);
            // An event over the cap is dropped and reported; every other one comes through as is.
            for (const event of parsed) expect(size(event)).toBeLessThanOrEqual(max);
            expect(parsed.map(size)).toEqual(kept.map(size));
            expect(oversized).toBe(all.length - kept.length);
          },
        ),
        runs(600),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("SSE parser regressions found by fuzzing", () => {
  it("dispatches an event whose blank line ends in a CR at the end of a chunk", () => {
    expect(parse("data: x\r\r").events).toEqual([{ data: "x" }]);
    // ...and still takes a LF that follows in the next chunk as the second half of a CRLF.
    expect(parse("data: x\r\r\ndata: y\n\n", [9]).events).toEqual([{ data: "x" }, { data: "y" }]);
  });

  it("reads a long line sent in small chunks in linear time", () => {
    const parser = new SseParser(() => {});
    const chunk = "x".repeat(1024);
    const started = performance.now();
    parser.push("data: ");
    for (let i = 0; i < 8 * 1024; i++) parser.push(chunk);
    parser.push("\n\n");
    // 8 MiB in 1 KiB chunks: about 50 ms when linear, tens of seconds when each chunk rescans the line.
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("does not keep an endless line without a line end: it is dropped at the cap", () => {
    const events: SseEvent[] = [];
    const sizes: number[] = [];
    const parser = new SseParser((event) => events.push(event), undefined, {
      maxEventLength: 1024,
      onOversized: (size) => sizes.push(size),
    });
    parser.push("data: ");
    for (let i = 0; i < 100; i++) parser.push("y".repeat(100));
    // Reported once, as soon as it goes over (not at its end), with the characters read so far.
    expect(sizes).toHaveLength(1);
    expect(sizes[0]).toBeGreaterThan(1024);
    parser.push("\n\ndata: after\n\n");
    expect(events).toEqual([{ data: "after" }]);
  });
});
