/**
 * Matching URIs against RFC 6570 templates, the subset resource templates use: `{x}` (one path
 * segment), `{x*}` and `{+x}` (the rest, slashes included), `{/x}`, `{#x}`, and the query forms
 * `{?a,b}` / `{&a}` whose variables are optional. Compiled once per template.
 */

export interface UriTemplate {
  readonly template: string;
  /** Variable names in order of appearance. */
  readonly variables: readonly string[];
  /** The variables from `uri`, percent-decoded, or undefined when it does not match. */
  match(uri: string): Record<string, string> | undefined;
}

const EXPRESSION = /\{([+#./;?&]?)([^}]*)\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Compiles a template; throws on an unbalanced brace or an empty variable name. */
export function compileUriTemplate(template: string): UriTemplate {
  if ((template.match(/\{/g) ?? []).length !== (template.match(/\}/g) ?? []).length) {
    throw new TypeError(`Invalid URI template ${template}: unbalanced braces`);
  }
  const variables: string[] = [];
  const queryVariables: string[] = [];
  let pattern = "^";
  let last = 0;
  for (const found of template.matchAll(EXPRESSION)) {
    const [whole, operator = "", list = ""] = found;
    const before = template.slice(last, found.index);
    last = (found.index ?? 0) + whole.length;
    const names = list.split(",").map((name) => name.trim());
    if (names.some((name) => !/^[A-Za-z0-9_.%]+\*?$/.test(name))) {
      throw new TypeError(`Invalid URI template ${template}: bad variable list "${list}"`);
    }
    if (operator === "?" || operator === "&") {
      // Query variables are matched by name, in any order, after the path has matched.
      if (template.slice(last).replace(EXPRESSION, "").length > 0) {
        throw new TypeError(`Invalid URI template ${template}: query expressions must come last`);
      }
      pattern += escapeRegExp(before);
      for (const name of names) queryVariables.push(name.replace(/\*$/, ""));
      continue;
    }
    pattern += escapeRegExp(before);
    names.forEach((raw, index) => {
      const explode = raw.endsWith("*");
      const name = raw.replace(/\*$/, "");
      variables.push(name);
      const greedy = explode || operator === "+" || operator === "#";
      const prefix = operator === "/" || operator === "." || operator === "#" ? escapeRegExp(operator) : "";
      const separator = index > 0 && !prefix ? "," : "";
      const body = greedy ? "(.+?)" : "([^/?#,]+)";
      pattern += `${separator}${prefix}${body}`;
    });
  }
  pattern += `${escapeRegExp(template.slice(last))}$`;
  const regex = new RegExp(pattern);
  const all = [...variables, ...queryVariables];

  return {
    template,
    variables: all,
    match(uri) {
      let path = uri;
      let query = "";
      if (queryVariables.length > 0) {
        const at = uri.indexOf("?");
        if (at >= 0) {
          path = uri.slice(0, at);
          query = uri.slice(at + 1);
        }
      }
      const found = regex.exec(path);
      if (!found) return undefined;
      const values: Record<string, string> = {};
      variables.forEach((name, index) => {
        values[name] = safeDecode(found[index + 1] ?? "");
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

/** Whether a URI string is a template (has an expression). */
export function isUriTemplate(uri: string): boolean {
  return /\{[^}]*\}/.test(uri);
}

type Operator = "+" | "#" | "." | "/" | ";" | "?" | "&";
type Expressions<S extends string> = S extends `${string}{${infer Expr}}${infer Rest}`
  ? Expr | Expressions<Rest>
  : never;
type Names<List extends string> = List extends `${infer Head},${infer Tail}`
  ? Clean<Head> | Names<Tail>
  : Clean<List>;
type Clean<Name extends string> = Name extends `${infer Bare}*` ? Bare : Name;
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
