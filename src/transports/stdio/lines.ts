/**
 * Newline-delimited framing for stdio: splits a byte stream into lines with a cap on line size.
 * A line over the cap is skipped whole (up to its newline) without being buffered: only its size
 * and a few KB at each end are kept, enough to tell which request it belongs to.
 */
import type { RequestId } from "../../protocol/types.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";

/** A line that was over the cap, reported once it has ended. */
export interface OversizedLine {
  /** Its full length in bytes (without the newline). */
  bytes: number;
  /** The cap it exceeded. */
  limit: number;
  /** Its first and last few KB, to find its `id` and `method` (see {@link peekEnvelope}). */
  head: string;
  tail: string;
}

export interface LineDecoderOptions {
  /** Largest accepted line, in bytes (default {@link DEFAULT_MAX_LINE_BYTES}). */
  maxLineBytes?: number;
  onLine(line: string): void;
  /** A line was longer than the cap and has been discarded. */
  onOversized(line: OversizedLine): void;
}

/** 64 MiB: see `TRANSPORT_DEFAULTS.maxLineBytes` for why. */
export const DEFAULT_MAX_LINE_BYTES: number = TRANSPORT_DEFAULTS.maxLineBytes;

/** Bytes kept from each end of an oversized line: SDKs write `id` first or last. */
const EDGE_BYTES = 4096;

export class LineDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Skipping the rest of an oversized line; its head and running tail are kept. */
  private skipping = false;
  private skipped = 0;
  private head: Buffer | undefined;
  private tail: Buffer = Buffer.alloc(0);
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
        this.keepTail(chunk.subarray(start, end));
      } else if (this.buffered + (end - start) > this.max) {
        this.startSkipping(chunk.subarray(start, end));
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

  private startSkipping(segment: Buffer): void {
    const pieces = [...this.chunks, segment];
    const head: Buffer[] = [];
    let kept = 0;
    for (const piece of pieces) {
      if (kept >= EDGE_BYTES) break;
      head.push(piece.subarray(0, EDGE_BYTES - kept));
      kept += Math.min(piece.length, EDGE_BYTES - kept);
    }
    this.head = Buffer.concat(head);
    this.tail = Buffer.alloc(0);
    for (const piece of pieces) this.keepTail(piece);
    this.skipping = true;
    this.skipped = this.buffered + segment.length;
    this.chunks = [];
    this.buffered = 0;
  }

  /** Keeps the last EDGE_BYTES of the line, copied so the chunk it came from can be freed. */
  private keepTail(segment: Buffer): void {
    if (segment.length >= EDGE_BYTES) this.tail = Buffer.from(segment.subarray(-EDGE_BYTES));
    else if (segment.length > 0) {
      const joined = Buffer.concat([this.tail, segment]);
      this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - EDGE_BYTES)));
    }
  }

  private endLine(): void {
    if (this.skipping) {
      let bytes = this.skipped;
      let tail = this.tail;
      if (tail.at(-1) === 13) {
        tail = tail.subarray(0, -1);
        bytes--;
      }
      const line = {
        bytes,
        limit: this.max,
        head: this.head?.toString("utf8") ?? "",
        tail: tail.toString("utf8"),
      };
      this.skipping = false;
      this.skipped = 0;
      this.head = undefined;
      this.tail = Buffer.alloc(0);
      this.options.onOversized(line);
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

/** What the two ends of an oversized line tell about the message. */
export interface Envelope {
  /** The top-level `id`, when either end shows it. */
  id: RequestId | undefined;
  /** A top-level `method` was seen: a request (with `id`) or a notification. */
  method: boolean;
  /** A top-level `result` or `error` key was seen: a response. */
  response: boolean;
}

/**
 * Reads the top-level members of a message whose middle is missing: forwards from the head until
 * a value runs past it, backwards from the tail likewise. Only top-level keys count, so an `id`
 * inside `params` is never taken for the message's. Cost is bounded by the two ends' length.
 */
export function peekEnvelope(head: string, tail: string): Envelope {
  const found: Envelope = { id: undefined, method: false, response: false };
  const note = (key: string, value: string | undefined) => {
    if (key === "method") found.method = true;
    else if (key === "result" || key === "error") found.response = true;
    else if (key === "id" && value !== undefined && found.id === undefined) found.id = idValue(value);
  };
  scanForward(head, note);
  scanBackward(tail, note);
  return found;
}

type Note = (key: string, value: string | undefined) => void;

const WS = new Set([" ", "\t", "\r", "\n"]);

function skipWs(text: string, at: number, step: 1 | -1): number {
  while (at >= 0 && at < text.length && WS.has(text[at] as string)) at += step;
  return at;
}

/** Index just past the string starting at `at` (a quote), or -1 when it runs past the text. */
function stringEnd(text: string, at: number): number {
  for (let i = at + 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

/** Index just past the value starting at `at`, or -1 when it runs past the text. */
function valueEnd(text: string, at: number): number {
  const first = text[at];
  if (first === '"') return stringEnd(text, at);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        i = stringEnd(text, i) - 1;
        if (i < 0) return -1;
      } else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = at;
  while (i < text.length && !",}] \t\r\n".includes(text[i] as string)) i++;
  return i < text.length ? i : -1;
}

function scanForward(text: string, note: Note): void {
  let at = skipWs(text, 0, 1);
  if (text[at] !== "{") return;
  at++;
  for (;;) {
    at = skipWs(text, at, 1);
    if (text[at] !== '"') return;
    const keyEnd = stringEnd(text, at);
    if (keyEnd < 0) return;
    const key = keyString(text.slice(at, keyEnd));
    at = skipWs(text, keyEnd, 1);
    if (text[at] !== ":") return;
    at = skipWs(text, at + 1, 1);
    const end = valueEnd(text, at);
    note(key, end < 0 ? undefined : text.slice(at, end));
    if (end < 0) return;
    at = skipWs(text, end, 1);
    if (text[at] !== ",") return;
    at++;
  }
}

/** Index of the quote opening the string whose closing quote is at `at`, or -1. */
function stringStart(text: string, at: number): number {
  for (let i = at - 1; i >= 0; i--) {
    if (text[i] !== '"') continue;
    let slashes = 0;
    while (i - 1 - slashes >= 0 && text[i - 1 - slashes] === "\\") slashes++;
    if (slashes % 2 === 0) return i;
  }
  return -1;
}

/** Index of the first character of the value ending at `at` (inclusive), or -1. */
function valueStart(text: string, at: number): number {
  const last = text[at];
  if (last === '"') return stringStart(text, at);
  if (last === "}" || last === "]") {
    let depth = 0;
    for (let i = at; i >= 0; i--) {
      const c = text[i];
      if (c === '"') {
        i = stringStart(text, i);
        if (i < 0) return -1;
      } else if (c === "}" || c === "]") depth++;
      else if (c === "{" || c === "[") {
        depth--;
        if (depth === 0) return i;
      }
    }
    return -1;
  }
  let i = at;
  while (i >= 0 && !",{[: \t\r\n".includes(text[i] as string)) i--;
  return i >= 0 ? i + 1 : -1;
}

function scanBackward(text: string, note: Note): void {
  let at = skipWs(text, text.length - 1, -1);
  if (text[at] !== "}") return;
  at--;
  for (;;) {
    at = skipWs(text, at, -1);
    if (at < 0) return;
    const start = valueStart(text, at);
    if (start < 0) return;
    const value = text.slice(start, at + 1);
    at = skipWs(text, start - 1, -1);
    if (text[at] !== ":") return;
    at = skipWs(text, at - 1, -1);
    if (text[at] !== '"') return;
    const keyStart = stringStart(text, at);
    if (keyStart < 0) return;
    note(keyString(text.slice(keyStart, at + 1)), value);
    at = skipWs(text, keyStart - 1, -1);
    if (text[at] !== ",") return;
    at--;
  }
}

function keyString(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return "";
  }
}

/** A JSON-RPC id from its JSON text: a string or an integer, else undefined. */
function idValue(text: string): RequestId | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isFinite(value)) return value;
  } catch {
    // not a usable id
  }
  return undefined;
}
