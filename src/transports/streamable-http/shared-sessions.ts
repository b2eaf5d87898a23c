/**
 * Legacy Streamable HTTP sessions of a scaled-out server: what `initialize` negotiated (and what
 * later requests changed: initialized, log level, subscriptions) is kept in the shared store as
 * `session:<id>`, so that any instance can serve the session: the first request an instance sees
 * for it makes a local replica from the record. Changes are written before the reply leaves and
 * told to the other instances' replicas; a DELETE ends the session everywhere; a session nobody
 * uses expires from the store after its idle TTL. Its keys: the record, its `ctx.setState` values
 * (`values:<id>`) and the log of its resumable streams (`events:<id>`), renewed and deleted together.
 */
import type { LegacyState } from "../../protocol/era.js";
import { sharedJson } from "../../protocol/shared-json.js";
import type { SharedSessionState } from "../../server/entry.js";
import type { SessionValues } from "../../server/session-values.js";
import { eventLogKey } from "../../stores/event-log.js";
import type { ScaleOut } from "../../stores/scale-out.js";

/** A session as the store keeps it. */
export interface SessionRecord {
  /** The identity that made it (see identityKey); null without auth. */
  owner: string | null;
  /** The client it counts against (see clientKey). */
  client: string;
  legacy: LegacyState;
  subscriptions: string[];
}

/** The part of a replica the record is made from and applied to. */
export type ReplicaState = SharedSessionState;

const sessionKey = (id: string) => `session:${id}`;
const valuesKey = (id: string) => `values:${id}`;

function isRecord(value: unknown): value is SessionRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Partial<SessionRecord>;
  const legacy = record.legacy as Partial<LegacyState> | undefined;
  return (
    (record.owner === null || typeof record.owner === "string") &&
    typeof record.client === "string" &&
    typeof legacy === "object" &&
    legacy !== null &&
    typeof legacy.protocolVersion === "string" &&
    typeof legacy.initialized === "boolean" &&
    Array.isArray(record.subscriptions) &&
    record.subscriptions.every((uri) => typeof uri === "string")
  );
}

/** Parses a record read from the store or another instance; undefined when it is not one. */
export function parseRecord(text: string | undefined): SessionRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The record text of a replica's state (compared to what was last written, to write only changes). */
export function recordText(
  owner: string | undefined,
  client: string,
  state: ReplicaState,
): string | undefined {
  if (!state.legacy) return undefined;
  const record: SessionRecord = {
    owner: owner ?? null,
    client,
    legacy: state.legacy,
    subscriptions: [...(state.subscriptions ?? [])],
  };
  return JSON.stringify(record);
}

/** Applies a record to a replica. */
export function applyRecord(record: SessionRecord, state: ReplicaState): void {
  state.legacy = sharedJson({ ...record.legacy, clientCapabilities: record.legacy.clientCapabilities ?? {} });
  if (record.subscriptions.length > 0) state.subscriptions = new Set(record.subscriptions);
  else delete state.subscriptions;
}

export class SharedSessions {
  readonly scaleOut: ScaleOut;
  private readonly ttlMs: number;

  constructor(scaleOut: ScaleOut, ttlMs: number) {
    this.scaleOut = scaleOut;
    this.ttlMs = ttlMs;
  }

  /** The record of a session, or undefined when the store has none. */
  async load(id: string): Promise<SessionRecord | undefined> {
    return parseRecord(await this.scaleOut.store.get(sessionKey(id)));
  }

  /** Writes a session's record and tells the other instances' replicas. */
  async save(id: string, text: string): Promise<void> {
    await this.scaleOut.store.set(sessionKey(id), text, { ttlMs: this.ttlMs });
    this.scaleOut.bus.broadcast({ kind: "session", id, record: text });
  }

  /** Keeps a session in use alive; resolves false when the store no longer has it (it ended). */
  async touch(id: string): Promise<boolean> {
    const { store } = this.scaleOut;
    const alive = await store.expire(sessionKey(id), this.ttlMs);
    if (alive)
      await Promise.all([store.expire(valuesKey(id), this.ttlMs), store.expire(eventLogKey(id), this.ttlMs)]);
    return alive;
  }

  /** Ends a session everywhere: its keys go, and the other instances drop their replicas. */
  async end(id: string): Promise<void> {
    await this.scaleOut.store.delete(sessionKey(id), valuesKey(id), eventLogKey(id));
    this.scaleOut.bus.broadcast({ kind: "session-ended", id });
  }

  /** A session's `ctx.getState` values, in the store. */
  values(id: string): SessionValues {
    const { store } = this.scaleOut;
    const key = valuesKey(id);
    return {
      get: (field) => store.hashGet(key, field),
      set: (field, json) => store.hashSet(key, field, json, this.ttlMs),
      delete: (field) => store.hashDelete(key, field),
    };
  }
}
