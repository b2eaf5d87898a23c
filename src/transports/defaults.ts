/**
 * Every transport's defaults in one table, so that a limit is chosen once and documented once.
 * Each value can be changed by the option of the same name on the transport that uses it.
 */
export const TRANSPORT_DEFAULTS = {
  /**
   * Largest stdio line, in bytes (64 MiB). The official SDKs set no cap and servers do send large
   * results (files as base64); 64 MiB holds a ~48 MB binary as base64, and a line costs about three
   * times its size while decoded, so the cap still bounds what one message takes.
   */
  maxLineBytes: 64 * 1024 * 1024,
  /** Largest SSE event a client reads, in characters (64 Mi), for the same reasons. */
  maxEventLength: 64 * 1024 * 1024,
  /** Largest HTTP request body a server reads, in bytes (4 MiB): a request, not a result. */
  maxBodyBytes: 4 * 1024 * 1024,
  /** Largest WebSocket frame a server accepts, in bytes (4 MiB). */
  maxFrameBytes: 4 * 1024 * 1024,
  /** Keep-alive comments on open SSE streams, in ms. */
  keepAliveMs: 15_000,
  /** WebSocket pings, in ms (server and client). */
  pingIntervalMs: 30_000,
  /** Client HTTP requests and handshakes, in ms. */
  timeoutMs: 30_000,
  /** Legacy sessions idle longer than this end, in ms (30 minutes). */
  idleTtlMs: 30 * 60_000,
  /** Legacy sessions at once, and per client (identity, or remote address without auth). */
  maxSessions: 10_000,
  maxSessionsPerClient: 100,
  /** node:http: headers are a few hundred bytes, so 10 s is ample on any link and short for a slowloris. */
  headersTimeoutMs: 10_000,
  /** node:http: time for a body at the 4 MiB cap on a slow (~0.5 Mbit/s) link. */
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  /** Port of `listen()` and `run()` when none is given. */
  port: 8000,
  /** stdio client: each step of closing a server (EOF, then SIGTERM, then SIGKILL), in ms. */
  shutdownTimeoutMs: 2000,
  /**
   * HTTP servers (`shutdownTimeoutMs` of `listen()` and `run()`): on SIGTERM, time for requests in
   * flight to finish before they are cut, in ms. Under Kubernetes' default 30 s grace period.
   */
  httpShutdownTimeoutMs: 10_000,
  /** HTTP servers shutting down: the `retry` hint sent on the streams they close, in ms. */
  drainRetryMs: 1000,
  /** stdio server: time to answer requests already read once stdin ends, in ms. */
  shutdownGraceMs: 1000,
  /** Client reconnects of SSE streams: attempts, first delay, longest delay (ms). */
  reconnect: { maxRetries: 5, initialDelayMs: 200, maxDelayMs: 5000 },
} as const;
