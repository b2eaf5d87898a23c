/** Server-Sent Events: encoding on the server side, parsing on the client side (WHATWG rules). */

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

/**
 * Incremental SSE parser: feed text chunks, get events. Comments are ignored; `retry` and `id`
 * are reported with the event they precede (and `lastEventId` persists across events).
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private eventType: string | undefined;
  private id: string | undefined;
  private retry: number | undefined;
  private sawField = false;
  lastEventId: string | undefined;
  private readonly onEvent: (event: SseEvent) => void;
  private readonly onRetry: ((ms: number) => void) | undefined;

  constructor(onEvent: (event: SseEvent) => void, onRetry?: (ms: number) => void) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
  }

  push(chunk: string): void {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr === -1 && lf === -1) break;
      let end: number;
      let next: number;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A lone CR at the end of the buffer may be the first half of CRLF: wait for more.
        if (cr === this.buffer.length - 1) break;
        end = cr;
        next = this.buffer[cr + 1] === "\n" ? cr + 2 : cr + 1;
      } else {
        end = lf;
        next = lf + 1;
      }
      this.line(this.buffer.slice(start, end));
      start = next;
    }
    this.buffer = this.buffer.slice(start);
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
        this.data.push(value);
        this.sawField = true;
        break;
      case "event":
        this.eventType = value;
        this.sawField = true;
        break;
      case "id":
        if (!value.includes("\0")) {
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
    this.data = [];
    this.eventType = undefined;
    this.id = undefined;
    this.retry = undefined;
    this.sawField = false;
  }
}
