/**
 * One connection of a RedisStore (the command connection, or the subscriber): the node-redis
 * client behind it, connected lazily, failing fast while Redis cannot be reached (no offline
 * queue: a command then rejects at once), reconnecting in the background with capped backoff,
 * and every node-redis 'error' event handled (an unhandled one would end the process).
 */
import { FastMCPError } from "../../errors.js";
import { StoreUnavailableError } from "../store.js";

/** The part of a node-redis client (v5 or v6) that RedisStore uses. */
export interface RedisClientLike {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: readonly string[], options?: object): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<unknown>;
  unsubscribe(channel: string, listener?: (message: string, channel: string) => unknown): Promise<unknown>;
  duplicate(overrides?: object): RedisClientLike;
  on(event: string, listener: (error: Error) => void): unknown;
  off(event: string, listener: (error: Error) => void): unknown;
  destroy(): void;
}

/** What RedisStore needs of the `redis` package, loaded on first use. */
export interface RedisModule {
  createClient(options: object): RedisClientLike;
  RESP_TYPES: { MAP: number };
  ErrorReply: abstract new (...args: never[]) => Error;
}

/** Loads the `redis` package; a clear error when it is not installed. */
export async function loadRedis(): Promise<RedisModule> {
  try {
    return (await import("redis")) as unknown as RedisModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new FastMCPError("RedisStore needs the redis package: npm install redis", { cause: error });
    }
    throw error;
  }
}

/** Replies that say Redis cannot serve right now (loading, a replica, a busy script...), not that the request is wrong. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|OOM)\b/;

/** The shared health of a store's connections: logs an outage and the recovery once each. */
export class Health {
  private down = false;
  constructor(
    private readonly where: string,
    private readonly log: (line: string) => void,
  ) {}

  failed(cause: unknown): void {
    if (this.down) return;
    this.down = true;
    this.log(
      `[fastmcp-ts] RedisStore: ${this.where} is unreachable (${describe(cause)}); reconnecting in the background`,
    );
  }

  recovered(connections: readonly Connection[]): void {
    if (!this.down || connections.some((connection) => connection.started && !connection.ready)) return;
    this.down = false;
    this.log(`[fastmcp-ts] RedisStore: ${this.where} is reachable again`);
  }
}

export interface ConnectionOptions {
  /** The client to use (created by the store, or given by the user). */
  client: RedisClientLike;
  /** Whether the store made this client (then it ends it on close). */
  owned: boolean;
  /** How long the first connection may take before connect() rejects. */
  connectTimeoutMs: number;
  /** How long a command may wait for its reply. */
  commandTimeoutMs: number;
  /** `redis://host:port` without credentials, for messages. */
  where: string;
  redis: RedisModule;
  health: Health;
  /** Called on each (re)connection, after node-redis restored its subscriptions. */
  onReady?: () => void;
  /** Every connection of the store, for the recovery log line. */
  siblings: () => readonly Connection[];
}

export class Connection {
  readonly client: RedisClientLike;
  private readonly options: ConnectionOptions;
  private first: Promise<void> | undefined;
  private lastError: unknown;
  private closed = false;
  private readonly onError = (error: Error) => {
    this.lastError = error;
    this.options.health.failed(error);
  };
  private readonly onReady = () => {
    this.lastError = undefined;
    this.options.onReady?.();
    this.options.health.recovered(this.options.siblings());
  };

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.client = options.client;
    this.client.on("error", this.onError);
    this.client.on("ready", this.onReady);
  }

  /** Whether a connection was asked for (lazily, on first use). */
  get started(): boolean {
    return this.first !== undefined || this.client.isOpen;
  }

  get ready(): boolean {
    return this.client.isReady;
  }

  /**
   * Resolves when the client is ready. The first call opens the connection and waits for its first
   * attempt; later calls reject at once while it is down (nothing waits for Redis to come back).
   */
  async connect(): Promise<RedisClientLike> {
    if (this.closed) throw new FastMCPError("This RedisStore is closed");
    if (this.client.isReady) return this.client;
    if (this.first === undefined && !this.client.isOpen) this.first = this.open();
    if (this.first !== undefined && !this.firstSettled) {
      await this.first;
      return this.client;
    }
    throw this.unavailable(this.lastError ?? new Error("not connected"));
  }

  private firstSettled = false;

  private async open(): Promise<void> {
    let settle!: (error?: unknown) => void;
    const attempt = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    const timer = setTimeout(
      () => settle(new Error(`no answer within ${this.options.connectTimeoutMs} ms`)),
      this.options.connectTimeoutMs,
    );
    const onReady = () => settle();
    // The first failure settles the first attempt; node-redis keeps reconnecting in the background.
    const onError = (error: Error) => settle(error);
    this.client.on("ready", onReady);
    this.client.on("error", onError);
    // Resolves when ready, rejects when closed meanwhile; either way the events above said it first.
    this.client.connect().catch((error: unknown) => settle(error));
    try {
      await attempt;
    } catch (error) {
      throw new StoreUnavailableError(
        `Cannot connect to Redis at ${this.options.where}: ${describe(error)}`,
        {
          cause: error,
        },
      );
    } finally {
      this.firstSettled = true;
      clearTimeout(timer);
      this.client.off("ready", onReady);
      this.client.off("error", onError);
    }
  }

  /** Sends one command; rejects with StoreUnavailableError when Redis is down or does not answer in time. */
  async send(args: readonly string[], options: object = {}): Promise<unknown> {
    const client = await this.connect();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no reply within ${this.options.commandTimeoutMs} ms`)),
        this.options.commandTimeoutMs,
      );
    });
    try {
      return await Promise.race([
        client.sendCommand(args, { timeout: this.options.commandTimeoutMs, ...options }),
        timeout,
      ]);
    } catch (error) {
      throw this.translate(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A Redis error reply stays as it is (a bug to see); anything else means Redis cannot be reached. */
  translate(error: unknown): Error {
    if (error instanceof StoreUnavailableError || error instanceof FastMCPError) return error;
    if (error instanceof this.options.redis.ErrorReply && !UNAVAILABLE_REPLY.test(error.message))
      return error;
    this.options.health.failed(error);
    return this.unavailable(error);
  }

  private unavailable(cause: unknown): StoreUnavailableError {
    return new StoreUnavailableError(`Redis at ${this.options.where} is unavailable: ${describe(cause)}`, {
      cause,
    });
  }

  /** Ends the connection when the store made it (idempotent); a user's client is left open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.off("ready", this.onReady);
    if (this.options.owned) {
      if (this.client.isOpen) this.client.destroy();
      // node-redis may still report the end of the connection: keep a listener so it is never unhandled.
      this.client.on("error", () => {});
    }
    this.client.off("error", this.onError);
  }
}

/** An error's message, one line. */
export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message || error.name : String(error);
  return message.replace(/\s+/g, " ").slice(0, 300);
}

/** The URL without credentials, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "the configured Redis URL";
  }
}
