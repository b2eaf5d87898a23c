/** Server-sent events as the raw-wire tests read them: a whole body at once, or a live fetch body. */

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** One event block's fields; undefined for a block with no field (only comments or nothing). */
function parseBlock(block: string): SseEvent | undefined {
  const data: string[] = [];
  const event: SseEvent = { data: "" };
  let sawField = false;
  for (const line of block.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    sawField = true;
    if (field === "data") data.push(value);
    else if (field === "id") event.id = value;
    else if (field === "event") event.event = value;
  }
  if (!sawField) return undefined;
  event.data = data.join("\n");
  return event;
}

/** Parses a complete SSE body into its events (enough for the tests' replies). */
export function parseSse(text: string): SseEvent[] {
  return text.split(/\r?\n\r?\n/).flatMap((block) => parseBlock(block) ?? []);
}

/** The JSON-RPC messages of an SSE body (events without data, such as priming events, are skipped). */
export function sseMessages(text: string): Record<string, any>[] {
  return parseSse(text)
    .filter((event) => event.data !== "" && (event.event ?? "message") === "message")
    .map((event) => JSON.parse(event.data) as Record<string, any>);
}

/** Reads SSE events from a fetch body as they arrive. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";

  constructor(response: Response) {
    if (!response.body) throw new Error("no body");
    this.reader = response.body.getReader();
  }

  /** Reads one more chunk into the buffer; false at the end of the stream. */
  private async fill(): Promise<boolean> {
    const { done, value } = await this.reader.read();
    if (done) return false;
    this.buffer += this.decoder.decode(value, { stream: true });
    return true;
  }

  /** The next event with data (comments and priming events skipped), or undefined at the end. */
  async next(): Promise<SseEvent | undefined> {
    for (;;) {
      const at = this.buffer.indexOf("\n\n");
      if (at >= 0) {
        const event = parseBlock(this.buffer.slice(0, at));
        this.buffer = this.buffer.slice(at + 2);
        if (event && event.data !== "") return event;
        continue;
      }
      if (!(await this.fill())) return undefined;
    }
  }

  /**
   * The next comment-only block (such as a keep-alive), or undefined at the end; events before it
   * stay for `next()`.
   */
  async comment(): Promise<string | undefined> {
    let from = 0;
    for (;;) {
      const at = this.buffer.indexOf("\n\n", from);
      if (at >= 0) {
        const block = this.buffer.slice(from, at);
        if (block !== "" && block.split("\n").every((line) => line.startsWith(":"))) {
          this.buffer = this.buffer.slice(0, from) + this.buffer.slice(at + 2);
          return block;
        }
        from = at + 2;
        continue;
      }
      if (!(await this.fill())) return undefined;
    }
  }

  /** The next event's data as JSON. */
  async message(): Promise<any> {
    const event = await this.next();
    if (!event) throw new Error("the stream ended");
    return JSON.parse(event.data);
  }

  /** Resolves true when the stream ends (reads and drops what is left). */
  async ended(): Promise<boolean> {
    for (;;) {
      const { done } = await this.reader.read();
      if (done) return true;
    }
  }

  cancel(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }
}
