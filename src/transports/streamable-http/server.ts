/**
 * The Streamable HTTP server for both eras on one endpoint. 2026-07-28 requests are served
 * statelessly, one JSON-RPC message per POST, with their headers checked against the body; an
 * `initialize` starts a legacy session (`Mcp-Session-Id`, GET stream, resumable replies, DELETE).
 * Each reply is JSON unless the handler sends something before its result, then it becomes SSE.
 */

import type { AuthInfo } from "../../auth/types.js";
import { ErrorCode } from "../../protocol/codes.js";
import { hasModernClaim } from "../../protocol/era.js";
import { HeaderChecks } from "../../protocol/http-header-checks.js";
import { decodeValue } from "../../protocol/jsonrpc.js";
import type { JSONRPCRequest } from "../../protocol/types.js";
import type { ServerEntry } from "../../server/entry.js";
import { TRANSPORT_DEFAULTS } from "../defaults.js";
import { type EventStore, InMemoryEventStore } from "../http/event-store.js";
import { EventStream } from "../http/event-stream.js";
import {
  emptyReply,
  errorReply,
  type HttpReply,
  type HttpRequestLike,
  jsonReply,
  parseJsonBody,
  refuseContentType,
  unreadBodyReply,
} from "../http/exchange.js";
import { type GuardOutcome, guardRequest, type HttpGuardOptions } from "../http/guard.js";
import { LegacyEndpoint } from "./legacy.js";
import { accepts, ClientWatch, PostExchange, PostReply } from "./post-reply.js";
import { SessionStore, type SessionStoreOptions } from "./session-store.js";
import type { LegacySessionInfo, StreamableHttpStats } from "./sessions.js";

export interface StreamableHttpOptions extends HttpGuardOptions, SessionStoreOptions {
  /** Largest accepted request body, in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Legacy era: always answer with one JSON object, never SSE. */
  jsonResponse?: boolean;
  /** Legacy era without sessions: no `Mcp-Session-Id`, every request stands alone. */
  stateless?: boolean;
  /** Where legacy reply streams are kept for `Last-Event-ID` resumption (default: bounded, in memory). */
  eventStore?: EventStore;
  /** Keep-alive comment interval on open streams, in ms (default 15000; 0 for none). */
  keepAliveMs?: number;
  /** `retry` hint sent to legacy clients with each stream's priming event, in ms. */
  retryMs?: number;
  /**
   * Legacy sessions (default true): `false`, or a string saying why, refuses a legacy `initialize`
   * (HTTP 400, the string as the JSON-RPC error's message) while the 2026-07-28 era, and the legacy
   * era with `stateless: true`, are served. `run({ workers })` sets it when there is no `store` to
   * share sessions between the workers.
   */
  legacySessions?: boolean | string;
}

/** A 2026-07-28 reply maps error codes to HTTP statuses. */
const MODERN_REPLY = { mapStatus: true } as const;

/** What a POST's serving returns when its reply settles the POST's promise itself. */
const SETTLED = Symbol("settled");

type Resolve = (reply: HttpReply | Promise<HttpReply>) => void;
type Reject = (error: unknown) => void;

/** The settlers of the promise made last: one executor for every POST, not a closure each. */
let resolveLast: Resolve | undefined;
let rejectLast: Reject | undefined;
function captureSettlers(resolve: Resolve, reject: Reject): void {
  resolveLast = resolve;
  rejectLast = reject;
}

const NO_LEGACY_SESSIONS = "Legacy sessions are not served here: use protocol 2026-07-28";

export class StreamableHttpHandler {
  private readonly sessions: SessionStore;
  private readonly server: ServerEntry;
  private readonly options: StreamableHttpOptions;
  private readonly events: EventStore;
  private readonly headerChecks: HeaderChecks;
  private readonly legacy: LegacyEndpoint;

  constructor(server: ServerEntry, options: StreamableHttpOptions = {}) {
    this.server = server;
    this.options = options;
    // Scaled out, reply streams live in the shared store: a client may resume one on any instance.
    // Their logs live as long as the sessions they belong to.
    this.events =
      options.eventStore ??
      server.scaleOut?.eventLog({ ttlMs: options.idleTtlMs ?? TRANSPORT_DEFAULTS.idleTtlMs }) ??
      new InMemoryEventStore();
    this.sessions = new SessionStore(server, options, this.events);
    this.headerChecks = new HeaderChecks((name) => server.toolDefinition(name));
    this.legacy = new LegacyEndpoint(server, options, this.events, this.sessions);
  }

  /**
   * Handles one HTTP request to the MCP endpoint. Not async: without a token verifier the guard
   * answers at once, and the method's own promise is handed on as it is (see HttpApp.handle). It
   * never throws: a failure is a rejection.
   */
  handle(request: HttpRequestLike): Promise<HttpReply> {
    try {
      const guarded = guardRequest(request, this.options, this.server.auth);
      return guarded instanceof Promise
        ? guarded.then((outcome) => this.serve(request, outcome))
        : this.serve(request, guarded);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private serve(request: HttpRequestLike, guarded: GuardOutcome): Promise<HttpReply> {
    if ("reply" in guarded) return Promise.resolve(guarded.reply);
    switch (request.method) {
      case "POST":
        return this.post(request, guarded.auth);
      case "GET":
        return this.legacy.get(request, guarded.auth);
      case "DELETE":
        return this.legacy.delete(request, guarded.auth);
      default:
        return Promise.resolve(
          errorReply(405, -32000, `Method ${request.method} not allowed`, null, {
            allow: "GET, POST, DELETE",
          }),
        );
    }
  }

  /** Counts of the legacy sessions, for operators and health checks. */
  stats(): StreamableHttpStats {
    return {
      sessions: this.sessions.size,
      inFlight: this.sessions.inFlight,
      sweeping: this.sessions.sweeping,
    };
  }

  /** A view of one legacy session, or undefined when there is none with that id. */
  session(id: string): LegacySessionInfo | undefined {
    return this.sessions.peek(id)?.info();
  }

  /** Ends one legacy session as DELETE would; false when there was none. */
  endSession(id: string): boolean {
    return this.sessions.delete(id);
  }

  /** Ends the sessions idle past their TTL at `now` (default: the clock's); returns how many. */
  sweep(now?: number): number {
    return this.sessions.sweep(now);
  }

  /** Ends every legacy session and its streams. */
  close(): void {
    this.sessions.clear();
  }

  /**
   * A POST. Not async: the body's promise is continued with `then`, and an async function's frame
   * (its registers, kept across the await) would be allocated for every request.
   */
  private post(request: HttpRequestLike, auth: AuthInfo | undefined): Promise<HttpReply> {
    if (!accepts(request, "application/json") && !accepts(request, "text/event-stream")) {
      return Promise.resolve(
        errorReply(
          406,
          ErrorCode.InvalidRequest,
          "Not Acceptable: Accept must include application/json and text/event-stream",
        ),
      );
    }
    const refused = refuseContentType(request);
    if (refused) return Promise.resolve(refused);
    const limit = this.options.maxBodyBytes ?? TRANSPORT_DEFAULTS.maxBodyBytes;
    let text: Promise<string>;
    try {
      text = request.text(limit);
    } catch (error) {
      return Promise.resolve(unreadBodyReply(error, limit));
    }
    // The reply's promise is made here, so that a 2026-07-28 reply settles it itself: a promise
    // handed on from a `then` would be adopted by another, two more turns before the reply goes out.
    const replied = new Promise<HttpReply>(captureSettlers);
    const resolve = resolveLast as Resolve;
    const reject = rejectLast as Reject;
    text.then(
      (body) => {
        try {
          const reply = this.posted(request, body, auth, resolve);
          if (reply !== SETTLED) resolve(reply);
        } catch (error) {
          reject(error);
        }
      },
      (error: unknown) => resolve(unreadBodyReply(error, limit)),
    );
    return replied;
  }

  /**
   * A POST whose body was read: one JSON-RPC message, served in its era. A 2026-07-28 request's
   * reply settles `resolve` itself (the answer is then SETTLED).
   */
  private posted(
    request: HttpRequestLike,
    text: string,
    auth: AuthInfo | undefined,
    resolve: (reply: HttpReply) => void,
  ): HttpReply | Promise<HttpReply> | typeof SETTLED {
    const body = parseJsonBody(text);
    if ("reply" in body) return body.reply;
    const decoded = decodeValue(body.value);
    if (decoded.kind === "invalid") return jsonReply(400, decoded.error);
    if (decoded.kind === "request") {
      const message = decoded.message;
      // A modern claim in _meta, or a modern header on a request whose _meta lacks the claim (which
      // then fails the envelope check with -32602), is served statelessly.
      const modernHeader = request.header("mcp-protocol-version") === "2026-07-28";
      if (hasModernClaim(message.params) || modernHeader) return this.modern(request, message, auth, resolve);
      if (message.method === "initialize") {
        const sessions = this.options.legacySessions ?? true;
        // 400, not 503: the refusal is how this deployment is set up, and retrying cannot change it.
        if (sessions !== true && !this.options.stateless)
          return errorReply(
            400,
            ErrorCode.InvalidRequest,
            typeof sessions === "string" ? sessions : NO_LEGACY_SESSIONS,
            message.id,
          );
        return this.legacy.initialize(request, message, auth);
      }
    } else if (
      decoded.kind === "notification" &&
      (hasModernClaim(decoded.message.params) || request.header("mcp-protocol-version") === "2026-07-28")
    ) {
      // 2026-07-28 has no session to deliver a notification to (a request is cancelled by closing
      // its stream, as the official v2 client also does alongside notifications/cancelled): accept
      // it; middleware still hears it.
      this.server.receiveNotification(decoded.message, {
        transport: "http",
        auth,
        headers: request.headers(),
      });
      return emptyReply(202);
    }
    return this.legacy.handle(request, decoded.message, auth);
  }

  /** A 2026-07-28 request, served statelessly; its reply settles `resolve`. */
  private modern(
    request: HttpRequestLike,
    message: JSONRPCRequest,
    auth: AuthInfo | undefined,
    resolve: (reply: HttpReply) => void,
  ): HttpReply | typeof SETTLED {
    const mismatch = this.headerChecks.check(request, message);
    if (mismatch) return errorReply(400, ErrorCode.HeaderMismatch, mismatch, message.id);
    const watch = new ClientWatch(request);
    const reply = new PostReply(
      () =>
        new EventStream({
          keepAliveMs: this.options.keepAliveMs ?? TRANSPORT_DEFAULTS.keepAliveMs,
          onDisconnect: () => watch.gone(),
        }),
      MODERN_REPLY,
      resolve,
    );
    this.server.exchange(message, new PostExchange(request, auth, watch, reply)).then((response) => {
      watch.release();
      reply.answer(response, this.server.maskErrorDetails);
    });
    return SETTLED;
  }
}
