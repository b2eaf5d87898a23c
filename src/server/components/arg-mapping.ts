/**
 * Following a transformed tool's argument mapping (tool-transform.ts builds it): the client's
 * arguments back to the original tool's names, and a validation issue's path forward to the names
 * the client sees. Loaded with the serving code.
 */
import type { ArgumentMapping } from "./tools.js";

function cloneValue(value: unknown): unknown {
  // A handler that mutates an object default must not change the next call's default.
  return typeof value === "object" && value !== null ? structuredClone(value) : value;
}

/** The client's arguments (new names) as the original tool takes them; a fresh object. */
export function mapArgs(mapping: ArgumentMapping, args: Record<string, unknown>): Record<string, unknown> {
  const { fromNew, claimed } = mapping;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(args)) {
    const old = fromNew.get(key);
    if (old !== undefined) out[old] = args[key];
    // Anything else passes through for the original schema to judge, except names it owns.
    else if (!claimed.has(key)) out[key] = args[key];
  }
  for (const [old, value] of mapping.fills) if (out[old] === undefined) out[old] = cloneValue(value);
  for (const [old, value] of mapping.fixed) out[old] = cloneValue(value);
  return mapping.inner ? mapArgs(mapping.inner, out) : out;
}

/** A validation issue's path (original names) in the names the client sees. */
export function issuePath(mapping: ArgumentMapping, path: string): string {
  const inner = mapping.inner ? issuePath(mapping.inner, path) : path;
  const dot = inner.indexOf(".");
  const head = dot === -1 ? inner : inner.slice(0, dot);
  const renamed = mapping.toNew.get(head);
  return renamed === undefined ? inner : renamed + inner.slice(head.length);
}
