// Types of bench/http-raw.js (plain JS, so the bench runs it without a build step), for its tests.

export interface RawReply {
  status: number;
  /** Header names lowercase; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  text: string;
  /** The server will not keep the socket (Connection: close, HTTP/1.0, or a body read until close). */
  close: boolean;
}

export interface RawClient {
  exchange(
    endpoint: { host: string; port: number; key: string; path: string },
    bytes: string,
    label: string,
  ): Promise<RawReply>;
  /** Closes every socket. */
  destroy(): void;
}

/** Keep-alive sockets per server endpoint, one exchange in flight per socket. */
export function rawClient(): RawClient;

/**
 * Requests to `url` (or, given a list, to each in turn) through `client`: `route(method, headers)`
 * pre-builds the request heads and returns `send(body?)`.
 */
export function route(
  client: RawClient,
  url: string | string[],
  label: string,
): (method: string, headers: Record<string, string>) => (body?: string) => Promise<RawReply>;

/** One whole reply in `bytes`, or undefined while incomplete; throws on a malformed one. */
export function parseReply(bytes: Buffer, atClose: boolean): RawReply | undefined;
