/**
 * One 2026-07-28 request that may need input from the client (multi round-trip requests). The
 * handler asks through its context exactly as in the legacy era; here an ask is answered from the
 * answers gathered so far, or recorded. Asks made together (`Promise.all`) are collected for one
 * `input_required` result; the handler then runs again on the client's retry, and this time the
 * answers are there.
 */
import { McpError } from "../errors.js";
import { ErrorCode } from "../protocol/codes.js";

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

export class InputRound {
  private readonly answers: Record<string, unknown>;
  /** Keys asked in earlier rounds (only answers to these are accepted). */
  readonly asked: Set<string>;
  readonly pending = new Map<string, InputRequest>();
  private counters = new Map<string, number>();
  private flush: ReturnType<typeof setTimeout> | undefined;
  private notifyNeeded: (() => void) | undefined;
  /** Resolves when the handler needs input that has not been given. */
  readonly needed: Promise<void>;
  private readonly waiting = new Set<(error: Error) => void>();

  constructor(answers: Record<string, unknown>, asked: Iterable<string>) {
    this.answers = answers;
    this.asked = new Set(asked);
    this.needed = new Promise((resolve) => {
      this.notifyNeeded = resolve;
    });
  }

  /** Every answer known so far, for the next requestState. */
  get known(): Record<string, unknown> {
    return this.answers;
  }

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
    this.flush ??= setTimeout(() => this.notifyNeeded?.(), 0);
    return new Promise((_resolve, reject) => this.waiting.add(reject));
  }

  /** Ends the abandoned run: pending asks reject so the handler can unwind. */
  abandon(): void {
    if (this.flush) clearTimeout(this.flush);
    const error = new InputRequiredSignal("The request is waiting for input from the client");
    for (const reject of this.waiting) reject(error);
    this.waiting.clear();
  }

  /** Folds a retry's `inputResponses` into the answers, keeping only keys that were asked. */
  static merge(
    answers: Record<string, unknown>,
    asked: Iterable<string>,
    responses: unknown,
  ): Record<string, unknown> {
    if (responses === undefined) return answers;
    if (typeof responses !== "object" || responses === null || Array.isArray(responses)) {
      throw new McpError(ErrorCode.InvalidParams, "inputResponses must be an object");
    }
    const allowed = new Set(asked);
    const merged = { ...answers };
    for (const [key, value] of Object.entries(responses)) {
      // An answer to something never asked is ignored, as the spec says.
      if (allowed.has(key)) merged[key] = value;
    }
    return merged;
  }
}
