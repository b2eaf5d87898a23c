/**
 * Resumable SSE streams kept in a shared store, so a client whose stream broke can resume it with
 * `Last-Event-ID` on any instance: each stream is a log (`events:<streamId>`), an event id is
 * `<streamId>.<seq>`, and every append is also published so that an instance serving a resumed
 * stream follows the one still writing it. An entry is the message's JSON text, `""` for a
 * priming event, or the end mark once the stream has ended.
 */
import type { JSONRPCMessage } from "../protocol/types.js";
import type { EventStore } from "../transports/http/event-stream.js";
import type { LogEntry, Store } from "./store.js";

const END = "end";
const logKey = (streamId: string) => `events:${streamId}`;

/** One message of a followed stream, with its event id. */
export interface FollowedEvent {
  id: string;
  message: JSONRPCMessage;
}

export interface StoreEventLogOptions {
  /** Events kept per stream (default 1000); resuming from before the oldest kept is refused. */
  maxEventsPerStream?: number;
  /** How long a stream is kept after its last event, in ms (default 30 minutes). */
  ttlMs?: number;
}

function splitEventId(eventId: string): { streamId: string; seq: number } | undefined {
  const at = eventId.lastIndexOf(".");
  if (at <= 0) return undefined;
  const seq = Number(eventId.slice(at + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { streamId: eventId.slice(0, at), seq };
}

function messageOf(entry: LogEntry): JSONRPCMessage | undefined {
  if (entry.value === "" || entry.value === END) return undefined;
  try {
    return JSON.parse(entry.value) as JSONRPCMessage;
  } catch {
    return undefined;
  }
}

export class StoreEventLog implements EventStore {
  private readonly store: Store;
  private readonly maxLength: number;
  private readonly ttlMs: number;

  constructor(store: Store, options: StoreEventLogOptions = {}) {
    this.store = store;
    this.maxLength = options.maxEventsPerStream ?? 1000;
    this.ttlMs = options.ttlMs ?? 30 * 60_000;
  }

  async append(streamId: string, message: JSONRPCMessage | undefined, data?: string): Promise<string> {
    const value = message === undefined ? "" : (data ?? JSON.stringify(message));
    return this.write(streamId, value);
  }

  /** Marks a stream ended, so that instances following it end their copies too. */
  async end(streamId: string): Promise<void> {
    await this.write(streamId, END);
  }

  async replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JSONRPCMessage) => void,
  ): Promise<string | undefined> {
    const parsed = splitEventId(lastEventId);
    if (!parsed) return undefined;
    const entries = await this.store.readAfter(logKey(parsed.streamId), parsed.seq);
    if (!entries) return undefined;
    for (const entry of entries) {
      const message = messageOf(entry);
      if (message) send(`${parsed.streamId}.${entry.seq}`, message);
    }
    return parsed.streamId;
  }

  drop(streamId: string): void {
    this.store.delete(logKey(streamId)).catch(() => {
      // The log expires by its TTL anyway.
    });
  }

  /**
   * Sends what a stream holds after `lastEventId`, then what is appended to it from anywhere,
   * until it ends (`onEnd`) or the returned stop function is called. Undefined when the event id
   * cannot be resumed (unknown, expired, or events after it are gone).
   */
  async follow(
    lastEventId: string,
    send: (event: FollowedEvent) => void,
    onEnd: () => void,
  ): Promise<{ streamId: string; stop: () => void } | undefined> {
    const parsed = splitEventId(lastEventId);
    if (!parsed) return undefined;
    const { streamId } = parsed;
    const key = logKey(streamId);
    let last = parsed.seq;
    let stopped = false;
    let syncing = true;
    const held: LogEntry[] = [];
    const stop = () => {
      if (stopped) return;
      stopped = true;
      void unsubscribe().catch(() => {});
    };
    const take = (entry: LogEntry) => {
      last = entry.seq;
      if (entry.value === END) {
        stop();
        onEnd();
        return;
      }
      const message = messageOf(entry);
      if (message) send({ id: `${streamId}.${entry.seq}`, message });
    };
    const takeAll = (entries: LogEntry[]) => {
      for (const entry of entries) if (!stopped && entry.seq === last + 1) take(entry);
    };
    // Published entries in order; a gap (a publish lost while the store was unreachable) is read
    // from the log, and a gap the log no longer holds ends the stream rather than skip events.
    const drain = () => {
      held.sort((a, b) => a.seq - b.seq);
      while (!stopped && held.length > 0) {
        const entry = held[0] as LogEntry;
        if (entry.seq > last + 1) break;
        held.shift();
        if (entry.seq === last + 1) take(entry);
      }
      if (!stopped && held.length > 0) void sync();
    };
    const sync = async () => {
      syncing = true;
      const entries = await this.store.readAfter(key, last).catch(() => undefined);
      syncing = false;
      if (stopped) return;
      if (!entries) {
        stop();
        onEnd();
        return;
      }
      takeAll(entries);
      drain();
    };
    // Subscribe first, then read: nothing appended in between is missed (repeats are skipped by seq).
    const unsubscribe = await this.store.subscribe(key, (raw) => {
      const at = raw.indexOf(" ");
      const seq = Number(raw.slice(0, at));
      if (stopped || at <= 0 || !Number.isSafeInteger(seq)) return;
      held.push({ seq, value: raw.slice(at + 1) });
      if (!syncing) drain();
    });
    let entries: LogEntry[] | undefined;
    try {
      entries = await this.store.readAfter(key, last);
    } catch (error) {
      stop();
      throw error;
    }
    if (!entries) {
      stop();
      return undefined;
    }
    syncing = false;
    takeAll(entries);
    drain();
    return { streamId, stop };
  }

  private async write(streamId: string, value: string): Promise<string> {
    const key = logKey(streamId);
    const seq = await this.store.append(key, value, { maxLength: this.maxLength, ttlMs: this.ttlMs });
    // Followers on other instances hear it at once; a lost publish is caught up from the log.
    this.store.publish(key, `${seq} ${value}`).catch(() => {});
    return `${streamId}.${seq}`;
  }
}
