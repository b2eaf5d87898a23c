/**
 * What the client transports that connect to a URL share (Streamable HTTP, legacy SSE,
 * WebSocket): their options given as a URL or an object, the credentials the Client can set, and
 * the headers every request carries.
 */
import { authHeaders, type ClientAuth } from "../auth/client.js";
import { ClientTransport } from "./base.js";

/** Options every URL transport takes. */
export interface UrlTransportOptions {
  url: string | URL;
  /** Sent as given on every request. */
  headers?: Record<string, string>;
  /** A BearerAuth or a token string; also settable through the Client's `auth` option. */
  auth?: ClientAuth;
}

export abstract class UrlTransport<O extends UrlTransportOptions> extends ClientTransport {
  readonly url: string;
  readonly options: O;
  private auth: ClientAuth | undefined;

  constructor(options: O | string | URL) {
    super();
    this.options = typeof options === "string" || options instanceof URL ? ({ url: options } as O) : options;
    this.url = String(this.options.url);
    this.auth = this.options.auth;
  }

  describe(): string {
    return this.url;
  }

  /** Sets the credentials sent with every request (the Client passes its `auth` option here). */
  setAuth(auth: ClientAuth | undefined): void {
    if (auth !== undefined) this.auth = auth;
  }

  /** The credentials' header, then the configured headers (which win). */
  protected commonHeaders(): Record<string, string> {
    return { ...authHeaders(this.auth), ...this.options.headers };
  }
}
