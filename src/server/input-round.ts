/**
 * One 2026-07-28 request that may need input from the client (multi round-trip requests). The
 * handler asks through its context exactly as in the legacy era; here an ask is answered from the
 * answers gathered so far, or recorded. Asks made together (`Promise.all`) are collected for one
 * `input_required` result; the handler then runs again on the client's retry, and this time the
 * answers are there.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";
import type { Result } from "../protocol/types.js";
import { type RequestStateCodec, salientDigest, sha256 } from "./request-state.js";

/** A request the server needs the client to fulfil. */
export interface InputRequest {
  method: string;
  params: Record<string, unknown>;
}

/** Thrown into a handler whose run is abandoned for an input round; handlers need not catch it. */
export class InputRequiredSignal extends Error {
  override name = "InputRequiredSignal";
}

const RESULT_SHAPES: Record<string, (value: Record<string, unknown>) => boolean> = {
  "elicitation/create": (value) =>
    value.action === "accept" || value.action === "decline" || value.action === "cancel",
  "sampling/createMessage": (value) =>
    (value.role === "assistant" || value.role === "user") && value.content !== undefined,
  "roots/list": (value) => Array.isArray(value.roots),
};

/** Whether an answer has the shape of `method`'s result (for a method not listed here: any object). */
export function isInputResponse(method: string, value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const check = RESULT_SHAPES[method];
  return !check || check(value as Record<string, unknown>);
}

export class InputRound {
  private readonly answers: Record<string, unknown>;
  readonly pending = new Map<string, InputRequest>();
  private counters = new Map<string, number>();
  private flush: ReturnType<typeof setTimeout> | undefined;
  /** Called (once) when the handler waits for input that has not been given. */
  private readonly onNeeded: () => void;
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(answers: Record<string, unknown>, onNeeded: () => void) {
    this.answers = answers;
    this.onNeeded = onNeeded;
  }

  /** Answers the handler used, for the next requestState (answers nobody asked for are dropped). */
  get known(): Record<string, unknown> {
    const kept: Record<string, unknown> = {};
    for (const key of this.used) kept[key] = this.answers[key];
    return kept;
  }

  private readonly used = new Set<string>();

  /**
   * Answers an ask from what the client already gave, or records it and waits (for ever: the run
   * is abandoned once the round is sent).
   */
  ask(
    method: string,
    params: Record<string, unknown>,
    inputKey: string | undefined,
  ): Promise<Record<string, unknown>> {
    const kind = method.split("/")[0] as string;
    const count = (this.counters.get(kind) ?? 0) + 1;
    this.counters.set(kind, count);
    const key = inputKey ?? `${kind}-${count}`;
    if (Object.hasOwn(this.answers, key)) {
      const answer = this.answers[key];
      this.used.add(key);
      const check = RESULT_SHAPES[method];
      if (
        typeof answer !== "object" ||
        answer === null ||
        (check && !check(answer as Record<string, unknown>))
      ) {
        return Promise.reject(
          new McpError(ErrorCode.InvalidParams, `inputResponses["${key}"] is not a valid ${method} result`),
        );
      }
      return Promise.resolve(answer as Record<string, unknown>);
    }
    if (this.pending.has(key)) {
      return Promise.reject(new McpError(ErrorCode.InternalError, `Two input requests share the key ${key}`));
    }
    this.pending.set(key, { method, params });
    // Asks started together are sent together: wait one turn of the event loop before the round goes out.
    this.flush ??= setTimeout(this.onNeeded, 0);
    return new Promise((_resolve, reject) => this.waiting.add(reject));
  }

  /** Ends the abandoned run: pending asks reject so the handler can unwind. */
  abandon(): void {
    if (this.flush) clearTimeout(this.flush);
    if (this.waiting.size === 0) return;
    const error = new InputRequiredSignal("The request is waiting for input from the client");
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
  }

  /**
   * Folds a retry's `inputResponses` into the answers. Answers to keys the handler never asks for
   * are simply never used (the spec says to ignore them), and are not carried into requestState.
   */
  static merge(answers: Record<string, unknown>, responses: unknown): Record<string, unknown> {
    if (responses === undefined) return answers;
    if (typeof responses !== "object" || responses === null || Array.isArray(responses)) {
      throw new McpError(ErrorCode.InvalidParams, "inputResponses must be an object");
    }
    return { ...answers, ...(responses as Record<string, unknown>) };
  }
}

/** Asks the client for something, by method, with an optional fixed key. */
export type AskFunction = (
  method: string,
  params: Record<string, unknown>,
  inputKey: string | undefined,
) => Promise<Record<string, unknown>>;

/** The answers of a first request: none (answers are only read, and merged into a new object). */
const NO_ANSWERS: Record<string, unknown> = Object.freeze({});

/** The most rounds one request may take before the server gives up. */
export const MAX_INPUT_ROUNDS = 16;

/** What a 2026-07-28 handler run gets for asking: the ask function, and its (abandonable) signal. */
export interface InputHooks {
  ask: AskFunction;
  /** The handler's signal: the request's own, also aborted if the run is abandoned for a round. */
  signal(base: AbortSignal): AbortSignal;
}

/**
 * Runs a 2026-07-28 request that may ask for input: opens the retry's requestState, folds in its
 * inputResponses, runs the handler, and answers `input_required` when the handler waits for
 * something the client has not given yet. A handler that never asks costs one promise: the round,
 * the hashing and the combined signal are only made when needed.
 */
export function runWithInputRounds(
  codec: RequestStateCodec,
  method: string,
  params: Record<string, unknown>,
  auth: { token: string; clientId?: string } | undefined,
  run: (hooks: InputHooks) => Promise<Result>,
): Promise<Result> {
  // The common case, a first request, stays synchronous up to the handler: no hashing, no await.
  if (params.requestState === undefined) {
    const answers = InputRound.merge(NO_ANSWERS, params.inputResponses);
    return new RoundRun(codec, method, params, auth, answers, 0).start(run);
  }
  return (async () => {
    const state = await codec.open(params.requestState, {
      method,
      digest: await salientDigest(params),
      principal: await principalOf(auth),
    });
    const answers = InputRound.merge(state.answers, params.inputResponses);
    return new RoundRun(codec, method, params, auth, answers, state.round).start(run);
  })();
}

function principalOf(auth: { token: string; clientId?: string } | undefined): Promise<string | undefined> {
  return auth ? sha256(auth.clientId ?? auth.token) : Promise.resolve(undefined);
}

/** The resolvers of the promise made last: one executor for every round, not a closure each. */
let capturedResolve: ((result: Result) => void) | undefined;
let capturedReject: ((error: unknown) => void) | undefined;
function captureResolvers(resolve: (result: Result) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * One run of the handler with the answers known so far, and its hooks. A class, so that a run whose
 * handler never asks costs one object, one closure (`ask`, which scopes hand on detached) and the
 * promise of its outcome.
 */
class RoundRun implements InputHooks {
  readonly outcome: Promise<Result>;
  private readonly resolve: (result: Result) => void;
  private readonly reject: (error: unknown) => void;
  private readonly codec: RequestStateCodec;
  private readonly method: string;
  private readonly params: Record<string, unknown>;
  private readonly auth: { token: string; clientId?: string } | undefined;
  private readonly answers: Record<string, unknown>;
  private readonly round: number;
  private running: Promise<Result> | undefined;
  private inputRound: InputRound | undefined;
  private abandoned: AbortController | undefined;
  private combined: AbortSignal | undefined;
  /** Whichever came first decided: the handler's result, or its wait for input. */
  private decided = false;

  constructor(
    codec: RequestStateCodec,
    method: string,
    params: Record<string, unknown>,
    auth: { token: string; clientId?: string } | undefined,
    answers: Record<string, unknown>,
    round: number,
  ) {
    this.outcome = new Promise(captureResolvers);
    this.resolve = capturedResolve as (result: Result) => void;
    this.reject = capturedReject as (error: unknown) => void;
    this.codec = codec;
    this.method = method;
    this.params = params;
    this.auth = auth;
    this.answers = answers;
    this.round = round;
  }

  readonly ask: AskFunction = (method, params, key) => {
    this.inputRound ??= new InputRound(this.answers, () => this.needed());
    return this.inputRound.ask(method, params, key);
  };

  signal(base: AbortSignal): AbortSignal {
    if (!this.combined) {
      this.abandoned = new AbortController();
      this.combined = AbortSignal.any([base, this.abandoned.signal]);
    }
    return this.combined;
  }

  start(run: (hooks: InputHooks) => Promise<Result>): Promise<Result> {
    const running = run(this);
    this.running = running;
    // The abandoned run unwinds afterwards, and whatever it ends with is ignored.
    running.then(
      (result) => {
        if (this.decided) return;
        this.decided = true;
        this.inputRound?.abandon();
        this.resolve(result);
      },
      (error: unknown) => {
        if (this.decided) return;
        this.decided = true;
        this.reject(error);
      },
    );
    return this.outcome;
  }

  /** The handler waits for input not given yet: answer with the round. */
  private needed(): void {
    if (this.decided) return;
    this.decided = true;
    this.sendRound().then(this.resolve, this.reject);
  }

  /** Abandons this run and answers with the round, its requests and the state to resume from. */
  private async sendRound(): Promise<Result> {
    const pendingRound = this.inputRound as InputRound;
    (this.running as Promise<Result>).catch(() => {});
    this.abandoned?.abort(new InputRequiredSignal("The request is waiting for input from the client"));
    pendingRound.abandon();
    if (this.round + 1 > MAX_INPUT_ROUNDS) {
      throw new McpError(
        ErrorCode.InternalError,
        `The request needed more than ${MAX_INPUT_ROUNDS} rounds of input`,
      );
    }
    const inputRequests: Record<string, InputRequest> = {};
    for (const [key, request] of pendingRound.pending) inputRequests[key] = request;
    const requestState = await this.codec.seal({
      method: this.method,
      digest: await salientDigest(this.params),
      principal: await principalOf(this.auth),
      answers: pendingRound.known,
      round: this.round + 1,
    });
    return { resultType: "input_required", inputRequests, requestState };
  }
}
