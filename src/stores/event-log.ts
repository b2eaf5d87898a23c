/**
 * Resumable SSE streams kept in a shared store, so a client whose stream broke can resume it with
 * `Last-Event-ID` on any instance. The streams of one legacy session share one log
 * (`events:<session>`, trimmed to its last entries), so a session costs one key however many
 * requests it streams, lives as long as the session, and goes with it in one delete. A stream id
 * is `<session>-<instance>-<n>` (see HttpSession.nextStreamId); an event id is
 * `<streamId>.<seq>`, seq counting the session's log. An entry is `<instance>-<n> <payload>`, the
 * payload being the message's JSON text, `""` for a priming event, or the end mark once the
 * stream has ended. Every append is also published, so that an instance serving a resumed stream
 * follows the one still writing it.
 */
import type { JSONRPCMessage } from "../protocol/types.js";
import type { EventStore } from "../transports/http/event-store.js";
import type { LogEntry, Store } from "./store.js";

const END = "end";

/** The log key of a session's streams. */
export const eventLogKey = (sessionId: string) => `events:${sessionId}`;

/** One message of a followed stream, with its event id. */
export interface FollowedEvent {
  id: string;
  message: JSONRPCMessage;
}

export interface StoreEventLogOptions {
  /** Events kept per session, all its streams together (default 2000); resuming from before the oldest kept is refused. */
  maxEventsPerSession?: number;
  /** How long a session's log is kept after its last event, in ms (default 30 minutes); renewed with the session. */
  ttlMs?: number;
}

/** A stream id's session and its part after it; undefined when it is not `<session>-<instance>-<n>`. */
function splitStreamId(streamId: string): { session: string; part: string } | undefined {
  const last = streamId.lastIndexOf("-");
  const at = last > 0 ? streamId.lastIndexOf("-", last - 1) : -1;
  if (at <= 0) return undefined;
  return { session: streamId.slice(0, at), part: streamId.slice(at + 1) };
}

function splitEventId(
  eventId: string,
): { streamId: string; session: string; part: string; seq: number } | undefined {
  const at = eventId.lastIndexOf(".");
  if (at <= 0) return undefined;
  const seq = Number(eventId.slice(at + 1));
  if (!Number.isSafeInteger(seq) || seq < 1 || eventId.length - at - 1 > 16) return undefined;
  const streamId = eventId.slice(0, at);
  const split = splitStreamId(streamId);
  return split && { streamId, seq, ...split };
}

/** An entry's stream part and payload. */
function splitEntry(value: string): { part: string; payload: string } {
  const at = value.indexOf(" ");
  return at < 0 ? { part: value, payload: "" } : { part: value.slice(0, at), payload: value.slice(at + 1) };
}

/**
 * The entries after an event id's own, read with it so that an id naming an event this log never
 * held (a made-up stream, or one that is gone) is refused rather than followed forever.
 */
async function entriesAfter(
  store: Store,
  key: string,
  parsed: { part: string; seq: number },
): Promise<LogEntry[] | undefined> {
  const entries = await store.readAfter(key, parsed.seq - 1);
  const own = entries?.[0];
  if (!own || own.seq !== parsed.seq || splitEntry(own.value).part !== parsed.part) return undefined;
  return entries.slice(1);
}

function messageOf(payload: string): JSONRPCMessage | undefined {
  if (payload === "" || payload === END) return undefined;
  try {
    return JSON.parse(payload) as JSONRPCMessage;
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
    this.maxLength = options.maxEventsPerSession ?? 2000;
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
    const entries = await entriesAfter(this.store, eventLogKey(parsed.session), parsed);
    if (!entries) return undefined;
    for (const entry of entries) {
      const { part, payload } = splitEntry(entry.value);
      if (part !== parsed.part) continue;
      const message = messageOf(payload);
      if (message) send(`${parsed.streamId}.${entry.seq}`, message);
    }
    return parsed.streamId;
  }

  dropSession(sessionId: string): void {
    this.store.delete(eventLogKey(sessionId)).catch(() => {
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
    const { streamId, part: wanted } = parsed;
    const key = eventLogKey(parsed.session);
    let last = parsed.seq;
    let stopped = false;
    let syncing = true;
    const held: LogEntry[] = [];
    const stop = () => {
      if (stopped) return;
      stopped = true;
      void unsubscribe().catch(() => {});
    };
    // Entries of the session's other streams only move `last` on.
    const take = (entry: LogEntry) => {
      last = entry.seq;
      const { part, payload } = splitEntry(entry.value);
      if (part !== wanted) return;
      if (payload === END) {
        stop();
        onEnd();
        return;
      }
      const message = messageOf(payload);
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
      entries = await entriesAfter(this.store, key, parsed);
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

  private async write(streamId: string, payload: string): Promise<string> {
    const split = splitStreamId(streamId);
    if (!split) throw new TypeError(`Not a session stream id: ${streamId}`);
    const key = eventLogKey(split.session);
    const value = `${split.part} ${payload}`;
    const seq = await this.store.append(key, value, { maxLength: this.maxLength, ttlMs: this.ttlMs });
    // Followers on other instances hear it at once; a lost publish is caught up from the log.
    this.store.publish(key, `${seq} ${value}`).catch(() => {});
    return `${streamId}.${seq}`;
  }
}
