/**
 * What a URL transport (Streamable HTTP, legacy SSE, WebSocket) asks of the Client's credentials:
 * the headers for each request, and what to do when the server refuses one. `BearerAuth`,
 * `OAuth` and `ClientCredentials` implement it; so can user code.
 */

/** A request the server refused: 401 (no or bad credentials) or 403 (a scope is missing). */
export interface AuthChallenge {
  /** The MCP server URL the refused request went to (the transport's URL). */
  url: string;
  status: 401 | 403;
  /** The `WWW-Authenticate` header as the server sent it, or null. */
  wwwAuthenticate: string | null;
  /** The `DPoP-Nonce` header the server sent (RFC 9449 §9), if any. */
  dpopNonce?: string;
  /**
   * The `Authorization` header the refused request was sent with (null: none). A provider whose
   * credentials changed since (a concurrent login or refresh finished while this request was on
   * its way) answers true without starting another login. Undefined when the transport cannot tell.
   */
  authorization?: string | null;
}

/** The HTTP request a provider's headers go on (a DPoP proof signs its method and URL). */
export interface AuthRequest {
  method: string;
  /** The URL the request goes to (for legacy SSE, the POST endpoint the server announced). */
  url: string;
}

export interface ClientAuthProvider {
  /**
   * The headers to add to a request to `url` (the transport's URL); `request` is the HTTP request
   * they go on (transports always pass it). May fetch or refresh a token first. Called before every HTTP request and WebSocket upgrade: keep it cheap when nothing has
   * to change (return a cached object synchronously).
   */
  headers(url: string, request?: AuthRequest): Record<string, string> | Promise<Record<string, string>>;
  /**
   * The server refused a request. Resolve true once new credentials are ready (the transport sends
   * the request again, with `headers()` asked anew), false to give up (the request fails with the
   * server's status). A transport sends one request at most twice more, so a provider that keeps
   * answering true cannot loop forever; it should still refuse a challenge it cannot meet.
   */
  unauthorized?(challenge: AuthChallenge): Promise<boolean>;
}

/** How many times a transport sends one request again after `unauthorized` resolved true. */
export const MAX_AUTH_RETRIES = 2;
