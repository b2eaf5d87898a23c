/**
 * The legacy SSE transport of a scaled-out server: a session's stream is held by the instance the
 * client's `GET /sse` reached, but a load balancer sends its `POST /messages` anywhere. Each open
 * stream is announced in the shared store (`sse:<id>`: the instance holding it and the identity that
 * opened it), so that any instance can check the caller and pass the message on to that instance
 * through the bus; the answer then travels on the stream as usual. The records are renewed while
 * their streams are open and deleted when they end; an instance that dies leaves them to expire.
 */
import type { AuthInfo } from "../../auth/types.js";
import type { ScaleOut } from "../../stores/scale-out.js";

const routeKey = (id: string) => `sse:${id}`;
/** How often an instance renews the records of its open streams, and how long a record lives. */
const RENEW_MS = 60_000;
const TTL_MS = 3 * RENEW_MS;

/** Where a session's stream is held, and who opened it. */
export interface SseRoute {
  tag: string;
  owner: string | null;
}

function parseRoute(text: string | undefined): SseRoute | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<SseRoute>;
    if (typeof value.tag === "string" && (value.owner === null || typeof value.owner === "string"))
      return { tag: value.tag, owner: value.owner };
  } catch {}
  return undefined;
}

export class SharedSseRoutes {
  private readonly scaleOut: ScaleOut;
  private readonly held = new Set<string>();
  private renewer: ReturnType<typeof setInterval> | undefined;
  private readonly unlisten: () => void;

  /** `deliver` hands a message POSTed to another instance to the session's stream held here. */
  constructor(
    scaleOut: ScaleOut,
    deliver: (id: string, message: Record<string, unknown>, auth: AuthInfo | undefined) => void,
  ) {
    this.scaleOut = scaleOut;
    this.unlisten = scaleOut.bus.on("sse-message", ({ session, message, auth }) => {
      if (this.held.has(session)) deliver(session, message, auth as AuthInfo | undefined);
    });
  }

  /** Announces a stream opened here; rejects when the store cannot be reached. */
  async open(id: string, owner: string | undefined): Promise<void> {
    const route: SseRoute = { tag: this.scaleOut.bus.tag, owner: owner ?? null };
    await this.scaleOut.store.set(routeKey(id), JSON.stringify(route), { ttlMs: TTL_MS });
    this.held.add(id);
    if (!this.renewer) {
      this.renewer = setInterval(() => this.renew(), RENEW_MS);
      this.renewer.unref?.();
    }
  }

  /** Forgets a stream that ended here. */
  close(id: string): void {
    if (!this.held.delete(id)) return;
    this.scaleOut.store.delete(routeKey(id)).catch(() => {
      // It expires anyway.
    });
    if (this.held.size === 0 && this.renewer) {
      clearInterval(this.renewer);
      this.renewer = undefined;
    }
  }

  /** Where another instance holds the session's stream; undefined when nobody does. Rejects when the store cannot be reached. */
  async find(id: string): Promise<SseRoute | undefined> {
    const route = parseRoute(await this.scaleOut.store.get(routeKey(id)));
    return route && route.tag !== this.scaleOut.bus.tag ? route : undefined;
  }

  /** Passes a message on to the instance holding the session's stream. */
  forward(route: SseRoute, id: string, message: Record<string, unknown>, auth: AuthInfo | undefined): void {
    this.scaleOut.bus.send(route.tag, {
      kind: "sse-message",
      session: id,
      message,
      ...(auth ? { auth: { ...auth } } : {}),
    });
  }

  /** Stops renewing and listening (the streams end with the transport). */
  stop(): void {
    for (const id of [...this.held]) this.close(id);
    this.unlisten();
  }

  private renew(): void {
    for (const id of this.held) {
      this.scaleOut.store.expire(routeKey(id), TTL_MS).catch(() => {
        // Renewed at the next turn, or expired while the store is away.
      });
    }
  }
}
