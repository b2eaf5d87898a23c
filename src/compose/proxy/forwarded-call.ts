/**
 * One downstream request forwarded upstream (a tool call, a prompt, a read), and what the upstream
 * asks of the client while it runs (sampling, elicitation, roots): each ask is passed to the
 * downstream request that drives the call, as a real server-to-client request on a legacy
 * downstream, or as an input-required round on a 2026-07-28 one. In the second case the
 * downstream run ends with the round while the upstream call goes on waiting for its answer: the
 * call is then parked (see parked-calls.ts) and the client's retry drives it again, so the upstream
 * never runs the call twice.
 */
import { randomUUID } from "node:crypto";
import type { LogMessage } from "../../client/options.js";
import { McpError } from "../../errors.js";
import { ErrorCode } from "../../protocol/codes.js";
import { LOG_LEVELS } from "../../protocol/logging.js";
import type { ClientCapabilities, LoggingLevel, Result } from "../../protocol/types.js";
import type { DispatchScope } from "../../server/dispatch-scope.js";
import { InputRequiredSignal } from "../../server/input-round.js";

/** The prefix of the input keys a proxy gives the asks of its upstream calls. */
export const INPUT_KEY_PREFIX = "proxy-";

interface PendingAsk {
  key: string;
  method: string;
  params: Record<string, unknown>;
  /** Whether it is being asked of the current driver. */
  sent: boolean;
  resolve(answer: Record<string, unknown>): void;
  reject(error: Error): void;
}

/**
 * How long a forwarded call runs before the cancellation of the request driving it is watched (ms):
 * so much later at most does the upstream hear of it.
 */
const WATCH_AFTER_MS = 20;

/** The capability a downstream client needs for each ask. */
const NEEDS: Record<string, keyof ClientCapabilities> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

export class ForwardedCall {
  /** Unguessable: the input keys of this call's asks start with it (made when first asked for). */
  private uuid: string | undefined;
  /** Made on first use: aborted when a 2026-07-28 request is cancelled, or the call expires while parked. */
  private abort: AbortController | undefined;
  /** Told when the driving run was abandoned for an input round. */
  private abandoned: ((signal: InputRequiredSignal) => void) | undefined;
  /** Who started the call: only the same caller may resume it. */
  readonly principal: string;
  /** What was called (method and params without the input-round fields): a resume must match. */
  private readonly what: () => string;
  private fingerprintText: string | undefined;
  private driver: DispatchScope | undefined;
  /** Made with the first ask: most calls never ask. */
  private asks: Map<string, PendingAsk> | undefined;
  private count = 0;
  /** Called when the driving run is abandoned for an input round (the call is to be parked). */
  onParked: (() => void) | undefined;

  /** `what` describes the call; it is only worked out if the call is parked or resumed. */
  constructor(scope: DispatchScope, what: () => string) {
    this.principal = principalOf(scope);
    this.what = what;
  }

  get controller(): AbortController {
    this.abort ??= new AbortController();
    return this.abort;
  }

  get id(): string {
    this.uuid ??= randomUUID();
    return this.uuid;
  }

  get fingerprint(): string {
    this.fingerprintText ??= this.what();
    return this.fingerprintText;
  }

  /** The key prefix of this call's asks. */
  get keyPrefix(): string {
    return `${INPUT_KEY_PREFIX}${this.id}-`;
  }

  /** The upstream asks for input: passed to the driving downstream request (now or on its retry). */
  ask(
    method: string,
    params: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    if (this.abort?.signal.aborted) return Promise.reject(cancelled(this.abort.signal));
    const key = `${this.keyPrefix}${++this.count}`;
    return new Promise((resolve, reject) => {
      const pending: PendingAsk = { key, method, params, sent: false, resolve, reject };
      this.asks ??= new Map();
      this.asks.set(key, pending);
      const onAbort = () => {
        if (this.asks?.delete(key)) reject(cancelled(signal as AbortSignal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.send(pending);
    });
  }

  /** A log of the upstream for this call: to the driving request, at the level its client asked for. */
  log(message: LogMessage): void {
    const scope = this.driver;
    if (!scope || !levelPasses(message.level, scope)) return;
    const params: Record<string, unknown> = { level: message.level, data: message.data };
    if (message.logger !== undefined) params.logger = message.logger;
    scope.notify("notifications/message", params);
  }

  /** Progress of the upstream call, sent with the driving request's progress token. */
  progress(progress: number, total?: number, message?: string): void {
    const scope = this.driver;
    if (scope?.progressToken === undefined) return;
    const params: Record<string, unknown> = { progressToken: scope.progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    scope.notify("notifications/progress", params);
  }

  /**
   * Drives the call from a downstream request until `upstream` settles: its asks go to `scope`. When
   * `scope`'s run is abandoned for an input round, the call stays alive (`onParked`) and this
   * rejects with the abandonment; when the downstream cancels, the upstream call is cancelled. The
   * downstream's cancellation is watched once the call has run `WATCH_AFTER_MS`: watching makes
   * AbortSignals and listeners, which cost a fast call more than the rest of the proxy's work, and
   * a cancellation that came earlier is seen as soon as the watch starts.
   */
  drive(scope: DispatchScope, upstream: Promise<Result>): Promise<Result> {
    this.driver = scope;
    for (const pending of this.asks?.values() ?? []) {
      pending.sent = false;
      this.send(pending);
    }
    return new Promise<Result>((resolve, reject) => {
      let cancel: AbortSignal | undefined;
      const done = () => {
        clearTimeout(timer);
        cancel?.removeEventListener("abort", onCancel);
        if (this.abandoned === onAbandoned) this.abandoned = undefined;
      };
      const onCancel = () => {
        const reason: unknown = cancel?.reason;
        done();
        if (this.driver === scope) this.driver = undefined;
        this.controller.abort(reason);
        reject(reason);
      };
      const onAbandoned = (signal: InputRequiredSignal) => {
        if (this.driver !== scope) return;
        done();
        this.driver = undefined;
        this.onParked?.();
        reject(signal);
      };
      // A 2026-07-28 request's own signal, not `scope.signal`, which also aborts when the run is
      // abandoned for an input round (that is seen in `send`, and parks the call instead).
      const watch = () => {
        cancel = scope.era === "modern" ? scope.input.signal : scope.signal;
        if (cancel.aborted) onCancel();
        else cancel.addEventListener("abort", onCancel, { once: true });
      };
      const timer = setTimeout(watch, WATCH_AFTER_MS);
      this.abandoned = onAbandoned;
      upstream.then(
        (result) => {
          done();
          resolve(result);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /**
   * The signal of the upstream request: the call's own, which outlives a run abandoned for an input
   * round, and aborts when the driving request is cancelled (see `drive`).
   */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether `scope` may resume this call: the same caller, the same request. */
  resumableBy(scope: DispatchScope, fingerprint: string): boolean {
    return this.principal === principalOf(scope) && this.fingerprint === fingerprint;
  }

  /** Ends the call (cancelled, expired, or its connection lost): pending asks fail with `error`. */
  abandon(error: Error): void {
    this.controller.abort(error);
    for (const pending of this.asks?.values() ?? []) pending.reject(error);
    this.asks?.clear();
  }

  private send(pending: PendingAsk): void {
    const scope = this.driver;
    if (!scope || pending.sent) return;
    const capability = NEEDS[pending.method];
    if (capability && scope.clientCapabilities?.[capability] === undefined) {
      this.settle(
        pending,
        new McpError(
          ErrorCode.MethodNotFound,
          `The proxied server asked for ${pending.method}, which the client of the proxy does not support`,
        ),
      );
      return;
    }
    pending.sent = true;
    let answer: Promise<Record<string, unknown>>;
    if (scope.ask) answer = scope.ask(pending.method, pending.params, pending.key);
    else if (scope.request) answer = scope.request(pending.method, pending.params, this.signal);
    else {
      this.settle(
        pending,
        new McpError(
          ErrorCode.MethodNotFound,
          `The proxied server asked for ${pending.method}, which this request to the proxy cannot carry`,
        ),
      );
      return;
    }
    answer.then(
      (result) => this.settle(pending, undefined, result),
      (error: unknown) => {
        // The downstream run was abandoned for an input round: the ask waits for the retry.
        if (error instanceof InputRequiredSignal) {
          pending.sent = false;
          this.abandoned?.(error);
          return;
        }
        this.settle(pending, error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  private settle(pending: PendingAsk, error: Error | undefined, result?: Record<string, unknown>): void {
    if (this.asks?.get(pending.key) !== pending) return;
    this.asks.delete(pending.key);
    if (error) pending.reject(error);
    else pending.resolve(result as Record<string, unknown>);
  }
}

/** Who is asking: the token's client (or the token itself), else nobody in particular. */
function principalOf(scope: DispatchScope): string {
  const auth = scope.auth;
  return auth ? `auth:${auth.clientId ?? auth.token}` : "";
}

function levelPasses(level: LoggingLevel, scope: DispatchScope): boolean {
  const minimum = scope.logLevel;
  // Modern requests without a log level get no logs; legacy sessions get all until they set one.
  if (minimum === undefined) return scope.era !== "modern";
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(minimum);
}

function cancelled(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new McpError(ErrorCode.InternalError, "Request cancelled");
}
