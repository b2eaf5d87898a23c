/**
 * RFC 6570 templates (levels 1 to 4), as resource templates use them: `{x}` (one path segment),
 * `{x*}`, `{+x}` and `{#x}` (the rest, slashes included), `{/x}`, `{.x}`, `{;x}`, prefixes `{x:3}`,
 * and the query forms `{?a,b}` / `{&a}` whose variables are optional. Parsed once per template,
 * at registration; anything that is not RFC 6570 syntax throws. Matching a URI (uri-match.ts, which
 * turns the parts into matching steps on first use) loads with the serving code.
 */

export interface UriTemplate {
  readonly template: string;
  /** Variable names in order of appearance. */
  readonly variables: readonly string[];
  /** The literals and expressions, in order (the matcher, uri-match.ts, makes its steps of them). */
  readonly parts: readonly (string | Expression)[];
  readonly pathVariables: readonly string[];
  readonly queryVariables: readonly string[];
  /** @internal What the matcher follows, made on first match (uri-match.ts). */
  steps?: readonly Step[];
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

export interface VarSpec {
  name: string;
  explode: boolean;
  /** Level 4 prefix modifier `{x:3}`: at most this many characters. */
  maxLength: number | undefined;
}

export interface Expression {
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

/**
 * One variable's value. A wide one (`{+x}`, `{#x}`, `{x*}`) takes any characters but a line break,
 * as few as the rest of the template allows; a segment one (`{x}`) takes no `/ ? # ,`, as many as
 * the rest allows.
 */
export interface Capture {
  kind: "capture";
  wide: boolean;
  min: number;
  max: number;
}

/** A matching step: literal text, a variable, or `{;x}`'s optional `=value` (taken when it fits). */
export type Step = { kind: "literal"; text: string } | Capture | { kind: "optional"; capture: Capture };

/**
 * Compiles a template; throws a TypeError on anything that is not RFC 6570 syntax (unbalanced
 * braces, an empty expression, a reserved operator, a bad variable name or modifier, a character
 * not allowed in a literal) and on query expressions that are not last.
 */
export function compileUriTemplate(template: string): UriTemplate {
  const parts = parseTemplate(template);
  const pathVariables: string[] = [];
  const queryVariables: string[] = [];
  let inQuery = false;
  for (const part of parts) {
    // Query variables are matched by name, in any order, after the path has matched.
    const query = typeof part === "object" && (part.operator === "?" || part.operator === "&");
    if (inQuery && !query) throw invalid(template, "query expressions must come last");
    inQuery = query;
    if (typeof part === "object")
      for (const spec of part.vars) (query ? queryVariables : pathVariables).push(spec.name);
  }
  return {
    template,
    variables: [...pathVariables, ...queryVariables],
    parts,
    pathVariables,
    queryVariables,
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
