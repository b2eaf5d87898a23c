/**
 * The `requestState` option of a server, checked when the server is made; the codec that uses it
 * (request-state.ts) loads with the serving code.
 */

export interface RequestStateOptions {
  /**
   * The HMAC key. Give the same secret to every instance behind a load balancer; by default a
   * random key is made per process (so retries must reach the same process).
   */
  secret?: string | Uint8Array;
  /** How long a requestState stays valid (ms, default 10 minutes). */
  ttlMs?: number;
}

/** The secret's bytes; throws a TypeError for one under 16 bytes. */
export function secretBytes(secret: string | Uint8Array | undefined): Uint8Array | undefined {
  const bytes = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
  if (bytes !== undefined && bytes.length < 16)
    throw new TypeError("requestState secret must be at least 16 bytes");
  return bytes;
}
