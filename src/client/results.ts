/** Typed wrappers over raw results, with the conveniences users reach for (`.text`, `.data`, `.content`). */
import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  PromptMessage,
  ResourceContents,
  ReadResourceResult as WireReadResourceResult,
} from "../protocol/types.js";

function joinText(blocks: readonly unknown[]): string {
  let out = "";
  let first = true;
  for (const block of blocks) {
    if ((block as { type?: unknown })?.type !== "text") continue;
    out += first ? (block as { text: string }).text : `\n${(block as { text: string }).text}`;
    first = false;
  }
  return out;
}

/** The result of `callTool`. */
export class ToolCallResult<T = unknown> {
  readonly content: ContentBlock[];
  readonly structuredContent: unknown;
  readonly isError: boolean;
  readonly _meta: Record<string, unknown> | undefined;
  /** The result as received. */
  readonly raw: CallToolResult;
  private readonly unwrap: boolean;

  constructor(raw: CallToolResult, unwrap = false) {
    this.raw = raw;
    this.content = Array.isArray(raw.content) ? raw.content : [];
    this.structuredContent = raw.structuredContent;
    this.isError = raw.isError === true;
    this._meta = raw._meta;
    this.unwrap = unwrap;
  }

  /** The text blocks, joined with "\n". */
  get text(): string {
    return joinText(this.content);
  }

  /**
   * The structured value: `structuredContent`, unwrapped from `{ result }` when the tool's output
   * schema wraps a non-object value; undefined when the tool returned none.
   */
  get data(): T {
    const structured = this.structuredContent;
    if (this.unwrap && typeof structured === "object" && structured !== null && "result" in structured) {
      return (structured as { result: T }).result;
    }
    return structured as T;
  }
}

/** The result of `readResource`. */
export class ResourceReadResult {
  /** The raw contents items. */
  readonly contents: ResourceContents[];
  readonly raw: WireReadResourceResult;

  constructor(raw: WireReadResourceResult) {
    this.raw = raw;
    this.contents = Array.isArray(raw.contents) ? raw.contents : [];
  }

  /** The text of the resource: text items joined with "\n" (blob items are decoded as UTF-8). */
  get content(): string {
    return this.contents
      .map((item) => ("text" in item ? item.text : new TextDecoder().decode(base64ToBytes(item.blob))))
      .join("\n");
  }

  /** Alias of `content`. */
  get text(): string {
    return this.content;
  }

  /** The bytes of the first item (decoded blob, or UTF-8 of text). */
  get bytes(): Uint8Array {
    const first = this.contents[0];
    if (!first) return new Uint8Array();
    return "blob" in first ? base64ToBytes(first.blob) : new TextEncoder().encode(first.text);
  }

  /** The content parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.content) as T;
  }
}

/** The result of `getPrompt`. */
export class PromptResult {
  readonly description: string | undefined;
  readonly messages: PromptMessage[];
  readonly raw: GetPromptResult;

  constructor(raw: GetPromptResult) {
    this.raw = raw;
    this.description = raw.description;
    this.messages = Array.isArray(raw.messages) ? raw.messages : [];
  }

  /** The text of every message, joined with "\n". */
  get text(): string {
    return joinText(this.messages.map((message) => message.content));
  }
}

export function base64ToBytes(base64: string): Uint8Array {
  if (typeof Buffer !== "undefined") return new Uint8Array(Buffer.from(base64, "base64"));
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}
