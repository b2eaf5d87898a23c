/** The Client's options, and the options of its calls. */
import type { ClientAuth } from "../auth/client/bearer.js";
import type { ProgressCallback } from "../protocol/engine.js";
import type { Implementation, JSONRPCNotification, LoggingLevel } from "../protocol/types.js";
import type { ClientHandlers } from "./handlers.js";
import type { TaskWaitOptions } from "./tasks.js";

/** The client's default `timeout` (ms), which also bounds connecting. */
export const DEFAULT_TIMEOUT = 60_000;

export interface ClientOptions extends ClientHandlers {
  /** Default timeout per request, in ms (default 60000; 0 for none); it also bounds `connect()` as a whole. */
  timeout?: number;
  /**
   * How long the `server/discover` probe may go unanswered before the client asks `initialize` as
   * well (ms, default 5000); whichever the server answers first decides the era.
   */
  probeTimeout?: number;
  /** Sent as `Authorization: Bearer ...` on HTTP, SSE and WebSocket transports. */
  auth?: ClientAuth;
  clientInfo?: Implementation;
  /** Pins a protocol version (e.g. "2025-11-25" or "2026-07-28"); negotiated by default. */
  protocolVersion?: string;
  /** Receives log messages the server sends. */
  onLog?: (message: LogMessage) => void;
  /** Receives progress of every request (a per-call `onProgress` takes precedence). */
  onProgress?: ProgressCallback;
  /**
   * Reuse list, read and discover results while their `ttlMs` says they are fresh (default true);
   * change notifications invalidate them.
   */
  cache?: boolean;
  /** The most input-required rounds one request may take (default 10). */
  maxInputRounds?: number;
  /** Receives every notification the server sends (after the built-in handling). */
  onNotification?: (notification: JSONRPCNotification) => void;
  /** 2026-07-28: the minimum level of logs to ask for on each request (default "debug" when onLog is set). */
  logLevel?: LoggingLevel;
  /**
   * 2026-07-28: declare the tasks extension (default true), so servers may answer long tool calls
   * with a task; `callTool` then polls it and returns the final result all the same.
   */
  tasks?: boolean;
}

export interface LogMessage {
  level: LoggingLevel;
  logger?: string;
  data: unknown;
}

export interface CallOptions {
  timeout?: number;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
  /** Restart the timeout whenever progress arrives. */
  resetTimeoutOnProgress?: boolean;
  /** Extra `_meta` to send with the request. */
  meta?: Record<string, unknown>;
  /** Extra HTTP headers for this request (Streamable HTTP only). */
  headers?: Record<string, string>;
  /** Set false to bypass the cache of list and read results for this call. */
  cache?: boolean;
  /**
   * Handlers for what the server asks or logs on behalf of this request only, in place of the
   * client's own: the 2026-07-28 input rounds of this request, and legacy server-to-client
   * requests and logs the transport can tie to it (those that arrive on its Streamable HTTP reply
   * stream). What cannot be tied to a request goes to the client's handlers.
   */
  handlers?: CallHandlers;
}

/** Per-request handlers (see `CallOptions.handlers`). */
export interface CallHandlers extends ClientHandlers {
  onLog?: (message: LogMessage) => void;
}

export interface CallToolOptions extends CallOptions, Omit<TaskWaitOptions, "signal" | "timeout"> {
  /** Throw ToolError when the server answers `isError` (default true). */
  raiseOnError?: boolean;
  /**
   * Set false to ask for a plain answer: this call does not declare the tasks extension, so the
   * server runs the tool synchronously (or answers -32021 for a tool that only runs as a task).
   * With tasks, `timeout` bounds each request, not the whole task: use `signal` for that (aborting
   * also cancels the task).
   */
  task?: boolean;
}
