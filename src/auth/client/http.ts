/**
 * The HTTP requests of an OAuth flow (metadata, registration, token): bounded in time and size,
 * and read as JSON objects only. A peer's words are quoted in errors only after {@link peerText}.
 */

/** The most a metadata, registration or token response may hold. */
export const MAX_RESPONSE_BYTES = 256 * 1024;

/** What every request of a flow needs: the fetch to use and how long to wait. */
export interface HttpContext {
  fetch: typeof globalThis.fetch;
  /** Per request, ms. */
  timeout: number;
}

/** A JSON response: its status and the body when it was a JSON object. */
export interface JsonResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

/** Reads at most `limit` bytes of a body; more is an error (the body is cancelled). */
async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`the response is larger than ${limit} bytes`);
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
      throw new Error(`the response is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/**
 * Sends one request and reads a JSON object back. Rejects on a network failure, a timeout or an
 * oversized body; a non-JSON body gives `body: undefined` (the caller decides what that means).
 */
export async function requestJson(
  http: HttpContext,
  url: string,
  init: RequestInit = {},
): Promise<JsonResponse> {
  const response = await http.fetch(url, {
    ...init,
    // Metadata may move (a GET follows redirects); credentials and codes are never sent on elsewhere.
    redirect: init.method === "POST" ? "error" : "follow",
    signal: AbortSignal.timeout(http.timeout),
    headers: { Accept: "application/json", ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await readLimited(response, MAX_RESPONSE_BYTES);
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
      body = parsed as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, ok: response.ok, headers: response.headers, body };
}

/** A peer's string, safe to quote in an error message: printable, short. */
export function peerText(value: unknown, max = 200): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const clean = text.replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/** Why a request could not be made, for an error message. */
export function networkReason(error: unknown): string {
  const err = error as Error & { cause?: { code?: string } };
  if (err?.name === "TimeoutError") return "the request timed out";
  const code = err?.cause?.code;
  return code ? `${peerText(err.message, 100)} (${code})` : peerText(err?.message ?? error, 100);
}

/** True for an http: or https: URL string. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

/** The OAuth error fields of a JSON error body, when there are any. */
export function oauthErrorOf(body: Record<string, unknown> | undefined): {
  error?: string;
  description?: string;
} {
  const error = typeof body?.error === "string" ? peerText(body.error, 60) : undefined;
  const description =
    typeof body?.error_description === "string" ? peerText(body.error_description) : undefined;
  return { ...(error && { error }), ...(description && { description }) };
}
