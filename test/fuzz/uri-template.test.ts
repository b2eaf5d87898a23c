/** Fuzzing the URI template matcher: expand-then-match round-trips, never throws, time-bounded. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_TEMPLATE_URI_LENGTH, matchUri } from "../../src/server/components/uri-match.js";
import { compileUriTemplate } from "../../src/server/components/uri-template.js";
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

/**
 * The matcher as it was: one anchored backtracking regex per template (lazy `.+?` for `{+x}`,
 * `{#x}` and `{x*}`, `[^/?#,]+` for `{x}`). The new matcher must give exactly its answers. Only for
 * the valid templates generated below.
 */
function regexModel(template: string): (uri: string) => Record<string, string> | undefined {
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  const names: string[] = [];
  const queryNames: string[] = [];
  let pattern = "^";
  for (const piece of template.split(/(\{[^}]*\})/)) {
    if (!piece.startsWith("{")) {
      pattern += literal(piece);
      continue;
    }
    const body = piece.slice(1, -1);
    const operator = "+#./;?&".includes(body[0] as string) ? (body[0] as string) : "";
    body
      .slice(operator.length)
      .split(",")
      .forEach((spec, index) => {
        const [, name = "", star, length] = /^([^*:]+)(\*)?(?::(\d+))?$/.exec(spec) ?? [];
        if (operator === "?" || operator === "&") {
          queryNames.push(name);
          return;
        }
        names.push(name);
        const wide = star !== undefined || operator === "+" || operator === "#";
        const count = length === undefined ? "+" : `{1,${length}}`;
        const group = wide ? `(.${count}?)` : `([^/?#,]${count})`;
        if (operator === ";") {
          pattern += `;${literal(name)}(?:=${wide ? group : group.replace("+)", "*)")})?`;
          return;
        }
        const perVariable = operator === "/" || operator === ".";
        const prefix = perVariable || (operator === "#" && index === 0) ? literal(operator) : "";
        pattern += `${index > 0 && !perVariable ? "," : ""}${prefix}${group}`;
      });
  }
  const regex = new RegExp(`${pattern}$`);
  return (uri) => {
    const at = queryNames.length > 0 ? uri.indexOf("?") : -1;
    const found = regex.exec(at >= 0 ? uri.slice(0, at) : uri);
    if (!found) return undefined;
    const values: Record<string, string> = {};
    names.forEach((name, index) => {
      values[name] = decode(found[index + 1] ?? "");
    });
    if (at >= 0 && at < uri.length - 1) {
      for (const pair of uri.slice(at + 1).split("&")) {
        const eq = pair.indexOf("=");
        const key = decode(eq >= 0 ? pair.slice(0, eq) : pair);
        if (queryNames.includes(key)) values[key] = decode(eq >= 0 ? pair.slice(eq + 1) : "");
      }
    }
    return values;
  };
}

/** Median over 3 rounds of the time `match(uri)` takes 5 times, in ms (a median shrugs off a GC pause or preemption). */
/**
 * The fastest of several rounds: a busy machine (another suite beside this one) only ever adds time,
 * so the minimum is the estimate least disturbed by it (a median of three failed in both of two
 * suites run side by side).
 */
function matchTime(match: (uri: string) => unknown, uri: string): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < 5; i++) match(uri);
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

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
            expect(matchUri(compileUriTemplate(template), uri)).toEqual(expected);
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
            const found = matchUri(compiled, candidate);
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
          for (const template of templates) matchUri(template, uri);
          // Linear work on at most 60 KB: a few ms; the bound is generous for a loaded machine.
          expect(performance.now() - started).toBeLessThan(1000);
        }),
        runs(60),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "matches exactly as the backtracking regex did, on every template shape",
    () => {
      const units = ["a", "b", "/", ".", ",", ";", "=", "#", "?", "&", "-", "\n", "\u2028", "%41", "%", "é"];
      const value = fc.array(fc.constantFrom(...units), { maxLength: 4 }).map((parts) => parts.join(""));
      type Expression = { operator: string; vars: { name: string; modifier: string }[] };
      const expression = fc.record({
        operator: fc.constantFrom("", "+", "#", ".", "/", ";"),
        vars: fc.array(
          fc.record({
            name: fc.constantFrom("a", "b", "c", "a.b"),
            modifier: fc.constantFrom("", "*", ":1", ":2", ":3"),
          }),
          { minLength: 1, maxLength: 3 },
        ),
      });
      const part = fc.oneof(
        fc.constantFrom("x://", "a", "/", ".", "-", ";", "=", ",", ".md", "%41", "ab"),
        expression,
      );
      const text = (part: string | Expression) =>
        typeof part === "string"
          ? part
          : `{${part.operator}${part.vars.map(({ name, modifier }) => name + modifier).join(",")}}`;
      /** A URI shaped like an expansion of the parts (so that most match, ambiguously), sometimes off. */
      const expansion = (part: string | Expression) =>
        typeof part === "string"
          ? fc.oneof({ weight: 4, arbitrary: fc.constant(part) }, { weight: 1, arbitrary: value })
          : fc.tuple(...part.vars.map(() => fc.tuple(fc.boolean(), value))).map((values) =>
              values
                .map(([flag, text], index) => {
                  const { operator } = part;
                  const name = (part.vars[index] as { name: string }).name;
                  if (operator === ";") return `;${name}${flag ? `=${text}` : ""}`;
                  if (operator === "/" || operator === ".") return operator + text;
                  if (operator === "#" && index === 0) return `#${text}`;
                  return (index > 0 ? "," : "") + text;
                })
                .join(""),
            );
      const query = fc.constantFrom("", "{?q}", "{?q,r}{&s}");
      const queryText = fc.constantFrom("", "?q=1", "?r=%41&q=&s", "?x=1&q=a?b");
      const cases = fc.tuple(fc.array(part, { maxLength: 6 }), query).chain(([parts, query]) =>
        fc.tuple(
          fc.constant(parts.map(text).join("") + query),
          fc.array(
            fc.oneof(
              fc.tuple(...parts.map(expansion), queryText).map((pieces) => pieces.join("")),
              value,
            ),
            { minLength: 1, maxLength: 6 },
          ),
        ),
      );
      fc.assert(
        fc.property(cases, ([template, uris]) => {
          const matcher = compileUriTemplate(template);
          const model = regexModel(template);
          for (const candidate of uris)
            expect(matchUri(matcher, candidate), candidate).toEqual(model(candidate));
        }),
        runs(3000),
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("URI template regressions found by fuzzing", () => {
  it("matches hostile URIs in linear time when a template has several reserved or adjacent variables", () => {
    // The regex took quadratic time on `{+a}/{+b}.md` and cubic on `{+a}/{+b}/{+c}.md` (24 s at 4,000
    // characters); 8x longer input must cost about 8x, not 64x or 512x.
    const cases: [string, (count: number) => string, number][] = [
      ["x://{+a}/{+b}.md", (count) => `x://${"/".repeat(count)}`, 1000],
      ["x://{+a}/{+b}/{+c}.md", (count) => `x://${"/".repeat(count)}`, 200],
      ["x://{a}{b}", (count) => `x://${"a".repeat(count)}/`, 1000],
      ["x://{a*}.{b*}.{c*}", (count) => `x://${".".repeat(count)}\n`, 200],
      ["x://{#a}{/b*}{;c}", (count) => `x://#${"/;c=".repeat(count / 4)}\n`, 1000],
    ];
    for (const [template, hostile, small] of cases) {
      const compiled = compileUriTemplate(template);
      const match = (uri: string) => matchUri(compiled, uri);
      const short = matchTime(match, hostile(small));
      const long = matchTime(match, hostile(8 * small));
      // Linear: about 8x; quadratic would be 64x, cubic 512x. The slack absorbs timer resolution.
      expect(long, template).toBeLessThan(short * 24 + 25);
    }
  });

  it("matches no template against a URI over MAX_TEMPLATE_URI_LENGTH, at once", () => {
    const matcher = compileUriTemplate("file:///{+path}");
    const fits = `file:///${"a".repeat(MAX_TEMPLATE_URI_LENGTH - 8)}`;
    expect(matchUri(matcher, fits)).toEqual({ path: "a".repeat(MAX_TEMPLATE_URI_LENGTH - 8) });
    const started = performance.now();
    expect(
      matchUri(compileUriTemplate("x://{+a}/{+b}/{+c}.md"), `x://${"/".repeat(100_000)}`),
    ).toBeUndefined();
    expect(matchUri(matcher, `${fits}a`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
