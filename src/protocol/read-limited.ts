/**
 * Reading a web body stream (a fetch `Response`'s or a `Request`'s) as text or bytes, bounded in
 * size: the server's web adapter reads request bodies with it, the client auth flows and the
 * OpenAPI tools read peers' answers.
 */

/**
 * Reads `body` as UTF-8 text, at most `limit` bytes. A larger body, declared (`contentLength`, the
 * Content-Length header) or streamed, is cancelled and `tooLarge(declared)` is thrown, so a hostile
 * peer cannot make us buffer more.
 */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  limit: number,
  tooLarge: (declared?: number) => Error,
): Promise<string> {
  return new TextDecoder().decode(await readLimitedBytes(body, contentLength, limit, tooLarge));
}

/** As {@link readLimited}, the bytes themselves (for bodies that are not text). */
export async function readLimitedBytes(
  body: ReadableStream<Uint8Array> | null,
  contentLength: string | null,
  limit: number,
  tooLarge: (declared?: number) => Error,
): Promise<Uint8Array> {
  const declared = Number(contentLength ?? Number.NaN);
  if (declared > limit) {
    await body?.cancel().catch(() => {});
    throw tooLarge(declared);
  }
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
