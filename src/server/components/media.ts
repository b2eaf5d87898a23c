/**
 * Turning the result helpers (content.ts: `Image`, `Audio`, `File`) into content blocks: the bytes
 * as base64 (read from the file when given a path) and the MIME type. Loaded with the serving code.
 */
import type { AudioContent, EmbeddedResource, ImageContent } from "../../protocol/types.js";
import type { MediaOptions } from "./content.js";

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

function mimeType(options: MediaOptions, fallback: string): string {
  if (options.mimeType) return options.mimeType;
  const format = (options.format ?? options.path?.split(".").pop() ?? "").toLowerCase();
  return MIME_BY_EXTENSION[format] ?? (format ? `${fallback.split("/")[0]}/${format}` : fallback);
}

async function base64(options: MediaOptions): Promise<string> {
  const { data, path } = options;
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return toBase64(new Uint8Array(data));
  if (data) return toBase64(data);
  const { readFile } = await import("node:fs/promises");
  return toBase64(await readFile(path as string));
}

/** An image or audio block: the data in base64, the MIME type from the options or the file's extension. */
async function mediaBlock<B extends ImageContent | AudioContent>(
  type: B["type"],
  options: MediaOptions,
  fallback: string,
): Promise<B> {
  const block = { type, data: await base64(options), mimeType: mimeType(options, fallback) } as B;
  if (options.annotations) block.annotations = options.annotations;
  return block;
}

export function imageContent(options: MediaOptions): Promise<ImageContent> {
  return mediaBlock<ImageContent>("image", options, "image/png");
}

export function audioContent(options: MediaOptions): Promise<AudioContent> {
  return mediaBlock<AudioContent>("audio", options, "audio/wav");
}

export async function fileContent(
  options: MediaOptions,
  name: string | undefined,
): Promise<EmbeddedResource> {
  const fileName = name ?? options.path?.split(/[\\/]/).pop() ?? "file";
  const block: EmbeddedResource = {
    type: "resource",
    resource: {
      uri: `file:///${encodeURIComponent(fileName)}`,
      mimeType: mimeType(options, "application/octet-stream"),
      blob: await base64(options),
    },
  };
  if (options.annotations) block.annotations = options.annotations;
  return block;
}
