/**
 * Newline-delimited framing for stdio: splits a byte stream into lines with a cap on line size.
 * A line over the cap is dropped whole (up to its newline) and reported once.
 */

export interface LineDecoderOptions {
  /** Largest accepted line, in bytes (default 4 MiB). */
  maxLineBytes?: number;
  onLine(line: string): void;
  /** A line was longer than the cap and has been discarded. */
  onOversized(bytes: number): void;
}

export const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;

export class LineDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Discarding the rest of an oversized line. */
  private skipping = false;
  private skipped = 0;
  private readonly max: number;
  private readonly options: LineDecoderOptions;

  constructor(options: LineDecoderOptions) {
    this.options = options;
    this.max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.skipping) {
        this.skipped += end - start;
      } else if (this.buffered + (end - start) > this.max) {
        this.skipping = true;
        this.skipped = this.buffered + (end - start);
        this.chunks = [];
        this.buffered = 0;
      } else if (end > start) {
        this.chunks.push(chunk.subarray(start, end));
        this.buffered += end - start;
      }
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  /** Flushes a last line that had no newline (at end of stream). */
  end(): void {
    if (this.buffered > 0 || this.skipping) this.endLine();
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      this.options.onOversized(this.skipped);
      this.skipped = 0;
      return;
    }
    if (this.buffered === 0) return;
    const bytes =
      this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    let line = bytes.toString("utf8");
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim().length > 0) this.options.onLine(line);
  }
}

/** Encodes one message as a line. JSON.stringify never emits a raw newline. */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
