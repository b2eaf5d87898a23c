/**
 * How the instances of a scaled-out server talk: one broadcast channel every instance hears (list
 * changes, resource updates, task states, legacy sessions changed or ended) and one direct channel
 * per instance (a client's answer to a server request that instance made, a legacy SSE message
 * POSTed to another instance than the one holding its stream). Messages are JSON;
 * anything else read from the store (another program sharing its prefix, a broken peer), and any
 * message without the fields of its kind, is ignored.
 */
import type { Store } from "./store.js";

/** What instances tell each other. */
export type BusMessage =
  | { kind: "list"; method: string }
  | { kind: "updated"; uri: string }
  | { kind: "task"; task: { taskId: string } }
  | { kind: "task-cancel"; taskId: string }
  | { kind: "task-update"; taskId: string; responses: Record<string, unknown> }
  | { kind: "session"; id: string; record: string }
  | { kind: "session-ended"; id: string }
  | { kind: "get-stream"; session: string }
  | { kind: "response"; session: string; message: Record<string, unknown> }
  | {
      kind: "sse-message";
      session: string;
      message: Record<string, unknown>;
      auth?: Record<string, unknown>;
    };

export type BusKind = BusMessage["kind"];
type Handler<K extends BusKind> = (message: Extract<BusMessage, { kind: K }>) => void;

const BROADCAST = "bus";
const direct = (tag: string) => `bus:${tag}`;

/** A short random name for this instance (server request ids and stream ids carry it). */
function newTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let tag = "";
  for (const byte of bytes) tag += (byte % 36).toString(36);
  return tag;
}

/** The fields each kind of message must have, and their types. */
const SHAPES: { [K in BusKind]: Record<string, "string" | "object"> } = {
  list: { method: "string" },
  updated: { uri: "string" },
  task: { task: "object" },
  "task-cancel": { taskId: "string" },
  "task-update": { taskId: "string", responses: "object" },
  session: { id: "string", record: "string" },
  "session-ended": { id: "string" },
  "get-stream": { session: "string" },
  response: { session: "string", message: "object" },
  "sse-message": { session: "string", message: "object" },
};

function parse(raw: string): ({ from: string } & BusMessage) | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const message = value as Record<string, unknown>;
  if (typeof message.from !== "string" || typeof message.kind !== "string") return undefined;
  const shape = Object.hasOwn(SHAPES, message.kind) ? SHAPES[message.kind as BusKind] : undefined;
  if (!shape) return undefined;
  for (const [field, type] of Object.entries(shape)) {
    const got = message[field];
    if (
      type === "object" ? typeof got !== "object" || got === null || Array.isArray(got) : typeof got !== type
    )
      return undefined;
  }
  return value as { from: string } & BusMessage;
}

export class InstanceBus {
  /** This instance's name among the others. */
  readonly tag = newTag();
  private readonly store: Store;
  private readonly handlers = new Map<BusKind, Set<(message: BusMessage) => void>>();
  private unsubscribes: (() => Promise<void>)[] = [];
  private warned = false;

  constructor(store: Store) {
    this.store = store;
  }

  /** Starts listening; resolves once both channels are subscribed. */
  async start(): Promise<void> {
    const receive = (raw: string) => {
      const message = parse(raw);
      // Changes made here were delivered here already.
      if (!message || message.from === this.tag) return;
      for (const handler of this.handlers.get(message.kind) ?? []) {
        try {
          handler(message);
        } catch (error) {
          console.warn(`[fastmcp-ts] a ${message.kind} message from instance ${message.from} failed:`, error);
        }
      }
    };
    this.unsubscribes = await Promise.all([
      this.store.subscribe(BROADCAST, receive),
      this.store.subscribe(direct(this.tag), receive),
    ]);
  }

  /** Handles messages of one kind from the other instances; returns the undo. */
  on<K extends BusKind>(kind: K, handler: Handler<K>): () => void {
    const handlers = this.handlers.get(kind) ?? new Set();
    this.handlers.set(kind, handlers);
    const wrapped = handler as (message: BusMessage) => void;
    handlers.add(wrapped);
    return () => void handlers.delete(wrapped);
  }

  /** Tells every other instance. Best effort: while the store is unreachable the message is lost. */
  broadcast(message: BusMessage): void {
    this.publish(BROADCAST, message);
  }

  /** Tells one instance, by its tag. */
  send(tag: string, message: BusMessage): void {
    this.publish(direct(tag), message);
  }

  async close(): Promise<void> {
    const unsubscribes = this.unsubscribes;
    this.unsubscribes = [];
    await Promise.allSettled(unsubscribes.map((unsubscribe) => unsubscribe()));
  }

  private publish(channel: string, message: BusMessage): void {
    this.store.publish(channel, JSON.stringify({ from: this.tag, ...message })).then(
      () => {
        this.warned = false;
      },
      (error: unknown) => {
        if (this.warned) return;
        this.warned = true;
        console.warn("[fastmcp-ts] could not reach the other instances through the store:", error);
      },
    );
  }
}
