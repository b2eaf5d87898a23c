/** The web-standard adapter: `(Request) => Promise<Response>`, for Bun, Deno, Workers, Hono and tests. */
import { readLimited } from "../../protocol/read-limited.js";
import { BodyTooLargeError, createSseSink, type HttpReply, type HttpRequestLike } from "./exchange.js";

const encoder = new TextEncoder();

function readBody(request: Request, limit: number): Promise<string> {
  return readLimited(request.body, request.headers.get("content-length"), limit, (declared) =>
    declared === undefined
      ? new BodyTooLargeError(`Body exceeds ${limit} bytes`)
      : new BodyTooLargeError(`Body of ${declared} bytes exceeds ${limit}`),
  );
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
  const url = new URL(request.url);
  return {
    method: request.method.toUpperCase(),
    url,
    pathname: url.pathname,
    header: (name) => request.headers.get(name) ?? undefined,
    headers: () => Object.fromEntries(request.headers),
    text: (limit) => readBody(request, limit),
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
