/**
 * A bound on how deeply peer input may nest. Several walks over a request's params recurse (the
 * requestState digest, schema validators, String() of arrays, JSON.stringify of a result that
 * echoes its input); a value nested tens of thousands of levels deep, which JSON.parse accepts,
 * would overflow the stack in any of them. Checking once on the way in, a walk that stops at the
 * limit, keeps every later walk safe and answers the client with -32602 instead of an internal error.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";

/** The deepest nesting of objects and arrays accepted in a request's params or a client's answer. */
export const MAX_INPUT_DEPTH = 256;

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep (`{}` is one level).
 * Recursive but never deeper than `limit + 1` frames, so any input is safe to inspect; a cycle
 * counts as too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  return typeof value === "object" && value !== null && deeper(value, 1, limit);
}

function deeper(value: object, depth: number, limit: number): boolean {
  if (depth > limit) return true;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item === "object" && item !== null && deeper(item, depth + 1, limit)) return true;
    }
    return false;
  }
  for (const key in value) {
    const item: unknown = (value as Record<string, unknown>)[key];
    if (typeof item === "object" && item !== null && deeper(item, depth + 1, limit)) return true;
  }
  return false;
}

/** The -32602 error for input nested more deeply than MAX_INPUT_DEPTH; `what` names the input. */
export function tooDeep(what: string): McpError {
  return new McpError(
    ErrorCode.InvalidParams,
    `Invalid params: ${what} nests objects and arrays more than ${MAX_INPUT_DEPTH} levels deep (the limit is ${MAX_INPUT_DEPTH})`,
  );
}

/** Throws -32602 naming the limit when `value` (`what`, for the message) nests too deeply. */
export function checkInputDepth(value: unknown, what: string): void {
  if (nestsDeeperThan(value, MAX_INPUT_DEPTH)) throw tooDeep(what);
}
