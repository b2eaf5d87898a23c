/**
 * One copy of the small JSON values many sessions keep alike: a legacy session's state (what
 * `initialize` fixed: the version, the client's capabilities, name and version; its log level and
 * whether it is initialized) is the same for every session of one client software, and is kept
 * once (a frozen copy) rather than once per session. The table is bounded: past its size it starts
 * again (copies already handed out stay valid); a large value is kept as it is.
 */

/** Distinct values kept; past it the table starts again. */
const MAX_VALUES = 256;
/** A value whose JSON text is longer is not shared. */
const MAX_TEXT = 1024;

const shared = new Map<string, object>();

/**
 * The shared, deeply frozen copy of `value` (a JSON object); `value` itself when it is large or not
 * JSON (an in-process client may hand over any object).
 */
export function sharedJson<T extends object>(value: T): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return value;
  }
  if (text === undefined || text.length > MAX_TEXT) return value;
  let copy = shared.get(text);
  if (copy === undefined) {
    if (shared.size >= MAX_VALUES) shared.clear();
    copy = deepFreeze(JSON.parse(text) as object);
    shared.set(text, copy);
  }
  return copy as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return Object.freeze(value);
}
