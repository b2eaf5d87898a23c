/** The options of `FastMCP.asProxy`. */
import type { ClientAuth } from "../../auth/client/bearer.js";
import type { Implementation } from "../../protocol/types.js";
import type { FastMCPOptions } from "../../server/fastmcp.js";
import type { PendingInputOptions } from "./parked-calls.js";

export interface ProxyOptions {
  /** The proxy server's name (default: "proxy", or "<name> (proxy)" from the upstream's config key). */
  name?: string;
  /** The proxy server's version (default "0.0.0"). */
  version?: string;
  /** The proxy server's instructions for its clients. */
  instructions?: string;
  /** Timeout of each upstream request, in ms (default 60000; 0 for none); also bounds connecting. */
  timeout?: number;
  /** Credentials for the upstream (a `BearerAuth`, `OAuth`, `ClientCredentials`, or a token string). */
  auth?: ClientAuth;
  /** Pins the protocol version spoken upstream (negotiated by default). */
  protocolVersion?: string;
  /** How the proxy introduces itself upstream (default: its own name and version). */
  clientInfo?: Implementation;
  /**
   * HTTP headers of the downstream request passed to an HTTP upstream (case-insensitive names,
   * e.g. `["authorization", "x-tenant"]`). Nothing else is forwarded. The proxy keeps one upstream
   * connection per distinct set of these values, so callers never share an authenticated
   * connection; transport headers (`host`, `content-length`, `mcp-session-id`, ...) cannot be listed.
   */
  forwardHeaders?: readonly string[];
  /** Most upstream connections kept open at once, one per forwarded identity (default 100). */
  maxConnections?: number;
  /**
   * 2026-07-28 clients in front of an upstream that waits for their input inside a running call:
   * how many such calls wait for the client's retry at once, and for how long.
   */
  pendingInput?: PendingInputOptions;
  /** Most tools (resources, templates, prompts) taken from the upstream (default 10000 of each). */
  maxListItems?: number;
  /**
   * Options of the proxy server itself, as `new FastMCP(options)` takes them: `auth` (who may use
   * the proxy; `auth` above is the proxy's own credentials upstream), `maskErrorDetails`, ...
   */
  server?: Omit<FastMCPOptions, "name">;
}
