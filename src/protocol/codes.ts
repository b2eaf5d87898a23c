/** JSON-RPC and MCP error codes, as one table. */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Legacy-era resource-not-found code; the 2026-07-28 revision uses InvalidParams instead. */
  ResourceNotFound: -32002,
  /** Legacy-era (2025-11-25) URL elicitation required. */
  UrlElicitationRequired: -32042,
  /** 2026-07-28: an HTTP header disagrees with the JSON-RPC body. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability the client did not declare. */
  MissingRequiredClientCapability: -32021,
  /** 2026-07-28: the protocol version in `_meta` is not served here. */
  UnsupportedProtocolVersion: -32022,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes only a 2026-07-28 server sends; a client seeing one knows the server is modern. */
export const MODERN_ERROR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.HeaderMismatch,
  ErrorCode.MissingRequiredClientCapability,
  ErrorCode.UnsupportedProtocolVersion,
]);
