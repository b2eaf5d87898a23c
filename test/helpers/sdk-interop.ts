import { expect } from "vitest";

/**
 * What the interop tests against the official SDKs share: the SDK clients' progress race, a fetch
 * that records what goes over the wire, and the global `WebSocket` the v1 SDK's client needs.
 */

/**
 * The official SDK clients drop a progress notification they read in the same chunk as its
 * response (they dispatch notifications a microtask after responses), which a busy machine makes
 * likely; their `onerror` reports it with this message.
 */
export const SDK_PROGRESS_RACE = /^Received a progress notification for an unknown token/;

/** The progress notifications (without their token) received before the first response. */
export function progressBeforeAnswer(received: readonly object[]): unknown[] {
  const answeredAt = received.findIndex((message) => "result" in message || "error" in message);
  return received.slice(0, answeredAt === -1 ? received.length : answeredAt).flatMap((message) => {
    const { method, params } = message as { method?: string; params?: Record<string, unknown> };
    if (method !== "notifications/progress" || !params) return [];
    const { progressToken: _token, ...rest } = params;
    return [rest];
  });
}

/**
 * Checks the progress an SDK client delivered for one call. Over stdio (`pipe`) the SDK may drop
 * those it read in the same chunk as the answer (SDK_PROGRESS_RACE): what it delivered is then a
 * prefix of `expected`, and the wire (`received`, what reached the client, in order) must still
 * carry each of the server's own before the call's final answer.
 */
export function expectDeliveredProgress(
  delivered: readonly object[],
  expected: readonly object[],
  pipe: boolean,
  received: readonly object[],
  fromServer: readonly object[] = expected,
): void {
  if (!pipe) {
    expect(delivered).toEqual(expected);
    return;
  }
  expect(delivered).toEqual(expected.slice(0, delivered.length));
  const answeredAt = received.findLastIndex((message) => "result" in message || "error" in message);
  const onWire = received.slice(0, answeredAt).flatMap((message) => {
    const { method, params } = message as { method?: string; params?: Record<string, unknown> };
    if (method !== "notifications/progress" || !params) return [];
    const { progressToken: _token, ...rest } = params;
    return [rest];
  });
  for (const step of fromServer) expect(onWire).toContainEqual(step);
}

/** One HTTP request as it went over the wire. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The parsed JSON body of a POST, if any. */
  body: unknown;
  status?: number;
  responseHeaders?: Record<string, string>;
}

/** A fetch that records each request (and the status and headers of its response). */
export function recordingFetch(): { fetch: typeof fetch; requests: WireRequest[] } {
  const requests: WireRequest[] = [];
  const recorder = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const text = typeof init?.body === "string" ? init.body : undefined;
    const entry: WireRequest = {
      method: request.method,
      url: request.url,
      headers,
      body: text ? JSON.parse(text) : undefined,
    };
    requests.push(entry);
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.responseHeaders = {};
    response.headers.forEach((value, name) => {
      (entry.responseHeaders as Record<string, string>)[name] = value;
    });
    return response;
  };
  return { fetch: recorder as typeof fetch, requests };
}

/** The POSTed JSON-RPC requests (with an id) among recorded requests. */
export function postedRequests(requests: readonly WireRequest[]): (WireRequest & {
  body: { method: string; id: number | string; params?: Record<string, any> };
})[] {
  return requests.filter(
    (entry): entry is WireRequest & { body: { method: string; id: number | string } } =>
      entry.method === "POST" &&
      typeof entry.body === "object" &&
      entry.body !== null &&
      "method" in entry.body &&
      "id" in entry.body,
  );
}

/**
 * Installs the `ws` package's WebSocket as the global one (absent on Node 20) for the v1 SDK's
 * WebSocketClientTransport; returns a function restoring what was there. `headers` are sent with
 * every handshake (the browser-style constructor the SDK calls has no way to pass them).
 */
export async function installGlobalWebSocket(headers?: Record<string, string>): Promise<() => void> {
  const { WebSocket: WsWebSocket } = await import("ws");
  const had = Object.hasOwn(globalThis, "WebSocket");
  const previous = (globalThis as { WebSocket?: unknown }).WebSocket;
  const Impl = headers
    ? class extends WsWebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols, { headers });
        }
      }
    : WsWebSocket;
  (globalThis as { WebSocket?: unknown }).WebSocket = Impl;
  return () => {
    if (had) (globalThis as { WebSocket?: unknown }).WebSocket = previous;
    else delete (globalThis as { WebSocket?: unknown }).WebSocket;
  };
}
