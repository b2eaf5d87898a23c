/** Fuzzing the URI template matcher: expand-then-match round-trips, never throws, time-bounded. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileUriTemplate } from "../../src/server/uri-template.js";
import { FUZZ_TIMEOUT, runs } from "./settings.js";

/** RFC 6570 simple expansion: everything but unreserved characters percent-encoded. */
const simple = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** RFC 6570 reserved expansion (`{+x}`): reserved characters kept as they are. */
const reserved = (value: string) => encodeURI(value);

/** Well-formed text (percent-encoding needs it), with the characters that matter here. */
const text = fc.string({
  unit: fc.oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }),
    fc.constantFrom("/", "?", "#", ",", "&", "=", "%", "+", " ", ".", "%41", "é"),
  ),
});
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);

type Part = { literal: string } | { variable: string; operator: "" | "/" };
/** Templates of the usual shapes: literal and variable segments, a `{+rest}`, query variables. */
const shape = fc.record({
  scheme: fc.constantFrom("t://", "file:///", "repo://x/"),
  segments: fc.array(
    fc.oneof(
      word.map((literal): Part => ({ literal })),
      fc.constantFrom<"" | "/">("", "/").map((operator): Part => ({ variable: "", operator })),
    ),
    {
      maxLength: 5,
    },
  ),
  rest: fc.boolean(),
  query: fc.integer({ min: 0, max: 3 }),
});

describe("URI template fuzzing", () => {
  it(
    "matches back the values any expansion was made of",
    () => {
      fc.assert(
        fc.property(
          shape,
          fc.array(
            text.filter((t) => t.length > 0),
            { minLength: 10, maxLength: 10 },
          ),
          fc.array(text, { minLength: 4, maxLength: 4 }),
          (shape, values, queryValues) => {
            let template = shape.scheme;
            let uri = shape.scheme;
            const expected: Record<string, string> = {};
            shape.segments.forEach((part, index) => {
              const separator = index === 0 || ("operator" in part && part.operator === "/") ? "" : "/";
              if ("literal" in part) {
                template += `${separator}${part.literal}`;
                uri += `${separator}${part.literal}`;
                return;
              }
              const name = `v${index}`;
              const value = values[index] as string;
              template += `${separator}{${part.operator}${name}}`;
              uri += `${separator}${part.operator}${simple(value)}`;
              expected[name] = value;
            });
            if (shape.rest) {
              // The rest takes slashes; a `?` in it would start the query when the template has one.
              const value = (values[9] as string).replace(shape.query > 0 ? /[?#]/g : /#/g, "x");
              template += "/{+rest}";
              uri += `/${reserved(value)}`;
              expected.rest = decodeURIComponent(reserved(value));
            }
            if (shape.query > 0) {
              const names = Array.from({ length: shape.query }, (_, i) => `q${i}`);
              template += `{?${names.join(",")}}`;
              uri += `?${names.map((name, i) => `${name}=${simple(queryValues[i] as string)}`).join("&")}`;
              names.forEach((name, i) => {
                expected[name] = queryValues[i] as string;
              });
            }
            expect(compileUriTemplate(template).match(uri)).toEqual(expected);
          },
        ),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "never throws on any template and URI: a template compiles or throws a TypeError, a URI matches or not",
    () => {
      const templateText = fc
        .array(
          fc.oneof(
            fc.string({ unit: "binary", maxLength: 4 }),
            fc.constantFrom("{", "}", "{+", "{?", "{/", "{#", "*", ",", "x", ":3", "%"),
          ),
          {
            maxLength: 12,
          },
        )
        .map((parts) => parts.join(""));
      const uri = fc.oneof(
        fc.string({ unit: "binary" }),
        fc.constantFrom("%", "%E0%A4%A", "?&=", "x?a=%ZZ&b"),
      );
      fc.assert(
        fc.property(templateText, fc.array(uri, { maxLength: 4 }), (template, uris) => {
          let compiled: ReturnType<typeof compileUriTemplate>;
          try {
            compiled = compileUriTemplate(template);
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError);
            return;
          }
          for (const candidate of uris) {
            const found = compiled.match(candidate);
            if (found) for (const value of Object.values(found)) expect(typeof value).toBe("string");
          }
        }),
        runs(1500),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "matches long hostile URIs in bounded time for the usual template shapes",
    () => {
      const templates = [
        "file:///{+path}",
        "repo://{owner}/{repo}/blob/{+path}",
        "users://{id}/profile",
        "docs://{section}/{page}.md",
        "search://q{?query,limit}",
        "t://{a},{b}/{/c}",
      ].map(compileUriTemplate);
      const hostile = fc
        .tuple(
          fc.constantFrom("file:///", "repo://", "users://", "docs://", "search://q", "t://", ""),
          fc.constantFrom("/", "a", ",", "%", "?", "&=", "/a", "a.md", ".md/", "%2"),
          fc.integer({ min: 1000, max: 20_000 }),
          fc.constantFrom("", "/", "?", ".m", "x"),
        )
        .map(([head, unit, count, tail]) => head + unit.repeat(count) + tail);
      fc.assert(
        fc.property(hostile, (uri) => {
          const started = performance.now();
          for (const template of templates) template.match(uri);
          // Linear work on at most 60 KB: a few ms; the bound is generous for a loaded machine.
          expect(performance.now() - started).toBeLessThan(1000);
        }),
        runs(60),
      );
    },
    FUZZ_TIMEOUT,
  );
});
