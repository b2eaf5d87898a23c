/**
 * A session opened before the serving code loaded (a custom transport's, or the in-memory
 * transport's first connection): it keeps what it receives until the real session (session.ts)
 * exists, then hands it all over in order and forwards from then on. Transports that load with
 * the serving code (stdio, HTTP, WebSocket) never make one.
 */
import type { RequestRoute, ServerSession, SessionOptions } from "./entry.js";
import { type ServerKernel, type ServingCode, type SessionState, sessionState, unserved } from "./kernel.js";

type Received = [text: boolean, value: unknown, route: RequestRoute | undefined];

export class PendingSession implements ServerSession {
  readonly state: SessionState;
  private session: ServerSession | undefined;
  private readonly received: Received[] = [];
  private closed = false;
  private readonly opened: Promise<ServerSession | undefined>;

  constructor(kernel: ServerKernel, options: SessionOptions, loading: Promise<ServingCode>) {
    this.state = sessionState(options);
    this.opened = loading.then(
      (code) => {
        if (this.closed) return undefined;
        void kernel.serve();
        const session = new code.ChannelSession(kernel, options, this.state);
        this.session = session;
        for (const [text, value, route] of this.received.splice(0)) {
          if (text) session.receiveText(value as string, route);
          else session.receive(value, route);
        }
        return session;
      },
      (error: Error) => {
        // Nothing can answer: each request waiting here gets the failure, as a dispatch would.
        for (const [text, value, route] of this.received.splice(0)) {
          const id = requestId(text, value);
          if (id === undefined) continue;
          void Promise.resolve()
            .then(() => options.send(unserved(id, error, kernel.options.maskErrorDetails), route))
            .catch(() => {});
        }
        return undefined;
      },
    );
  }

  get inFlight(): number {
    return this.session?.inFlight ?? 0;
  }

  get initialized(): boolean {
    return this.state.legacy?.initialized === true;
  }

  get legacy(): boolean {
    return this.state.legacy !== undefined;
  }

  receive(value: unknown, route?: RequestRoute): void {
    if (this.session) this.session.receive(value, route);
    else if (!this.closed) this.received.push([false, value, route]);
  }

  receiveText(text: string, route?: RequestRoute): void {
    if (this.session) this.session.receiveText(text, route);
    else if (!this.closed) this.received.push([true, text, route]);
  }

  drain(): Promise<void> {
    return this.opened.then((session) => session?.drain());
  }

  close(error?: Error): void {
    this.closed = true;
    this.received.length = 0;
    this.session?.close(error);
  }
}

/** The id of a request (as a value or JSON text) that a failure must answer, if it is one. */
function requestId(text: boolean, value: unknown): string | number | undefined {
  let message = value;
  if (text) {
    try {
      message = JSON.parse(value as string);
    } catch {
      return undefined;
    }
  }
  if (typeof message !== "object" || message === null) return undefined;
  const { id, method } = message as { id?: unknown; method?: unknown };
  return typeof method === "string" && (typeof id === "string" || typeof id === "number") ? id : undefined;
}
