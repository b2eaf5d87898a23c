/** Turning what handlers return into protocol results, the way API.md describes. */
import type {
  CallToolResult,
  ContentBlock,
  PromptMessage,
  ResourceContents,
  Role,
  TextContent,
} from "../../protocol/types.js";
import { isMediaHelper } from "./content.js";
import { toBase64 } from "./media.js";

const CONTENT_TYPES = new Set(["text", "image", "audio", "resource", "resource_link"]);

export function isContentBlock(value: unknown): value is ContentBlock {
  if (typeof value !== "object" || value === null) return false;
  const block = value as Record<string, unknown>;
  if (!CONTENT_TYPES.has(block.type as string)) return false;
  switch (block.type) {
    case "text":
      return typeof block.text === "string";
    case "image":
    case "audio":
      return typeof block.data === "string" && typeof block.mimeType === "string";
    case "resource":
      return typeof block.resource === "object" && block.resource !== null;
    default:
      return typeof block.uri === "string";
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const RESULT_KEYS = new Set(["content", "structuredContent", "isError", "_meta"]);

/** A handler may return a whole CallToolResult; recognised by its shape. */
function isCallToolResult(value: Record<string, unknown>): value is CallToolResult {
  if (!Array.isArray(value.content) || !value.content.every(isContentBlock)) return false;
  for (const key in value) if (!RESULT_KEYS.has(key)) return false;
  return true;
}

function text(value: string): TextContent {
  return { type: "text", text: value };
}

/** JSON text of any value; values JSON cannot represent fall back to String(). */
export function toJsonText(value: unknown): string {
  try {
    const json = JSON.stringify(value, (_key, inner) =>
      typeof inner === "bigint" ? inner.toString() : inner,
    );
    return json ?? String(value);
  } catch {
    return String(value);
  }
}

async function toBlock(value: unknown): Promise<ContentBlock> {
  if (typeof value === "string") return text(value);
  if (isContentBlock(value)) return value;
  if (isMediaHelper(value)) return value.toContent();
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return text(String(value));
  return text(toJsonText(value));
}

export interface ToolOutputShape {
  /** The handler's return value is wrapped as `{ result }` because the output schema is not an object. */
  wrap: boolean;
}

/**
 * Converts a tool handler's return value. Strings, numbers and booleans become one text block; a
 * plain object becomes structuredContent plus its JSON as text; content blocks and media helpers
 * pass through; arrays holding content become the content list. Not async: only a media helper's
 * content is waited for, and every other value is converted at once (no promise, no turn).
 */
export function toCallToolResult(
  value: unknown,
  output: ToolOutputShape | undefined,
): CallToolResult | Promise<CallToolResult> {
  if (isPlainObject(value) && isCallToolResult(value)) return value;
  let content: ContentBlock[];
  if (value === undefined || value === null) content = [];
  else if (typeof value === "string") content = [text(value)];
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    content = [text(String(value))];
  } else if (isContentBlock(value)) content = [value];
  else if (isMediaHelper(value))
    return value.toContent().then((block) => withStructured([block], value, output));
  else if (Array.isArray(value) && value.some((item) => isContentBlock(item) || isMediaHelper(item))) {
    return Promise.all(value.map(toBlock)).then((blocks) => withStructured(blocks, value, output));
  } else content = [text(toJsonText(value))];
  return withStructured(content, value, output);
}

/** The result of `content`, with the value as structuredContent when it is data. */
function withStructured(
  content: ContentBlock[],
  value: unknown,
  output: ToolOutputShape | undefined,
): CallToolResult {
  const result: CallToolResult = { content };
  if (output) {
    result.structuredContent = output.wrap ? { result: value ?? null } : value;
  } else if (isPlainObject(value) && !isContentBlock(value)) {
    // A returned content block is content, not data: it is not repeated as structuredContent.
    result.structuredContent = value;
  }
  return result;
}

function isBytes(value: unknown): value is Uint8Array | ArrayBuffer {
  return value instanceof Uint8Array || value instanceof ArrayBuffer;
}

/** A resource handler's string is text, bytes are a blob, anything else is JSON text. */
export function toResourceContents(
  uri: string,
  value: unknown,
  mimeType: string | undefined,
): ResourceContents[] {
  if (typeof value === "string") return [{ uri, mimeType: mimeType ?? "text/plain", text: value }];
  if (isBytes(value)) {
    const bytes = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
    return [{ uri, mimeType: mimeType ?? "application/octet-stream", blob: toBase64(bytes) }];
  }
  return [{ uri, mimeType: mimeType ?? "application/json", text: toJsonText(value) }];
}

function isRole(value: unknown): value is Role {
  return value === "user" || value === "assistant";
}

async function toMessage(value: unknown): Promise<PromptMessage> {
  if (typeof value === "object" && value !== null && isRole((value as { role?: unknown }).role)) {
    const { role, content } = value as { role: Role; content: unknown };
    return { role, content: await toBlock(content) };
  }
  return { role: "user", content: await toBlock(value) };
}

/** A prompt handler returns a string (one user message), one message, or an array of messages. */
export async function toPromptMessages(value: unknown): Promise<PromptMessage[]> {
  if (Array.isArray(value)) return Promise.all(value.map(toMessage));
  return [await toMessage(value)];
}
