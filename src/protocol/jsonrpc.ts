/** The JSON-RPC 2.0 codec: decoding one message from text or a parsed value, and building replies. */
import { McpError } from "../errors.js";
import { ErrorCode } from "./codes.js";
import type {
  JSONRPCErrorResponse,
  JSONRPCMessage,
  JSONRPCNotification,
  JSONRPCRequest,
  JSONRPCResponse,
  JSONRPCResultResponse,
  RequestId,
  Result,
} from "./types.js";

export type DecodedMessage =
  | { kind: "request"; message: JSONRPCRequest }
  | { kind: "notification"; message: JSONRPCNotification }
  | { kind: "response"; message: JSONRPCResponse }
  /** Not a usable message: answer with `error` (when it can be answered at all). */
  | { kind: "invalid"; error: JSONRPCErrorResponse };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is RequestId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/** Parses one JSON text and classifies it; malformed JSON is a -32700 error. */
export function decodeText(text: string): DecodedMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return {
      kind: "invalid",
      error: errorResponse(null, ErrorCode.ParseError, `Parse error: ${(cause as Error).message}`),
    };
  }
  return decodeValue(value);
}

/** Classifies an already-parsed value as one JSON-RPC message. */
export function decodeValue(value: unknown): DecodedMessage {
  if (!isRecord(value)) {
    const what = Array.isArray(value) ? "a batch (array); batches are not supported" : `a ${typeof value}`;
    return {
      kind: "invalid",
      error: errorResponse(
        null,
        ErrorCode.InvalidRequest,
        `Invalid Request: expected a JSON object, got ${what}`,
      ),
    };
  }
  const rawId = value.id;
  // A broken response is never answered with its id: the peer would take the error for the answer
  // to its own request of that id.
  const responseShaped = !("method" in value) && ("result" in value || "error" in value);
  const id = isId(rawId) && !responseShaped ? rawId : null;
  if (value.jsonrpc !== "2.0") {
    return {
      kind: "invalid",
      error: errorResponse(id, ErrorCode.InvalidRequest, 'Invalid Request: jsonrpc must be "2.0"'),
    };
  }
  if ("method" in value) {
    if (typeof value.method !== "string") {
      return {
        kind: "invalid",
        error: errorResponse(id, ErrorCode.InvalidRequest, "Invalid Request: method must be a string"),
      };
    }
    if (value.params !== undefined && !isRecord(value.params)) {
      return {
        kind: "invalid",
        error: errorResponse(id, ErrorCode.InvalidRequest, "Invalid Request: params must be an object"),
      };
    }
    if (!("id" in value)) return { kind: "notification", message: value as unknown as JSONRPCNotification };
    if (id === null) {
      return {
        kind: "invalid",
        error: errorResponse(
          null,
          ErrorCode.InvalidRequest,
          "Invalid Request: id must be a string or a number",
        ),
      };
    }
    return { kind: "request", message: value as unknown as JSONRPCRequest };
  }
  if ("result" in value || "error" in value) {
    const malformed = (what: string): DecodedMessage => ({
      kind: "invalid",
      error: errorResponse(null, ErrorCode.InvalidRequest, `Invalid Request: ${what}`),
    });
    if ("result" in value && "error" in value)
      return malformed("a response has a result or an error, not both");
    if ("error" in value) {
      const error = value.error;
      if (!isRecord(error) || !Number.isInteger(error.code) || typeof error.message !== "string") {
        return malformed("malformed error");
      }
      if (rawId !== undefined && rawId !== null && !isId(rawId)) return malformed("malformed id");
    } else if (!isId(rawId) || !isRecord(value.result)) {
      return malformed("malformed result");
    }
    return { kind: "response", message: value as unknown as JSONRPCResponse };
  }
  return {
    kind: "invalid",
    error: errorResponse(
      id,
      ErrorCode.InvalidRequest,
      "Invalid Request: neither a request, a notification nor a response",
    ),
  };
}

export function resultResponse(id: RequestId, result: Result): JSONRPCResultResponse {
  return { jsonrpc: "2.0", id, result };
}

export function errorResponse(
  id: RequestId | null | undefined,
  code: number,
  message: string,
  data?: unknown,
): JSONRPCErrorResponse {
  const error = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: "2.0", id: id ?? null, error };
}

/** Turns any thrown value into a JSON-RPC error object; only McpError keeps its code. */
export function toErrorObject(
  error: unknown,
  maskInternal = false,
): { code: number; message: string; data?: unknown } {
  if (error instanceof McpError) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
  const message =
    maskInternal || !(error instanceof Error) ? "Internal error" : `Internal error: ${error.message}`;
  return { code: ErrorCode.InternalError, message };
}

export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return "method" in message && "id" in message;
}

export function isNotification(message: JSONRPCMessage): message is JSONRPCNotification {
  return "method" in message && !("id" in message);
}

export function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return !("method" in message);
}
