/**
 * Who a session belongs to, and how many sessions each client may hold. A session is bound to the
 * identity that created it (other identities are told it does not exist), and counts against a
 * client: that identity, or the remote address when the server has no auth, so that one client
 * flooding `initialize` only ever pushes out its own sessions.
 */
import type { AuthInfo } from "../../auth/types.js";

const encoder = new TextEncoder();

/** Whether `id` has the form of the session ids the transports make (crypto.randomUUID). */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A stable key for the identity behind a verified token, or undefined without auth. A token with
 * a subject (`claims.sub`) keys on issuer, client and subject, so a refreshed token of the same
 * subject keeps its sessions; any other token keys on its own hash (a client id alone names an
 * application, not a user, and is shared by everyone who uses it). Only hashing makes it wait.
 */
export function identityKey(auth: AuthInfo | undefined): string | undefined | Promise<string> {
  if (!auth) return undefined;
  const claims = auth.claims ?? {};
  if (typeof claims.sub === "string" && claims.sub !== "") {
    const issuer = typeof claims.iss === "string" ? claims.iss : "";
    return `sub:${JSON.stringify([issuer, auth.clientId ?? "", claims.sub])}`;
  }
  return tokenKey(auth.token);
}

async function tokenKey(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return `token:${hex}`;
}

/**
 * The client a session counts against: its identity, else its remote address (an IPv6 address by
 * its /64, which one host usually holds whole), else one shared bucket for unknown addresses.
 */
export function clientKey(identity: string | undefined, remoteAddress: string | undefined): string {
  if (identity !== undefined) return identity;
  return `addr:${addressBucket(remoteAddress)}`;
}

function addressBucket(address: string | undefined): string {
  if (!address) return "unknown";
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone >= 0) text = text.slice(0, zone);
  if (!text.includes(":")) return text;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (mapped) return mapped[1] as string;
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/** A session as the quota sees it. */
export interface QuotaMember {
  /** When the session was last used (ms). */
  readonly lastActive: number;
  /** Whether it may be ended to make room (nothing in flight, no stream attached). */
  readonly idle: boolean;
}

/** What to do to admit one more session. */
export type Admission<T> = { ok: true; evict?: T } | { ok: false; status: 429 | 503; message: string };

/**
 * Counts sessions per client and decides which one ends when a cap is reached: at the per-client
 * bound, the client's own longest-idle session (429 when all are busy); at the global cap, a
 * client over its fair share (the cap divided among the clients) only displaces its own sessions,
 * while one under it displaces the longest-idle session of the largest client.
 */
export class SessionQuota<T extends QuotaMember> {
  private readonly clients = new Map<string, Set<T>>();
  private readonly max: number;
  private readonly perClient: number;

  constructor(max: number, perClient: number) {
    this.max = max;
    this.perClient = perClient;
  }

  add(client: string, session: T): void {
    const held = this.clients.get(client);
    if (held) held.add(session);
    else this.clients.set(client, new Set([session]));
  }

  /** One of the sessions `client` holds, if any. */
  anyOf(client: string): T | undefined {
    for (const session of this.clients.get(client) ?? []) return session;
    return undefined;
  }

  remove(client: string, session: T): void {
    const held = this.clients.get(client);
    if (!held) return;
    held.delete(session);
    if (held.size === 0) this.clients.delete(client);
  }

  /** Whether `client` may open one more session with `total` open now, and what to end first. */
  admit(client: string, total: number): Admission<T> {
    const own = this.clients.get(client);
    const owned = own?.size ?? 0;
    if (owned >= this.perClient) {
      const evict = longestIdle(own);
      return evict
        ? { ok: true, evict }
        : { ok: false, status: 429, message: "Too many sessions for this client: end one first" };
    }
    if (total < this.max) return { ok: true };
    const fairShare = this.max / (this.clients.size + (own ? 0 : 1));
    if (owned >= fairShare) {
      const evict = longestIdle(own);
      if (evict) return { ok: true, evict };
    } else {
      // The largest client over its fair share gives way; among equals, the longest-idle session.
      let best: { evict: T; size: number } | undefined;
      for (const held of this.clients.values()) {
        if (held.size <= fairShare || (best && held.size < best.size)) continue;
        const evict = longestIdle(held);
        if (!evict) continue;
        if (!best || held.size > best.size || evict.lastActive < best.evict.lastActive)
          best = { evict, size: held.size };
      }
      if (best) return { ok: true, evict: best.evict };
    }
    return { ok: false, status: 503, message: "Too many sessions: try again later" };
  }
}

function longestIdle<T extends QuotaMember>(sessions: Set<T> | undefined): T | undefined {
  let oldest: T | undefined;
  for (const session of sessions ?? []) {
    if (session.idle && (!oldest || session.lastActive < oldest.lastActive)) oldest = session;
  }
  return oldest;
}
