/**
 * A bound on how deeply peer input may nest. Several walks over a request's params recurse (the
 * requestState digest, schema validators, String() of arrays, JSON.stringify of a result that
 * echoes its input); a value nested tens of thousands of levels deep, which JSON.parse accepts,
 * would overflow the stack in any of them. Checking once, iteratively, on the way in keeps every
 * later walk safe and answers the client with -32602 instead of an internal error.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";

/** The deepest nesting of objects and arrays accepted in a request's params or a client's answer. */
export const MAX_INPUT_DEPTH = 256;

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep (`{}` is one level).
 * Iterative, so any depth is safe to inspect; a cycle counts as too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const current = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(current)) {
      for (const item of current) {
        if (typeof item === "object" && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in current) {
        const item = current[key];
        if (typeof item === "object" && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    }
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
