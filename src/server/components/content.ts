/**
 * Result helpers a handler can return: `Image`, `Audio` and `File` become content blocks. Making
 * one checks its options; turning it into a block (media.ts: reading the file, base64, the MIME
 * type) loads with the serving code, or with the first `toContent()` outside it.
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

type MediaCode = typeof import("./media.js");
let media: Promise<MediaCode> | undefined;

/** The conversion code (media.ts), loaded once. */
function mediaCode(): Promise<MediaCode> {
  media ??= import("./media.js");
  return media;
}

abstract class MediaHelper {
  protected readonly options: MediaOptions;

  constructor(options: MediaOptions) {
    if (options.data === undefined && options.path === undefined) {
      throw new TypeError(`${new.target.name} needs either data or path`);
    }
    this.options = options;
  }

  abstract toContent(): Promise<ImageContent | AudioContent | EmbeddedResource>;
}

/** An image returned by a tool or prompt. */
export class Image extends MediaHelper {
  async toContent(): Promise<ImageContent> {
    return (await mediaCode()).imageContent(this.options);
  }
}

/** An audio clip returned by a tool or prompt. */
export class Audio extends MediaHelper {
  async toContent(): Promise<AudioContent> {
    return (await mediaCode()).audioContent(this.options);
  }
}

/** A file returned by a tool, sent as an embedded blob resource. */
export class File extends MediaHelper {
  private readonly name: string | undefined;

  constructor(options: MediaOptions & { name?: string }) {
    super(options);
    this.name = options.name;
  }

  async toContent(): Promise<EmbeddedResource> {
    return (await mediaCode()).fileContent(this.options, this.name);
  }
}

export function isMediaHelper(value: unknown): value is Image | Audio | File {
  return value instanceof MediaHelper;
}
