/**
 * OpenAPI parameter serialization for the common styles: path `simple` (also `label`, `matrix`),
 * query `form` (exploded or not), `spaceDelimited`, `pipeDelimited`, `deepObject`, and header and
 * cookie values. Every value is percent-encoded where it lands, so no argument can add a path
 * segment, a query parameter, a fragment or a header line.
 */
import type { RouteParameter } from "./routes.js";

/** An argument that cannot be sent (becomes an `isError` result naming it). */
export class ArgumentError extends Error {
  override name = "ArgumentError";
}

function scalar(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value of a path parameter, encoded as one path segment's worth of text. */
export function pathValue(parameter: RouteParameter, value: unknown): string {
  const encode = encodeURIComponent;
  let out: string;
  if (parameter.json) out = encode(JSON.stringify(value));
  else if (Array.isArray(value)) {
    const items = value.map((item) => encode(scalar(item)));
    out = joinStyled(parameter, items, parameter.style === "label" ? "." : ",");
  } else if (isPlainObject(value)) {
    const pairs = Object.entries(value).map(([k, v]) => [encode(k), encode(scalar(v))] as const);
    out = parameter.explode
      ? pairs.map(([k, v]) => `${k}=${v}`).join(parameter.style === "label" ? "." : ",")
      : pairs.flat().join(",");
    out = prefix(parameter, out, parameter.explode);
  } else out = prefix(parameter, encode(scalar(value)), false);
  // URL parsers resolve "." and ".." segments (also percent-encoded), which would change the path.
  const bare = out.replace(/%2e/gi, ".");
  if (out === "" || bare === "." || bare === "..") {
    throw new ArgumentError(`Path parameter ${parameter.name} cannot be ${JSON.stringify(scalar(value))}`);
  }
  return out;
}

function joinStyled(parameter: RouteParameter, items: string[], separator: string): string {
  if (parameter.style === "matrix") {
    const name = encodeURIComponent(parameter.name);
    return parameter.explode
      ? items.map((item) => `;${name}=${item}`).join("")
      : `;${name}=${items.join(",")}`;
  }
  if (parameter.style === "label") return `.${items.join(parameter.explode ? "." : ",")}`;
  return items.join(separator);
}

function prefix(parameter: RouteParameter, text: string, exploded: boolean): string {
  if (parameter.style === "label") return `.${text}`;
  if (parameter.style === "matrix")
    return exploded ? `;${text}` : `;${encodeURIComponent(parameter.name)}=${text}`;
  return text;
}

/** Adds a query parameter's value to `query` as its style says. */
export function appendQuery(query: URLSearchParams, parameter: RouteParameter, value: unknown): void {
  const name = parameter.name;
  if (parameter.json) {
    query.append(name, JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    const items = value.map(scalar);
    if (parameter.explode && parameter.style === "form") for (const item of items) query.append(name, item);
    else {
      const separator =
        parameter.style === "spaceDelimited" ? " " : parameter.style === "pipeDelimited" ? "|" : ",";
      query.append(name, items.join(separator));
    }
    return;
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    if (parameter.style === "deepObject")
      for (const [k, v] of entries) query.append(`${name}[${k}]`, scalar(v));
    else if (parameter.explode) for (const [k, v] of entries) query.append(k, scalar(v));
    else query.append(name, entries.flatMap(([k, v]) => [k, scalar(v)]).join(","));
    return;
  }
  query.append(name, scalar(value));
}

/** A header parameter's value (`simple` style). CR and LF are refused here, before fetch would. */
export function headerValue(parameter: RouteParameter, value: unknown): string {
  let out: string;
  if (parameter.json) out = JSON.stringify(value);
  else if (Array.isArray(value)) out = value.map(scalar).join(",");
  else if (isPlainObject(value)) {
    const pairs = Object.entries(value).map(([k, v]) => [k, scalar(v)] as const);
    out = parameter.explode ? pairs.map(([k, v]) => `${k}=${v}`).join(",") : pairs.flat().join(",");
  } else out = scalar(value);
  if (/[\r\n\0]/.test(out)) {
    throw new ArgumentError(`Header parameter ${parameter.name} cannot contain line breaks or NUL`);
  }
  return out;
}

/** One `name=value` pair of a Cookie header, the value percent-encoded so it cannot add another. */
export function cookiePair(parameter: RouteParameter, value: unknown): string {
  const text = Array.isArray(value)
    ? value.map(scalar).join(",")
    : parameter.json
      ? JSON.stringify(value)
      : scalar(value);
  return `${encodeURIComponent(parameter.name)}=${encodeURIComponent(text)}`;
}
