/** Small helpers the client auth modules share: a bounded body read and base64 of UTF-8 text. */

/**
 * Reads a response body as text, at most `limit` bytes: a larger one (declared or streamed) is
 * cancelled and `tooLarge()` is thrown, so a hostile server cannot make the client buffer more.
 */
export async function readLimited(response: Response, limit: number, tooLarge: () => Error): Promise<string> {
  if (Number(response.headers.get("content-length")) > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
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
  return new TextDecoder().decode(bytes);
}

/** Base64 of a string's UTF-8 bytes (web-standard: no Buffer). */
export function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
