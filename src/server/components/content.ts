/**
 * Result helpers a handler can return: `Image`, `Audio` and `File` become content blocks.
 *
 * @example
 * ```ts
 * mcp.tool("logo", () => new Image({ path: "./logo.png" }));
 * mcp.tool("beep", () => new Audio({ data: wavBytes, format: "wav" }));
 * ```
 */
import type { Annotations, AudioContent, EmbeddedResource, ImageContent } from "../../protocol/types.js";

export interface MediaOptions {
  /** Raw bytes, or a base64 string. */
  data?: Uint8Array | ArrayBuffer | string;
  /** A file to read (Node, Bun, Deno). */
  path?: string;
  /** A short format such as `png` or `wav`; guessed from `path` when absent. */
  format?: string;
  /** Overrides the MIME type derived from `format`. */
  mimeType?: string;
  annotations?: Annotations;
}

const MIME_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  flac: "audio/flac",
  m4a: "audio/mp4",
  json: "application/json",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  pdf: "application/pdf",
  html: "text/html",
};

export function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== "undefined")
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

abstract class MediaHelper {
  protected readonly options: MediaOptions;

  constructor(options: MediaOptions) {
    if (options.data === undefined && options.path === undefined) {
      throw new TypeError(`${new.target.name} needs either data or path`);
    }
    this.options = options;
  }

  protected abstract readonly fallbackMime: string;

  protected mimeType(): string {
    if (this.options.mimeType) return this.options.mimeType;
    const format = (this.options.format ?? this.options.path?.split(".").pop() ?? "").toLowerCase();
    return (
      MIME_BY_EXTENSION[format] ??
      (format ? `${this.fallbackMime.split("/")[0]}/${format}` : this.fallbackMime)
    );
  }

  protected async base64(): Promise<string> {
    const { data, path } = this.options;
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return toBase64(new Uint8Array(data));
    if (data) return toBase64(data);
    const { readFile } = await import("node:fs/promises");
    return toBase64(await readFile(path as string));
  }

  abstract toContent(): Promise<ImageContent | AudioContent | EmbeddedResource>;
}

/** An image returned by a tool or prompt. */
export class Image extends MediaHelper {
  protected readonly fallbackMime = "image/png";

  async toContent(): Promise<ImageContent> {
    const block: ImageContent = { type: "image", data: await this.base64(), mimeType: this.mimeType() };
    if (this.options.annotations) block.annotations = this.options.annotations;
    return block;
  }
}

/** An audio clip returned by a tool or prompt. */
export class Audio extends MediaHelper {
  protected readonly fallbackMime = "audio/wav";

  async toContent(): Promise<AudioContent> {
    const block: AudioContent = { type: "audio", data: await this.base64(), mimeType: this.mimeType() };
    if (this.options.annotations) block.annotations = this.options.annotations;
    return block;
  }
}

/** A file returned by a tool, sent as an embedded blob resource. */
export class File extends MediaHelper {
  protected readonly fallbackMime = "application/octet-stream";
  private readonly name: string | undefined;

  constructor(options: MediaOptions & { name?: string }) {
    super(options);
    this.name = options.name;
  }

  async toContent(): Promise<EmbeddedResource> {
    const name = this.name ?? this.options.path?.split(/[\\/]/).pop() ?? "file";
    const block: EmbeddedResource = {
      type: "resource",
      resource: {
        uri: `file:///${encodeURIComponent(name)}`,
        mimeType: this.mimeType(),
        blob: await this.base64(),
      },
    };
    if (this.options.annotations) block.annotations = this.options.annotations;
    return block;
  }
}

export function isMediaHelper(value: unknown): value is Image | Audio | File {
  return value instanceof MediaHelper;
}
