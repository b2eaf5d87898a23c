/**
 * Matching URIs against RFC 6570 templates (levels 1 to 4), as resource templates use them: `{x}`
 * (one path segment), `{x*}`, `{+x}` and `{#x}` (the rest, slashes included), `{/x}`, `{.x}`,
 * `{;x}`, prefixes `{x:3}`, and the query forms `{?a,b}` / `{&a}` whose variables are optional.
 * Compiled once per template, at registration; anything that is not RFC 6570 syntax throws.
 */

export interface UriTemplate {
  readonly template: string;
  /** Variable names in order of appearance. */
  readonly variables: readonly string[];
  /** The variables from `uri`, percent-decoded, or undefined when it does not match. */
  match(uri: string): Record<string, string> | undefined;
}

/** Expression operators of RFC 6570 levels 2 and 3. */
const OPERATORS = new Set(["+", "#", ".", "/", ";", "?", "&"]);
/** Operators RFC 6570 reserves for future extensions. */
const RESERVED_OPERATORS = new Set(["=", ",", "!", "@", "|"]);
/** A varspec: varname (varchars, dots between them) and an optional `*` or `:length` (1-9999) modifier. */
const VARSPEC =
  /^((?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2})(?:\.?(?:[A-Za-z0-9_]|%[0-9A-Fa-f]{2}))*)(?:(\*)|:([1-9][0-9]{0,3}))?$/;
/** Characters RFC 6570 allows in literals (beside percent-encodings): no space, quote, <>, \\, ^, `, |. */
const LITERAL_CHAR = /[!#$&()*+,\-./0-9:;=?@A-Z[\]_a-z~\u{A0}-\u{10FFFF}]/u;

interface VarSpec {
  name: string;
  explode: boolean;
  /** Level 4 prefix modifier `{x:3}`: at most this many characters. */
  maxLength: number | undefined;
}

interface Expression {
  operator: string;
  vars: VarSpec[];
}

function invalid(template: string, reason: string): TypeError {
  return new TypeError(`Invalid URI template ${template}: ${reason}`);
}

function checkLiteral(template: string, literal: string): void {
  for (let at = 0; at < literal.length; at++) {
    const char = literal[at] as string;
    if (char === "%") {
      if (!/^%[0-9A-Fa-f]{2}/.test(literal.slice(at))) throw invalid(template, '"%" must start a %XX escape');
      at += 2;
      continue;
    }
    const code = literal.codePointAt(at) as number;
    const whole = String.fromCodePoint(code);
    if (!LITERAL_CHAR.test(whole))
      throw invalid(template, `${JSON.stringify(whole)} is not allowed outside an expression`);
    at += whole.length - 1;
  }
}

function parseExpression(template: string, body: string): Expression {
  if (body === "") throw invalid(template, "empty expression {}");
  const first = body[0] as string;
  if (RESERVED_OPERATORS.has(first)) throw invalid(template, `operator "${first}" is reserved`);
  const operator = OPERATORS.has(first) ? first : "";
  const list = body.slice(operator.length);
  const vars = list.split(",").map((spec) => {
    const found = VARSPEC.exec(spec);
    if (!found) throw invalid(template, `bad variable "${spec}" in {${body}}`);
    return {
      name: found[1] as string,
      explode: found[2] === "*",
      maxLength: found[3] === undefined ? undefined : Number(found[3]),
    };
  });
  return { operator, vars };
}

/** Splits a template into literals and expressions, enforcing RFC 6570 (levels 1 to 4) syntax. */
function parseTemplate(template: string): (string | Expression)[] {
  const parts: (string | Expression)[] = [];
  let at = 0;
  while (at < template.length) {
    const open = template.indexOf("{", at);
    const close = template.indexOf("}", at);
    if (close !== -1 && (open === -1 || close < open)) {
      throw invalid(template, `unbalanced braces: "}" at ${close} closes no expression`);
    }
    const literal = open === -1 ? template.slice(at) : template.slice(at, open);
    checkLiteral(template, literal);
    if (literal) parts.push(literal);
    if (open === -1) break;
    const end = template.indexOf("}", open + 1);
    if (end === -1) throw invalid(template, `unbalanced braces: "{" at ${open} is never closed`);
    const body = template.slice(open + 1, end);
    if (body.includes("{")) throw invalid(template, `unbalanced braces: "{" inside {${body}}`);
    parts.push(parseExpression(template, body));
    at = end + 1;
  }
  return parts;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Longest URI (in UTF-16 units) matched against templates: a longer one matches no template. Real
 * resource URIs are far shorter; the bound caps the matcher's time and memory per template.
 */
export const MAX_TEMPLATE_URI_LENGTH = 8 * 1024;

/**
 * One variable's value. A wide one (`{+x}`, `{#x}`, `{x*}`) takes any characters but a line break,
 * as few as the rest of the template allows; a segment one (`{x}`) takes no `/ ? # ,`, as many as
 * the rest allows.
 */
interface Capture {
  kind: "capture";
  wide: boolean;
  min: number;
  max: number;
}

/** A matching step: literal text, a variable, or `{;x}`'s optional `=value` (taken when it fits). */
type Step = { kind: "literal"; text: string } | Capture | { kind: "optional"; capture: Capture };

/** Characters a wide variable cannot take (a regex `.` without the `s` flag). */
function isLineBreak(code: number): boolean {
  return code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
}

/** Characters a segment variable cannot take. */
function isDelimiter(code: number): boolean {
  return code === 0x2f || code === 0x3f || code === 0x23 || code === 0x2c; // / ? # ,
}

/** How many characters from each position on a variable of that kind could take: `run[i]`. */
function runs(path: string, stops: (code: number) => boolean): Int32Array {
  const run = new Int32Array(path.length + 1);
  for (let at = path.length - 1; at >= 0; at--)
    run[at] = stops(path.charCodeAt(at)) ? 0 : (run[at + 1] as number) + 1;
  return run;
}

/**
 * Matches `path` against the steps exactly as the anchored backtracking regex this replaces did
 * (`.+?` for wide variables, `[^/?#,]+` for segment ones, `(?:=…)?` for `{;x}`), without its
 * backtracking. A backward pass finds, for each step and position, where that step ends when the
 * rest can still match (the choice the regex would settle on first: the shortest wide value, the
 * longest segment value, `=value` before nothing); a forward pass then follows those choices.
 * Time and memory are O(path length × steps), whatever the template.
 */
function matchSteps(steps: readonly Step[], path: string): (string | undefined)[] | undefined {
  const n = path.length;
  // ends[k][i]: where step k, started at i, ends when the steps after it can match; -1 if none.
  const ends: Int32Array[] = new Array(steps.length + 1);
  const last = new Int32Array(n + 1).fill(-1);
  last[n] = n;
  ends[steps.length] = last;
  const wideRun = runs(path, isLineBreak);
  const segmentRun = runs(path, isDelimiter);
  for (let k = steps.length - 1; k >= 0; k--) {
    const step = steps[k] as Step;
    const next = ends[k + 1] as Int32Array;
    const here = new Int32Array(n + 1).fill(-1);
    if (step.kind === "literal") {
      const { text } = step;
      for (let i = 0; i + text.length <= n; i++) {
        if ((next[i + text.length] as number) >= 0 && path.startsWith(text, i)) here[i] = i + text.length;
      }
    } else {
      const capture = step.kind === "optional" ? step.capture : step;
      const run = capture.wide ? wideRun : segmentRun;
      // The nearest position at or after (wide) / at or before (segment) each index where the rest matches.
      const nearest = new Int32Array(n + 2);
      if (capture.wide) {
        nearest[n + 1] = n + 1;
        for (let j = n; j >= 0; j--) nearest[j] = (next[j] as number) >= 0 ? j : (nearest[j + 1] as number);
      } else {
        let seen = -1;
        for (let j = 0; j <= n; j++) {
          if ((next[j] as number) >= 0) seen = j;
          nearest[j] = seen;
        }
      }
      const end = (start: number): number => {
        const lo = start + capture.min;
        const hi = start + Math.min(capture.max, run[start] as number);
        if (lo > hi) return -1;
        if (capture.wide) {
          const j = nearest[lo] as number;
          return j <= hi ? j : -1;
        }
        const j = nearest[hi] as number;
        return j >= lo ? j : -1;
      };
      for (let i = 0; i <= n; i++) {
        if (step.kind === "capture") here[i] = end(i);
        else {
          // `=value` first (it ends after i), nothing otherwise (it ends at i).
          const taken = i < n && path.charCodeAt(i) === 0x3d ? end(i + 1) : -1;
          here[i] = taken >= 0 ? taken : (next[i] as number) >= 0 ? i : -1;
        }
      }
    }
    ends[k] = here;
  }
  if ((ends[0] as Int32Array)[0] === -1) return undefined;
  const values: (string | undefined)[] = [];
  let at = 0;
  steps.forEach((step, k) => {
    const end = (ends[k] as Int32Array)[at] as number;
    if (step.kind === "capture") values.push(path.slice(at, end));
    else if (step.kind === "optional") values.push(end > at ? path.slice(at + 1, end) : undefined);
    at = end;
  });
  return values;
}

/**
 * Compiles a template; throws a TypeError on anything that is not RFC 6570 syntax (unbalanced
 * braces, an empty expression, a reserved operator, a bad variable name or modifier, a character
 * not allowed in a literal) and on query expressions that are not last. Matching takes time linear
 * in the URI's length (times the template's size); a URI over MAX_TEMPLATE_URI_LENGTH matches nothing.
 */
export function compileUriTemplate(template: string): UriTemplate {
  const variables: string[] = [];
  const queryVariables: string[] = [];
  const steps: Step[] = [];
  const literal = (text: string) => {
    const previous = steps[steps.length - 1];
    if (previous?.kind === "literal") previous.text += text;
    else if (text) steps.push({ kind: "literal", text });
  };
  let inQuery = false;
  for (const part of parseTemplate(template)) {
    if (typeof part === "string") {
      if (inQuery) throw invalid(template, "query expressions must come last");
      literal(part);
      continue;
    }
    const { operator, vars } = part;
    if (operator === "?" || operator === "&") {
      // Query variables are matched by name, in any order, after the path has matched.
      inQuery = true;
      for (const spec of vars) queryVariables.push(spec.name);
      continue;
    }
    if (inQuery) throw invalid(template, "query expressions must come last");
    vars.forEach((spec, index) => {
      variables.push(spec.name);
      const wide = spec.explode || operator === "+" || operator === "#";
      const max = spec.maxLength ?? Number.POSITIVE_INFINITY;
      if (operator === ";") {
        // `{;x}` expands to `;x=value`, or `;x` when the value is empty.
        literal(`;${spec.name}`);
        const min = wide || spec.maxLength !== undefined ? 1 : 0;
        steps.push({ kind: "optional", capture: { kind: "capture", wide, min, max } });
        return;
      }
      const perVariable = operator === "/" || operator === ".";
      if (index > 0 && !perVariable) literal(",");
      if (perVariable || (operator === "#" && index === 0)) literal(operator);
      steps.push({ kind: "capture", wide, min: 1, max });
    });
  }
  const all = [...variables, ...queryVariables];

  return {
    template,
    variables: all,
    match(uri) {
      if (uri.length > MAX_TEMPLATE_URI_LENGTH) return undefined;
      let path = uri;
      let query = "";
      if (queryVariables.length > 0) {
        const at = uri.indexOf("?");
        if (at >= 0) {
          path = uri.slice(0, at);
          query = uri.slice(at + 1);
        }
      }
      const found = matchSteps(steps, path);
      if (!found) return undefined;
      const values: Record<string, string> = {};
      variables.forEach((name, index) => {
        values[name] = safeDecode(found[index] ?? "");
      });
      if (query) {
        for (const pair of query.split("&")) {
          const eq = pair.indexOf("=");
          const key = safeDecode(eq >= 0 ? pair.slice(0, eq) : pair);
          if (queryVariables.includes(key)) values[key] = safeDecode(eq >= 0 ? pair.slice(eq + 1) : "");
        }
      }
      return values;
    },
  };
}

/**
 * Whether a URI string is meant as a template: any brace makes it one, so that a malformed
 * template (`t://{id`) fails to compile instead of registering as a static resource.
 */
export function isUriTemplate(uri: string): boolean {
  return uri.includes("{") || uri.includes("}");
}

type Operator = "+" | "#" | "." | "/" | ";" | "?" | "&";
type Expressions<S extends string> = S extends `${string}{${infer Expr}}${infer Rest}`
  ? Expr | Expressions<Rest>
  : never;
type Names<List extends string> = List extends `${infer Head},${infer Tail}`
  ? Clean<Head> | Names<Tail>
  : Clean<List>;
type Clean<Name extends string> = Name extends `${infer Bare}*`
  ? Bare
  : Name extends `${infer Bare}:${string}`
    ? Bare
    : Name;
type PathNames<S extends string> =
  Expressions<S> extends infer E
    ? E extends `${"?" | "&"}${string}`
      ? never
      : E extends `${Operator}${infer List}`
        ? Names<List>
        : E extends string
          ? Names<E>
          : never
    : never;
type QueryNames<S extends string> =
  Expressions<S> extends infer E ? (E extends `${"?" | "&"}${infer List}` ? Names<List> : never) : never;

/** The variables of a URI template as a type: `{ id: string }` for `users://{id}`; query variables are optional. */
export type UriTemplateParams<S extends string> = { [K in PathNames<S>]: string } & {
  [K in QueryNames<S>]?: string;
};

/** Whether a string type is a URI template (has a `{...}` expression). */
export type IsUriTemplate<S extends string> = S extends `${string}{${string}}${string}` ? true : false;
