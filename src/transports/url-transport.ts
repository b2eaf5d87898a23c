/**
 * What the client transports that connect to a URL share (Streamable HTTP, legacy SSE,
 * WebSocket): their options given as a URL or an object, the credentials the Client can set, and
 * the headers every request carries.
 */
import type { ClientAuth } from "../auth/client/bearer.js";
import { type AuthRequest, type ClientAuthProvider, MAX_AUTH_RETRIES } from "../auth/client/provider.js";
import { resolveAuth } from "../auth/client/resolve.js";
import { ClientTransport, type TransportHooks } from "./base.js";

/** Options every URL transport takes. */
export interface UrlTransportOptions {
  url: string | URL;
  /** Sent as given on every request. */
  headers?: Record<string, string>;
  /** A credentials provider or a token string; also settable through the Client's `auth` option. */
  auth?: ClientAuth;
}

/** The hooks of a URL transport, for its connection code (loaded by `open()`). */
export interface UrlHooks<O extends UrlTransportOptions> extends TransportHooks {
  readonly url: string;
  readonly options: O;
  credentials(request: AuthRequest): Record<string, string> | Promise<Record<string, string>>;
  commonHeaders(request: AuthRequest): Promise<Record<string, string>>;
  reauthorize(
    status: number,
    headers: ResponseHeaders,
    sent: Record<string, string> | undefined,
    attempt: number,
  ): Promise<boolean>;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

export abstract class UrlTransport<O extends UrlTransportOptions> extends ClientTransport {
  readonly url: string;
  readonly options: O;
  private auth: ClientAuthProvider | undefined;

  constructor(options: O | string | URL) {
    super();
    this.options = typeof options === "string" || options instanceof URL ? ({ url: options } as O) : options;
    this.url = String(this.options.url);
    this.auth = resolveAuth(this.options.auth);
  }

  describe(): string {
    return this.url;
  }

  /** Sets the credentials sent with every request (the Client passes its `auth` option here). */
  setAuth(auth: ClientAuth | undefined): void {
    if (auth !== undefined) this.auth = resolveAuth(auth);
  }

  /** Subclasses: the hooks and the credentials' methods, bound to this transport. */
  protected urlHooks(): UrlHooks<O> {
    return {
      ...this.hooks(),
      url: this.url,
      options: this.options,
      credentials: (request) => this.credentials(request),
      commonHeaders: (request) => this.commonHeaders(request),
      reauthorize: (status, headers, sent, attempt) => this.reauthorize(status, headers, sent, attempt),
    };
  }

  /**
   * The credentials' headers for the next request (the provider may refresh a token first).
   * Synchronous when there are none, or when the provider answers synchronously.
   */
  protected credentials(request: AuthRequest): Record<string, string> | Promise<Record<string, string>> {
    return this.auth ? this.auth.headers(this.url, request) : NO_HEADERS;
  }

  /** The credentials' headers for `request`, then the configured headers (which win). */
  protected async commonHeaders(request: AuthRequest): Promise<Record<string, string>> {
    return { ...(await this.credentials(request)), ...this.options.headers };
  }

  /**
   * The server refused a request with `status` (its answer's `headers`; `sent`: the headers the
   * request went with, when known). True when the credentials provider has new credentials and the request
   * should go again (attempt counts the times it already went again).
   */
  protected async reauthorize(
    status: number,
    headers: ResponseHeaders,
    sent: Record<string, string> | undefined,
    attempt: number,
  ): Promise<boolean> {
    if ((status !== 401 && status !== 403) || attempt >= MAX_AUTH_RETRIES) return false;
    if (!this.auth?.unauthorized) return false;
    const dpopNonce = headers.get("dpop-nonce");
    return this.auth.unauthorized({
      url: this.url,
      status,
      wwwAuthenticate: headers.get("www-authenticate"),
      ...(dpopNonce ? { dpopNonce } : {}),
      ...(sent ? { authorization: authorizationOf(sent) } : {}),
    });
  }
}

/** What `reauthorize` reads of a refusal: a fetch `Headers`, or a node response's headers wrapped. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/** The `Authorization` value among request headers (any case), or null. */
function authorizationOf(headers: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() === "authorization") return value;
  return null;
}
