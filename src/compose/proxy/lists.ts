/**
 * What a proxy takes of an upstream's lists. The upstream is a peer: an entry that is not an object,
 * lacks its name or URI, or names itself in a way that cannot be served again (a tool or prompt name
 * this server would refuse to register, control characters, absurd lengths, a URI without a scheme)
 * is left out with a warning, never served half-broken;
 * a list longer than the proxy's limit is cut.
 */
import { checkComponentName } from "../../server/components/registry.js";
import type { SourceLists } from "../../server/sources.js";

export type ListKind = keyof SourceLists;

/** Longest name or URI taken from an upstream. */
const MAX_NAME_LENGTH = 256;
const MAX_URI_LENGTH = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001f\u007f]/;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

function validName(value: unknown): value is string {
  return (
    typeof value === "string" && value.length > 0 && value.length <= MAX_NAME_LENGTH && !CONTROL.test(value)
  );
}

function validUri(value: unknown): value is string {
  return (
    typeof value === "string" && value.length <= MAX_URI_LENGTH && SCHEME.test(value) && !CONTROL.test(value)
  );
}

/** Why an entry of `kind` cannot be served, or undefined when it can. */
function problem(kind: ListKind, item: unknown): string | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return "not an object";
  const entry = item as Record<string, unknown>;
  if (!validName(entry.name)) return "no usable name";
  // Tools and prompts are called by name: one this server could not register is not served either.
  if (kind === "tools" || kind === "prompts") {
    try {
      checkComponentName(kind === "tools" ? "tool" : "prompt", entry.name);
    } catch {
      return `a name outside the MCP tool-name rules (${JSON.stringify(entry.name).slice(0, 60)})`;
    }
  }
  if (kind === "tools") {
    const schema = entry.inputSchema;
    if (typeof schema !== "object" || schema === null || Array.isArray(schema))
      return "no inputSchema object";
  }
  if (kind === "resources" && !validUri(entry.uri)) return "no usable uri";
  if (kind === "templates" && !validUri(entry.uriTemplate)) return "no usable uriTemplate";
  return undefined;
}

/** The usable entries of an upstream list, at most `max`, each name or URI once. */
export function sanitizeList(
  kind: ListKind,
  items: readonly unknown[],
  upstream: string,
  max: number,
  warn: (message: string) => void,
): SourceLists[ListKind][] {
  const kept: SourceLists[ListKind][] = [];
  const seen = new Set<string>();
  let dropped = 0;
  let firstProblem: string | undefined;
  for (const item of items) {
    const why = problem(kind, item);
    const entry = item as Record<string, unknown>;
    const id = why
      ? undefined
      : String(kind === "resources" ? entry.uri : kind === "templates" ? entry.uriTemplate : entry.name);
    if (why || id === undefined || seen.has(id)) {
      dropped++;
      firstProblem ??= why ?? `a second ${id}`;
      continue;
    }
    if (kept.length >= max) {
      warn(`${upstream}: more than ${max} ${kind}; the rest are ignored`);
      break;
    }
    seen.add(id);
    kept.push(item as SourceLists[ListKind]);
  }
  if (dropped > 0) warn(`${upstream}: ${dropped} of its ${kind} left out (first: ${firstProblem})`);
  return kept;
}
