/**
 * The Store contract on Redis, through the official node-redis client (npm `redis`).
 */
import { FastMCPError } from "../../errors.js";
import type { LogEntry, Store } from "../store.js";
import {
  Connection,
  describe,
  Health,
  loadRedis,
  type RedisClientLike,
  type RedisModule,
  redact,
} from "./connection.js";
import { Fanout } from "./fanout.js";
import { APPEND, HASH_SET, READ_AFTER, type Script } from "./scripts.js";

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions {
  /**
   * Where Redis is: `redis[s]://[[user]:password@]host[:port][/db]` (default
   * `redis://127.0.0.1:6379`). Ignored when `client` is given.
   */
  url?: string;
  /**
   * Put before every key and channel (default `"mcp:"`), so several applications share one Redis.
   * Two stores see each other's data only with the same prefix; keep no prefix the start of
   * another one.
   */
  prefix?: string;
  /**
   * A node-redis client you made (for TLS, Sentinel-less auth providers or other options): the store
   * uses it for commands, connecting it on first use when it is not open yet, and never closes it;
   * subscriptions run on a `duplicate()` of it that the store owns. Its own `keyPrefix` is not
   * applied (the store's `prefix` is).
   */
  client?: RedisClientLike;
  /** How long the first connection may take before an operation fails (default 5000 ms). */
  connectTimeoutMs?: number;
  /**
   * How long a command waits for its reply before it fails with StoreUnavailableError (default
   * 5000 ms). Commands are never queued while Redis is down: they fail at once.
   */
  commandTimeoutMs?: number;
  /** The longest wait between two reconnection attempts (default 2000 ms); they start at 50 ms. */
  maxReconnectDelayMs?: number;
  /**
   * Where the store reports an outage and the recovery (once each), and a subscriber that threw
   * (default: console.warn). Never called per failed command.
   */
  logger?: (line: string) => void;
}

/** Commands in flight on one connection, at most: past it a command fails at once instead of buffering. */
const MAX_PENDING_COMMANDS = 10_000;

/**
 * A {@link Store} on Redis, so that several fastmcp-ts server instances act as one. It uses the
 * official node-redis client (npm `redis`, an optional peer dependency: `npm install redis`),
 * the client Redis develops and recommends for new projects, with RESP3 and automatic
 * resubscription; ioredis's README itself says it is maintained on a best-effort basis and points
 * new projects to node-redis.
 *
 * It connects on first use (or on {@link RedisStore.connect}); while Redis cannot be reached every
 * operation fails at once with a `StoreUnavailableError` (nothing is queued) and the store
 * reconnects in the background, subscriptions included. Compound operations (the logs, hash writes
 * with their time to live) run as Lua scripts, so each is atomic; `take` is GETDEL (Redis 6.2 or
 * later). Keys and channels are used as given after the prefix: never interpreted as patterns.
 *
 * @example
 * ```ts
 * import { FastMCP } from "fastmcp-ts";
 * import { RedisStore } from "fastmcp-ts/redis";
 *
 * const store = new RedisStore({ url: process.env.REDIS_URL, prefix: "weather:" });
 * await store.connect(); // optional: fail at start-up rather than on the first request
 * const mcp = new FastMCP({ name: "weather", store });
 * await mcp.run({ transport: "http", port: 8000 });
 * ```
 */
export class RedisStore implements Store {
  /** The prefix put before every key and channel. */
  readonly prefix: string;
  private readonly options: RedisStoreOptions;
  private readonly where: string;
  private readonly log: (line: string) => void;
  private readonly fanout: Fanout;
  private setup: Promise<{ commands: Connection; redis: RedisModule; health: Health }> | undefined;
  private subscriber: Connection | undefined;
  private subscriberSetup: Promise<Connection> | undefined;
  private readonly connections: Connection[] = [];
  private closed = false;

  constructor(options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? "mcp:";
    if (typeof prefix !== "string") throw new TypeError("RedisStore: prefix must be a string");
    for (const name of ["connectTimeoutMs", "commandTimeoutMs", "maxReconnectDelayMs"] as const) {
      const value = options[name];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
        throw new TypeError(`RedisStore: ${name} must be a positive number of milliseconds`);
      }
    }
    this.prefix = prefix;
    this.options = options;
    this.where = options.client
      ? "Redis (the given client)"
      : redact(options.url ?? "redis://127.0.0.1:6379");
    this.log = options.logger ?? ((line) => console.warn(line));
    this.fanout = new Fanout(
      () => {
        if (!this.subscriber) throw new FastMCPError("RedisStore: no subscriber connection");
        return this.subscriber;
      },
      (what, error) => this.log(`[fastmcp-ts] RedisStore: ${what}: ${describe(error)}`),
    );
  }

  /**
   * Connects now (otherwise the first operation does). Resolves when Redis answers; rejects with a
   * StoreUnavailableError saying why when it cannot be reached, while the store keeps trying in
   * the background.
   */
  async connect(): Promise<void> {
    const { commands } = await this.commands();
    await commands.connect();
  }

  async get(key: string): Promise<string | undefined> {
    return optional(await this.send(["GET", this.key(key)]));
  }

  async set(key: string, value: string, options: { ttlMs: number; ifAbsent?: boolean }): Promise<boolean> {
    const args = ["SET", this.key(key), text(value), "PX", ttl(options.ttlMs)];
    if (options.ifAbsent) args.push("NX");
    return (await this.send(args)) !== null;
  }

  async delete(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.send(["DEL", ...keys.map((key) => this.key(key))]);
  }

  async take(key: string): Promise<string | undefined> {
    return optional(await this.send(["GETDEL", this.key(key)]));
  }

  async expire(key: string, ttlMs: number): Promise<boolean> {
    return Number(await this.send(["PEXPIRE", this.key(key), ttl(ttlMs)])) === 1;
  }

  async hashGet(key: string, field: string): Promise<string | undefined> {
    return optional(await this.send(["HGET", this.key(key), text(field)]));
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    const { redis } = await this.commands();
    // As a flat array: node-redis's object for a map would drop a field named __proto__.
    const reply = await this.send(["HGETALL", this.key(key)], {
      typeMapping: { [redis.RESP_TYPES.MAP]: Array },
    });
    const flat = (Array.isArray(reply) ? reply : []) as string[];
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), String(flat[i + 1])]);
    return Object.fromEntries(pairs);
  }

  async hashSet(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    await this.run(HASH_SET, this.key(key), [text(field), text(value), ttl(ttlMs)]);
  }

  async hashDelete(key: string, field: string): Promise<void> {
    await this.send(["HDEL", this.key(key), text(field)]);
  }

  async append(key: string, value: string, options: { maxLength: number; ttlMs: number }): Promise<number> {
    const { maxLength } = options;
    if (!(Number.isSafeInteger(maxLength) && maxLength >= 0)) {
      throw new TypeError("RedisStore.append: maxLength must be a non-negative integer");
    }
    return Number(
      await this.run(APPEND, this.key(key), [text(value), String(maxLength), ttl(options.ttlMs)]),
    );
  }

  async readAfter(key: string, afterSeq: number): Promise<LogEntry[] | undefined> {
    if (!Number.isSafeInteger(afterSeq))
      throw new TypeError("RedisStore.readAfter: afterSeq must be an integer");
    const reply = await this.run(READ_AFTER, this.key(key), [String(afterSeq)]);
    if (!Array.isArray(reply)) return undefined;
    return reply.map((value, i) => ({ seq: afterSeq + i + 1, value: String(value) }));
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.send(["PUBLISH", this.key(channel), text(message)]);
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    if (typeof listener !== "function")
      throw new TypeError("RedisStore.subscribe: listener must be a function");
    await this.subscriptions();
    return this.fanout.subscribe(this.key(channel), listener);
  }

  /**
   * Ends the store's connections (idempotent): its own client and its subscriber; a client given in
   * the options stays open. Operations after it reject.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fanout.clear();
    const setup = this.setup?.catch(() => undefined);
    const subscriber = this.subscriberSetup?.catch(() => undefined);
    (await subscriber)?.close();
    (await setup)?.commands.close();
  }

  private key(name: string): string {
    return this.prefix + text(name);
  }

  /** The command connection, made on first use. */
  private commands(): Promise<{ commands: Connection; redis: RedisModule; health: Health }> {
    if (this.closed) return Promise.reject(new FastMCPError("This RedisStore is closed"));
    this.setup ??= (async () => {
      const redis = await loadRedis();
      const health = new Health(this.where, this.log);
      const given = this.options.client;
      const client =
        given ??
        redis.createClient({
          url: this.options.url ?? "redis://127.0.0.1:6379",
          disableOfflineQueue: true,
          commandsQueueMaxLength: MAX_PENDING_COMMANDS,
          socket: {
            connectTimeout: this.options.connectTimeoutMs ?? 5000,
            reconnectStrategy: backoff(this.options.maxReconnectDelayMs ?? 2000),
          },
        });
      const commands = new Connection({
        client,
        owned: given === undefined,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
        commandTimeoutMs: this.options.commandTimeoutMs ?? 5000,
        where: this.where,
        redis,
        health,
        siblings: () => this.connections,
      });
      this.connections.push(commands);
      return { commands, redis, health };
    })();
    // A failed setup (the package missing) is not kept: the next call tries again.
    this.setup.catch(() => {
      this.setup = undefined;
    });
    return this.setup;
  }

  /** The subscriber connection, made on first subscribe. */
  private subscriptions(): Promise<Connection> {
    this.subscriberSetup ??= (async () => {
      const { commands, redis, health } = await this.commands();
      const given = this.options.client;
      const client = given
        ? given.duplicate({ disableOfflineQueue: true, commandsQueueMaxLength: MAX_PENDING_COMMANDS })
        : commands.client.duplicate();
      this.subscriber = new Connection({
        client,
        owned: true,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 5000,
        commandTimeoutMs: this.options.commandTimeoutMs ?? 5000,
        where: this.where,
        redis,
        health,
        onReady: () => this.fanout.reconcile(),
        siblings: () => this.connections,
      });
      this.connections.push(this.subscriber);
      return this.subscriber;
    })();
    this.subscriberSetup.catch(() => {
      this.subscriberSetup = undefined;
    });
    return this.subscriberSetup;
  }

  private async send(args: string[], options?: object): Promise<unknown> {
    const { commands } = await this.commands();
    return commands.send(args, options);
  }

  /** Runs a script by its SHA1, sending its source only when Redis does not have it. */
  private async run(script: Script, key: string, args: string[]): Promise<unknown> {
    const { commands } = await this.commands();
    try {
      return await commands.send(["EVALSHA", script.sha, "1", key, ...args]);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
      return commands.send(["EVAL", script.source, "1", key, ...args]);
    }
  }
}

/** Reconnection delays: 50 ms doubling up to `max`, with jitter so instances do not retry in step. */
function backoff(max: number): (retries: number) => number {
  return (retries) =>
    Math.round(Math.min(max, 50 * 2 ** Math.min(retries, 16)) * (0.75 + Math.random() * 0.25));
}

/** A TTL for PX/PEXPIRE: whole milliseconds, at least 1 (Redis refuses 0). */
function ttl(ms: number): string {
  if (!Number.isFinite(ms))
    throw new TypeError("RedisStore: a time to live must be a finite number of milliseconds");
  return String(Math.max(1, Math.ceil(ms)));
}

/** Keys, fields and values are strings; anything else is a caller's bug, said at once. */
function text(value: string): string {
  if (typeof value !== "string") throw new TypeError(`RedisStore: expected a string, got ${typeof value}`);
  return value;
}

function optional(reply: unknown): string | undefined {
  return reply === null || reply === undefined ? undefined : String(reply);
}
