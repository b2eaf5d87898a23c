/**
 * The 2026-07-28 Streamable HTTP status map: the HTTP status a JSON-RPC error answer travels with.
 * Codes not listed travel with 200 (a JSON-RPC error is still a delivered answer).
 */
import { ErrorCode } from "./codes.js";

export const HTTP_STATUS_BY_ERROR_CODE = {
  [ErrorCode.MethodNotFound]: 404,
  [ErrorCode.InvalidParams]: 400,
  [ErrorCode.InvalidRequest]: 400,
  [ErrorCode.ParseError]: 400,
  [ErrorCode.HeaderMismatch]: 400,
  [ErrorCode.MissingRequiredClientCapability]: 400,
  [ErrorCode.UnsupportedProtocolVersion]: 400,
} as const satisfies Record<number, number>;

/** HTTP status for a JSON-RPC error code, per the 2026-07-28 Streamable HTTP status map. */
export function statusFor(code: number): number {
  return (HTTP_STATUS_BY_ERROR_CODE as Record<number, number>)[code] ?? 200;
}
