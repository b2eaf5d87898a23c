/**
 * Pages of component lists with opaque cursors (the cursor names the first item of the next
 * page): a registry's own list, and lists that are not (filtered by middleware, merged with mounts).
 */
import type { AuthInfo } from "../../auth/types.js";
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { allows, type Entry, type Registry } from "./registry.js";

export interface Page<Wire> {
  items: Wire[];
  nextCursor?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function encodeCursor(key: string): string {
  return btoa(String.fromCharCode(...encoder.encode(key)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function decodeCursor(cursor: unknown): string | undefined {
  if (typeof cursor !== "string") return undefined;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    return decoder.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/** One page of a list that is not a registry's own (one filtered by middleware), with the same cursors. */
export function pageOf<W>(
  items: W[],
  keyOf: (item: W) => string,
  cursor: unknown,
  pageSize: number | undefined,
): Page<W> {
  let start = 0;
  if (cursor !== undefined) {
    const key = decodeCursor(cursor);
    start = key === undefined ? -1 : items.findIndex((item) => keyOf(item) === key);
    if (start < 0) throw new McpError(ErrorCode.InvalidParams, "Invalid cursor");
  }
  if (!pageSize) return { items: start === 0 ? items : items.slice(start) };
  const end = start + pageSize;
  const page: Page<W> = { items: items.slice(start, end) };
  const next = items[end];
  if (next !== undefined) page.nextCursor = encodeCursor(keyOf(next));
  return page;
}

/** One page of `registry`'s list as `auth`'s holder sees it. */
export function registryPage<E extends Entry<Wire>, Wire>(
  registry: Registry<E, Wire>,
  cursor: unknown,
  pageSize: number | undefined,
  auth?: AuthInfo,
): Page<Wire> {
  const items = registry.list();
  if (registry.hasChecks()) {
    const mine = registry.visibleEntries.filter((entry) => allows(entry, auth));
    const page = pageOf(mine, (entry) => entry.key, cursor, pageSize);
    const result: Page<Wire> = { items: page.items.map((entry) => entry.wire) };
    if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
    return result;
  }
  let start = 0;
  if (cursor !== undefined) {
    const key = decodeCursor(cursor);
    const at = key === undefined ? undefined : registry.positions?.get(key);
    if (at === undefined) throw new McpError(ErrorCode.InvalidParams, "Invalid cursor");
    start = at;
  }
  if (!pageSize || (start === 0 && items.length <= pageSize))
    return start === 0 ? { items } : { items: items.slice(start) };
  const end = start + pageSize;
  const page: Page<Wire> = { items: items.slice(start, end) };
  if (end < items.length) {
    page.nextCursor = encodeCursor((registry.visibleEntries[end] as E).key);
  }
  return page;
}
