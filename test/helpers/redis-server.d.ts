/**
 * A real `redis-server` on a free port of 127.0.0.1, nothing persisted, ready when it answers; for
 * the tests and for `npm run bench` (plain JS in redis-server.js, so the bench runs it without a
 * build step). `stop()` and `restart()` (same port) make outages; `await using` or `close()` ends it.
 * One per test file is enough: stores with their own prefixes share it.
 *
 * @example
 * ```ts
 * let redis: RedisServer;
 * beforeAll(async () => { redis = await startRedisServer(); });
 * afterAll(() => redis.close());
 * const store = new RedisStore({ url: redis.url, prefix: "t1:" });
 * ```
 */
export interface RedisServer extends AsyncDisposable {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether the server is running now. */
  readonly running: boolean;
  /** Kills the server (SIGKILL: an outage, not a shutdown); resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted); resolves when it is ready. */
  restart(): Promise<void>;
  /** Stops it for good (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port; retries with another port when one is taken meanwhile.
 * When `redis-server` is not on PATH it rejects with {@link RedisServerMissingError}.
 */
export function startRedisServer(): Promise<RedisServer>;

/** `redis-server` is not on PATH (its spawn failed with ENOENT, kept as `cause`). */
export class RedisServerMissingError extends Error {}
