/** The web-standard adapter: `(Request) => Promise<Response>`, for Bun, Deno, Workers, Hono and tests. */
import { BodyTooLargeError, createSseSink, type HttpReply, type HttpRequestLike } from "./exchange.js";

const encoder = new TextEncoder();

async function readLimited(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) throw new BodyTooLargeError(`Body of ${declared} bytes exceeds ${limit}`);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(`Body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Options of the web-standard handler. */
export interface WebHandlerOptions {
  /**
   * The client's address, which a web `Request` does not carry (e.g. Bun's
   * `server.requestIP(request)?.address`); used to bound sessions per client without auth.
   * Without it every unauthenticated client shares one bucket.
   */
  remoteAddress?: (request: Request) => string | undefined;
}

export function fromWebRequest(request: Request, options: WebHandlerOptions = {}): HttpRequestLike {
  return {
    method: request.method.toUpperCase(),
    url: new URL(request.url),
    header: (name) => request.headers.get(name) ?? undefined,
    headers: () => Object.fromEntries(request.headers),
    text: (limit) => readLimited(request, limit),
    signal: request.signal,
    remoteAddress: options.remoteAddress?.(request),
  };
}

export function toWebResponse(reply: HttpReply): Response {
  if (!("attach" in reply))
    return new Response(reply.body ?? null, { status: reply.status, headers: reply.headers });
  let disconnected: (() => void) | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const writer = createSseSink(
        (chunk) => controller.enqueue(encoder.encode(chunk)),
        () => controller.close(),
      );
      disconnected = writer.disconnected;
      reply.attach(writer.sink);
    },
    cancel() {
      disconnected?.();
    },
  });
  return new Response(body, { status: reply.status, headers: reply.headers });
}

/** Wraps an exchange handler as a web-standard fetch handler. */
export function toWebHandler(
  handle: (request: HttpRequestLike) => Promise<HttpReply>,
  options: WebHandlerOptions = {},
): (request: Request) => Promise<Response> {
  return async (request) => toWebResponse(await handle(fromWebRequest(request, options)));
}
