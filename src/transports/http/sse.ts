/** Server-Sent Events: encoding on the server side, parsing on the client side (WHATWG rules). */
import { TRANSPORT_DEFAULTS } from "../defaults.js";

export interface SseEvent {
  /** The event's data; several `data:` lines are joined with "\n". */
  data: string;
  event?: string;
  id?: string;
  /** Reconnection delay the server asks for, in ms. */
  retry?: number;
}

/** Encodes one event. Multi-line data becomes several `data:` lines. */
export function encodeSseEvent(event: SseEvent): string {
  let out = "";
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  if (event.event !== undefined) out += `event: ${event.event}\n`;
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line, used as a keep-alive. */
export const SSE_KEEPALIVE = ":\n\n";

/** Largest event the parser keeps (data, event and id values together), in UTF-16 units. */
export const DEFAULT_MAX_SSE_EVENT_LENGTH: number = TRANSPORT_DEFAULTS.maxEventLength;

/** Room beyond the cap on a pending line, for a field name or a `retry` line (whose value is not kept). */
const FIELD_SLACK = 64;

export interface SseParserOptions {
  /** Largest event kept, in characters (default 64 Mi); a larger one is dropped whole. */
  maxEventLength?: number;
  /**
   * An event went over `maxEventLength` and is being dropped (called at once, not at its end);
   * `size` is the characters read of it so far, over the cap.
   */
  onOversized?(size: number): void;
}

/**
 * Incremental SSE parser: feed text chunks, get events. Comments are ignored; `retry` and `id`
 * are reported with the event they precede (and `lastEventId` persists across events). Each chunk
 * is scanned once, so a line sent in many small chunks costs linear time; an event over the cap is
 * dropped (up to its blank line) rather than buffered without end.
 */
export class SseParser {
  /** The line being read, in pieces (not joined until its end). */
  private pending: string[] = [];
  private pendingLength = 0;
  /** The last chunk ended with a CR: a LF starting the next one is the rest of that CRLF. */
  private afterCr = false;
  /** Characters kept for the current event. */
  private eventLength = 0;
  /** Skipping the rest of an oversized event. */
  private discarding = false;
  private data: string[] = [];
  private eventType: string | undefined;
  private id: string | undefined;
  private retry: number | undefined;
  private sawField = false;
  lastEventId: string | undefined;
  private readonly onEvent: (event: SseEvent) => void;
  private readonly onRetry: ((ms: number) => void) | undefined;
  private readonly max: number;
  private readonly onOversized: ((size: number) => void) | undefined;

  constructor(
    onEvent: (event: SseEvent) => void,
    onRetry?: (ms: number) => void,
    options: SseParserOptions = {},
  ) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
    this.max = options.maxEventLength ?? DEFAULT_MAX_SSE_EVENT_LENGTH;
    this.onOversized = options.onOversized;
  }

  push(chunk: string): void {
    let start = 0;
    if (this.afterCr && chunk.length > 0) {
      this.afterCr = false;
      if (chunk[0] === "\n") start = 1;
    }
    // Each search resumes where the last one stopped, so a chunk is scanned once.
    let cr = -2;
    let lf = -2;
    while (start < chunk.length) {
      if (cr !== -1 && cr < start) cr = chunk.indexOf("\r", start);
      if (lf !== -1 && lf < start) lf = chunk.indexOf("\n", start);
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (end === -1) {
        this.append(chunk.slice(start));
        return;
      }
      this.endLine(chunk.slice(start, end));
      start = end + 1;
      if (end === cr) {
        // A CR ends the line at once (a CRLF split across chunks is completed on the next push).
        if (start === chunk.length) this.afterCr = true;
        else if (chunk[start] === "\n") start++;
      }
    }
  }

  /** Keeps part of a line whose end has not arrived yet. */
  private append(piece: string): void {
    if (piece.length === 0) return;
    this.pendingLength += piece.length;
    if (this.discarding) return;
    // The slack leaves room for a field name: whether the value fits is decided at the line's end.
    const size = this.eventLength + this.pendingLength;
    if (size > this.max + FIELD_SLACK) this.discard(size);
    else this.pending.push(piece);
  }

  private endLine(piece: string): void {
    const length = this.pendingLength + piece.length;
    const line = this.discarding || this.pending.length === 0 ? piece : this.pending.join("") + piece;
    this.pending = [];
    this.pendingLength = 0;
    if (!this.discarding) this.line(line);
    // The blank line that ends the dropped event.
    else if (length === 0) this.discarding = false;
  }

  /** Counts `added` more characters kept for the event; false (and the event dropped) over the cap. */
  private keep(added: number): boolean {
    if (this.eventLength + added > this.max) {
      this.discard(this.eventLength + added);
      return false;
    }
    this.eventLength += added;
    return true;
  }

  /** Drops the event being read: `size` characters of it are over the cap. */
  private discard(size: number): void {
    this.discarding = true;
    this.pending = [];
    this.reset();
    this.onOversized?.(size);
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        if (!this.keep(value.length + (this.data.length > 0 ? 1 : 0))) return;
        this.data.push(value);
        this.sawField = true;
        break;
      case "event":
        if (!this.keep(value.length - (this.eventType?.length ?? 0))) return;
        this.eventType = value;
        this.sawField = true;
        break;
      case "id":
        if (!value.includes("\0")) {
          if (!this.keep(value.length - (this.id?.length ?? 0))) return;
          this.id = value;
          this.lastEventId = value;
        }
        this.sawField = true;
        break;
      case "retry":
        if (/^\d+$/.test(value)) {
          this.retry = Number(value);
          this.onRetry?.(this.retry);
        }
        break;
    }
  }

  private dispatch(): void {
    if (this.sawField) {
      const event: SseEvent = { data: this.data.join("\n") };
      if (this.eventType !== undefined) event.event = this.eventType;
      if (this.id !== undefined) event.id = this.id;
      if (this.retry !== undefined) event.retry = this.retry;
      this.onEvent(event);
    }
    this.reset();
  }

  private reset(): void {
    this.eventLength = 0;
    this.data = [];
    this.eventType = undefined;
    this.id = undefined;
    this.retry = undefined;
    this.sawField = false;
  }
}
