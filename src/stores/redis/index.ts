/**
 * Scale-out: a shared {@link Store} on Redis so several fastmcp-ts server instances act as one, and
 * the adapters that keep the OAuth proxy's and the tasks' state in any Store.
 *
 * @example
 * ```ts
 * import { RedisStore } from "fastmcp-ts/redis";
 * const store = new RedisStore({ url: "redis://127.0.0.1:6379", prefix: "mcp:" });
 * await mcp.run({ transport: ["http", "sse"], port: 8000, store });
 * ```
 *
 * @module fastmcp-ts/redis
 */
export { SharedOAuthProxyStore } from "../shared-oauth-proxy-store.js";
export { SharedTaskStore, type SharedTaskStoreOptions } from "../shared-task-store.js";
export { isStore, type LogEntry, type Store, StoreUnavailableError } from "../store.js";
export type { RedisClientLike } from "./connection.js";
export { RedisStore, type RedisStoreOptions } from "./redis-store.js";
