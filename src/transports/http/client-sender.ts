/**
 * How the HTTP client transports (Streamable HTTP, legacy HTTP+SSE) send one HTTP request and read
 * its answer: with node:http or node:https and a keep-alive Agent of the connection's own (the
 * default, several times cheaper per call than fetch's Request, Headers and web streams), or with
 * the `fetch` the user gave. Either way the connection code sees an `HttpReply`. Redirects are
 * followed as fetch follows them.
 */
import type { Agent, IncomingMessage } from "node:http";
import { readLimited } from "../../protocol/read-limited.js";
import type { ResponseHeaders } from "../url-transport.js";

/** One request: what the connection code sends. */
export interface HttpRequestInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/** An answer's status and headers, and its body to read once (by one of the three methods). */
export interface HttpReply {
  readonly status: number;
  readonly statusText: string;
  /** A 2xx status. */
  readonly ok: boolean;
  readonly headers: ResponseHeaders;
  /**
   * Reads the body to its end, handing over its text as it arrives. True when the connection broke
   * first, or `onText` threw (the body is then dropped).
   */
  stream(onText: (text: string) => void): Promise<boolean>;
  /** The whole body as text; fails with `BodyTooLarge` past `limit` bytes, or when the connection breaks. */
  text(limit: number): Promise<string>;
  /** Drops the body unread. */
  discard(): Promise<void>;
}

export interface HttpSender {
  /** Sends a request; `signal` aborts it, its answer's body included. */
  send(url: string, init: HttpRequestInit, signal: AbortSignal): Promise<HttpReply>;
  /** Closes what the sender keeps open (the Agent's sockets). */
  close(): void;
}

/** A body over the limit `text()` was given; `size`: the bytes seen (or announced) of it. */
export class BodyTooLarge extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`a body of at least ${size} bytes, over the limit of ${limit}`);
  }
}

/** The sender of a user-given fetch. */
export function fetchSender(fetcher: typeof fetch): HttpSender {
  return {
    send: async (url, init, signal) => webReply(await fetcher(url, { ...init, signal })),
    close() {},
  };
}

function webReply(response: Response): HttpReply {
  return {
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    async stream(onText) {
      if (!response.body) return false;
      const decoder = new TextDecoder();
      const reader = response.body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return false;
          onText(decoder.decode(value, { stream: true }));
        }
      } catch {
        reader.cancel().catch(() => {});
        return true;
      }
    },
    text: (limit) =>
      readLimited(
        response.body,
        response.headers.get("content-length"),
        limit,
        (declared) => new BodyTooLarge(declared ?? limit + 1, limit),
      ),
    async discard() {
      await response.body?.cancel().catch(() => {});
    },
  };
}

/** What fetch follows: at most 20 redirects, with these statuses and a Location. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** Dropped when a redirect turns the request into a GET (fetch's request-body headers). */
const BODY_HEADERS = new Set([
  "content-type",
  "content-length",
  "content-encoding",
  "content-language",
  "content-location",
]);
/** Dropped when a redirect goes to another origin, as fetch drops them. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);
/** A body this small is read to its end when dropped, so that its socket serves the next request. */
const DRAIN_BYTES = 64 * 1024;

interface Scheme {
  request: typeof import("node:http").request;
  agent: Agent;
}

/**
 * The default sender: node:http / node:https, with one keep-alive Agent per scheme until `close()`.
 * In a runtime without them (a Worker without Node compatibility), the global fetch.
 */
export class NodeSender implements HttpSender {
  private readonly schemes = new Map<string, Scheme>();
  private readonly loading = new Map<string, Promise<Scheme>>();
  /** The last URL parsed: a transport sends every request to the same one. */
  private parsed: { url: string; target: URL } | undefined;
  /** Set when node:http or node:https could not be loaded. */
  private unavailable = false;
  private fallback: HttpSender | undefined;

  async send(url: string, init: HttpRequestInit, signal: AbortSignal): Promise<HttpReply> {
    if (this.parsed?.url !== url) this.parsed = { url, target: new URL(url) };
    let target = this.parsed.target;
    if (this.schemes.size === 0 && this.fallback === undefined) {
      try {
        await this.scheme(target.protocol);
      } catch (error) {
        if (!this.unavailable || typeof globalThis.fetch !== "function") throw error;
        this.fallback = fetchSender(globalThis.fetch);
      }
    }
    if (this.fallback) return this.fallback.send(url, init, signal);
    let { method, headers, body } = init;
    for (let redirects = 0; ; redirects++) {
      const response = await this.exchange(target, method, headers, body, signal);
      const status = response.statusCode ?? 0;
      const location = REDIRECTS.has(status) ? response.headers.location : undefined;
      if (location === undefined) return nodeReply(response);
      discardMessage(response);
      if (redirects >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, target);
      if (next.protocol !== "http:" && next.protocol !== "https:")
        throw new Error(`redirected to a ${next.protocol} URL`);
      if (
        (status === 303 && method !== "GET" && method !== "HEAD") ||
        ((status === 301 || status === 302) && method === "POST")
      ) {
        method = "GET";
        body = undefined;
        headers = without(headers, BODY_HEADERS);
      }
      if (next.origin !== target.origin) headers = without(headers, CREDENTIAL_HEADERS);
      target = next;
    }
  }

  close(): void {
    for (const scheme of this.schemes.values()) scheme.agent.destroy();
    this.schemes.clear();
    this.loading.clear();
  }

  private async exchange(
    target: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const { request, agent } = this.schemes.get(target.protocol) ?? (await this.scheme(target.protocol));
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const req = request(target, { method, headers, agent });
      // fetch's own (some firewalls refuse a request without one).
      if (!req.hasHeader("user-agent")) req.setHeader("user-agent", "node");
      // Until the answer's body ends, aborting destroys the request (and the socket under it).
      const onAbort = () => req.destroy(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      req.on("error", (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      });
      req.on("response", (response: IncomingMessage) => {
        response.on("close", () => signal.removeEventListener("abort", onAbort));
        resolve(response);
      });
      req.end(body);
    });
  }

  /** node:http or node:https and an Agent for it, loaded by the first request to the scheme. */
  private scheme(protocol: string): Promise<Scheme> {
    let loading = this.loading.get(protocol);
    if (!loading) {
      if (protocol !== "http:" && protocol !== "https:") throw new Error(`unsupported protocol ${protocol}`);
      loading = (protocol === "https:" ? import("node:https") : import("node:http")).then(
        (module) => {
          const scheme = { request: module.request, agent: new module.Agent({ keepAlive: true }) };
          this.schemes.set(protocol, scheme);
          return scheme;
        },
        (error: unknown) => {
          this.unavailable = true;
          throw error;
        },
      );
      this.loading.set(protocol, loading);
    }
    return loading;
  }
}

function without(headers: Record<string, string>, names: Set<string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!names.has(name.toLowerCase())) kept[name] = value;
  return kept;
}

/**
 * Drops a node response's body: read to its end while short (its socket then serves the next
 * request), cut once it is longer than DRAIN_BYTES (the socket is closed, as fetch's cancel does).
 */
function discardMessage(response: IncomingMessage): void {
  // Read to its end even when already received: the socket goes back to the Agent at the 'end' event.
  if (response.complete) {
    response.resume();
    return;
  }
  if (Number(response.headers["content-length"]) > DRAIN_BYTES) {
    response.destroy();
    return;
  }
  let size = 0;
  response.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > DRAIN_BYTES) response.destroy();
  });
  response.on("error", () => {});
}

function nodeReply(response: IncomingMessage): HttpReply {
  const status = response.statusCode ?? 0;
  return {
    status,
    statusText: response.statusMessage ?? "",
    ok: status >= 200 && status < 300,
    headers: {
      get(name) {
        const value = response.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(", ") : value;
      },
    },
    stream: (onText) =>
      new Promise<boolean>((resolve) => {
        response.setEncoding("utf8");
        response.on("data", (text: string) => {
          try {
            onText(text);
          } catch {
            response.destroy();
            resolve(true);
          }
        });
        response.on("end", () => resolve(false));
        response.on("error", () => resolve(true));
        response.on("close", () => resolve(!response.complete));
      }),
    text: (limit) =>
      new Promise<string>((resolve, reject) => {
        const announced = Number(response.headers["content-length"]);
        if (announced > limit) {
          response.destroy();
          reject(new BodyTooLarge(announced, limit));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            response.destroy();
            reject(new BodyTooLarge(size, limit));
          } else chunks.push(chunk);
        });
        response.on("end", () =>
          resolve(
            chunks.length === 1
              ? (chunks[0] as Buffer).toString("utf8")
              : Buffer.concat(chunks).toString("utf8"),
          ),
        );
        response.on("error", reject);
        response.on("close", () => {
          if (!response.complete) reject(new Error("the connection closed before the end of the body"));
        });
      }),
    async discard() {
      discardMessage(response);
    },
  };
}
