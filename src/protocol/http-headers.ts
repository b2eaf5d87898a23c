/**
 * The 2026-07-28 request headers of Streamable HTTP: `Mcp-Method`, `Mcp-Name` and the
 * `Mcp-Param-*` headers mirrored from tool arguments marked with `x-mcp-header`, with the
 * `=?base64?...?=` encoding for values that are not plain header-safe ASCII.
 */

const SENTINEL = /^=\?base64\?(.*)\?=$/s;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function utf8ToBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * The text a header value can carry: UTF-8 has no lone surrogates, so the encoding turns them into
 * U+FFFD, and the server compares the body's value in that same form.
 */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** Encodes a header value: as is when it is plain visible ASCII, else base64 between the sentinels. */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x20-\x7e]*$/.test(value) && value.trim() === value && !SENTINEL.test(value);
  return plain ? value : `=?base64?${utf8ToBase64(value)}?=`;
}

/** Decodes a header value; undefined when it holds characters a header must not, or bad base64. */
export function decodeHeaderValue(value: string): string | undefined {
  if (!/^[\t\x20-\x7e]*$/.test(value)) return undefined;
  // A value that does not start as the sentinel does is plain (no match object made for it).
  if (!value.startsWith("=?")) return value;
  const encoded = SENTINEL.exec(value);
  if (!encoded) return value;
  // Strict base64: atob() forgives missing padding, which SEP-2243 requires rejecting.
  if (!STRICT_BASE64.test(encoded[1] as string)) return undefined;
  try {
    const binary = atob(encoded[1] as string);
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** The methods whose 2026-07-28 requests carry `Mcp-Name`, and the param the header mirrors. */
export const MCP_NAME_PARAMS: Readonly<Record<string, "name" | "uri" | "taskId">> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  // The tasks extension routes by task, so that a task's requests reach the instance holding it.
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

/** One tool parameter mirrored into an `Mcp-Param-{name}` header. */
export interface ParamHeader {
  /** The `{name}` part, as declared. */
  name: string;
  /** The chain of `properties` keys leading to the parameter. */
  path: string[];
  type: "string" | "integer" | "boolean";
}

/**
 * Finds the `x-mcp-header` annotations of a tool's input schema. Throws with the reason when one
 * breaks the spec's constraints (so a client can drop the tool and a server can refuse it).
 */
export function paramHeaders(inputSchema: Record<string, unknown>): ParamHeader[] {
  const found: ParamHeader[] = [];
  const walk = (schema: unknown, path: string[], reachable: boolean): void => {
    if (typeof schema !== "object" || schema === null) return;
    const node = schema as Record<string, unknown>;
    if ("x-mcp-header" in node) {
      const name = node["x-mcp-header"];
      if (!reachable || path.length === 0) {
        throw new TypeError(
          `x-mcp-header at ${path.join(".") || "the root"} is not reachable through properties only`,
        );
      }
      if (typeof name !== "string" || !TOKEN.test(name)) {
        throw new TypeError(`x-mcp-header ${JSON.stringify(name)} is not a valid header name token`);
      }
      const type = node.type;
      if (type !== "string" && type !== "integer" && type !== "boolean") {
        throw new TypeError(`x-mcp-header ${name} must annotate a string, integer or boolean parameter`);
      }
      if (found.some((other) => other.name.toLowerCase() === name.toLowerCase())) {
        throw new TypeError(`x-mcp-header ${name} is declared twice`);
      }
      found.push({ name, path, type });
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties" && typeof value === "object" && value !== null) {
        for (const [property, child] of Object.entries(value)) walk(child, [...path, property], reachable);
      } else if (typeof value === "object" && value !== null && key !== "x-mcp-header") {
        // Anything reached another way (items, anyOf, $defs...) may not carry the annotation.
        const children = Array.isArray(value)
          ? value
          : key === "$defs" || key === "definitions"
            ? Object.values(value)
            : [value];
        for (const child of children) walk(child, path, false);
      }
    }
  };
  walk(inputSchema, [], true);
  return found;
}

/** The value at a property path of tool arguments, as a header string; undefined when absent or null. */
export function paramHeaderValue(args: unknown, header: ParamHeader): string | undefined {
  let value: unknown = args;
  for (const key of header.path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "string") return wellFormed(value);
  return undefined;
}

/** A decimal number as a header value: `42`, `-7`, `42.0`, `4.2e1` (not hex, binary or `Infinity`). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Whether a received header value matches the argument (integers compared numerically). */
export function paramHeaderMatches(received: string, expected: string, type: ParamHeader["type"]): boolean {
  if (type === "integer") return DECIMAL.test(received) && Number(received) === Number(expected);
  return received === expected;
}
