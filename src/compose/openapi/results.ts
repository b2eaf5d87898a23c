/** HTTP answers as MCP results: a tool's result, a resource's contents. */
import { ResourceError } from "../../errors.js";
import type { CallToolResult, ContentBlock } from "../../protocol/types.js";
import type { CompiledSchema, ValidationOutcome } from "../../schema/compile.js";
import { formatIssues } from "../../server/components/calls.js";
import { toBase64 } from "../../server/components/media.js";
import type { ApiResponse } from "./request.js";

function mediaType(contentType: string): string {
  return contentType.split(";")[0]?.trim().toLowerCase() ?? "";
}

function isJson(contentType: string): boolean {
  const base = mediaType(contentType);
  return base === "application/json" || base.endsWith("+json");
}

/** Answers whose bytes are not text: images, audio, PDFs, archives, octet streams... */
function isBinary(contentType: string): boolean {
  const base = mediaType(contentType);
  if (base === "" || base.startsWith("text/") || isJson(base) || base.endsWith("+xml")) return false;
  return !/^application\/(xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml|x-ndjson|graphql)$/.test(
    base,
  );
}

/** A binary success as a content block: an image, audio, or an embedded resource of the URL. */
function binaryBlock(response: ApiResponse): ContentBlock {
  const mimeType = mediaType(response.contentType);
  const data = toBase64(response.bytes);
  if (mimeType.startsWith("image/")) return { type: "image", data, mimeType };
  if (mimeType.startsWith("audio/")) return { type: "audio", data, mimeType };
  return { type: "resource", resource: { uri: response.url, mimeType, blob: data } };
}

function parsed(response: ApiResponse): { ok: true; value: unknown } | { ok: false } {
  if (!isJson(response.contentType) || response.text.trim() === "") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(response.text) };
  } catch {
    return { ok: false };
  }
}

function statusLine(response: ApiResponse): string {
  return `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
}

function isSuccess(response: ApiResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

/** How a tool's structured output is checked and shaped. */
export interface ToolOutput {
  validator: CompiledSchema;
  /** The response schema is not an object: values travel as `{ result }`. */
  wrap: boolean;
}

/**
 * A tool's result: a non-2xx answer is an `isError` result with the status and body; a JSON
 * object body is also structured content (checked against the output schema when there is one).
 */
export function toolResult(response: ApiResponse, output: ToolOutput | undefined): CallToolResult {
  if (!isSuccess(response)) {
    return errorResult(`${statusLine(response)}${response.text ? `: ${response.text}` : ""}`);
  }
  if (isBinary(response.contentType) && response.bytes.length > 0 && !output) {
    return { content: [binaryBlock(response)] };
  }
  const text = response.text || statusLine(response);
  const body = parsed(response);
  const result: CallToolResult = { content: [{ type: "text", text }] };
  if (output) {
    // The document promised structured output: a body that breaks the promise is reported with
    // its status and text, so the caller knows the call went through.
    const mismatch = (why: string) =>
      errorResult(
        `${statusLine(response)}, but the body does not match the response schema of the OpenAPI document${why}. Body: ${text}`,
      );
    if (!body.ok) return mismatch(" (not JSON)");
    const structured = output.wrap ? { result: body.value } : body.value;
    // A plain JSON Schema compiles to a synchronous validator.
    const outcome = output.validator.validate(structured) as ValidationOutcome;
    if (!outcome.ok) return mismatch(`: ${formatIssues(outcome.issues)}`);
    result.structuredContent = structured as Record<string, unknown>;
  } else if (body.ok && typeof body.value === "object" && body.value !== null && !Array.isArray(body.value)) {
    result.structuredContent = body.value as Record<string, unknown>;
  }
  return result;
}

/**
 * A resource's contents: its text, or its bytes for a binary answer; a non-2xx answer is a
 * ResourceError (its message reaches the client).
 */
export function resourceBody(response: ApiResponse): string | Uint8Array {
  if (!isSuccess(response)) {
    throw new ResourceError(`${statusLine(response)}${response.text ? `: ${response.text}` : ""}`);
  }
  return isBinary(response.contentType) ? response.bytes : response.text;
}
