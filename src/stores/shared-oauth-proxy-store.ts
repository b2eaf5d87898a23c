/**
 * The OAuth proxy's state in a shared {@link Store}, so that any instance can finish a login
 * another one started (authorize on one, callback and token exchange on others).
 */
import type { OAuthProxyStore } from "../auth/server/oauth-proxy/store.js";
import type { Store } from "./store.js";

/** The namespace of the OAuth proxy's keys in the store. */
const PREFIX = "oauth:";

/**
 * An {@link OAuthProxyStore} on any {@link Store}: values as JSON under `oauth:<key>`, each with
 * its time to live; `take` is the store's atomic take, so a code or refresh token is used once
 * across every instance. `OAuthProxy`'s `store` option wraps a Store in it by itself.
 *
 * @example
 * ```ts
 * import { OAuthProxy } from "fastmcp-ts/server/auth";
 * import { RedisStore } from "fastmcp-ts/redis";
 * const auth = new OAuthProxy({ ...upstream, baseUrl, store: new RedisStore({ url }) });
 * ```
 */
export class SharedOAuthProxyStore implements OAuthProxyStore {
  constructor(private readonly store: Store) {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return parse<T>(await this.store.get(PREFIX + key));
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.store.set(PREFIX + key, JSON.stringify(value) ?? "null", { ttlMs: Math.max(1, ttlMs) });
  }

  async delete(key: string): Promise<void> {
    await this.store.delete(PREFIX + key);
  }

  async take<T = unknown>(key: string): Promise<T | undefined> {
    return parse<T>(await this.store.take(PREFIX + key));
  }
}

/** A stored value; one that is not JSON (not written by this adapter) counts as absent. */
function parse<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
