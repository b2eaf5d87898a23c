/**
 * RedisStore beyond the contract: outages (Redis killed and restarted mid-test), a port where
 * nothing listens, peers that are not Redis, a closed store, a client given by the user, one
 * subscriber connection shared by every channel, and credentials kept out of messages.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { promisify } from "node:util";
import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisStore, StoreUnavailableError } from "../../src/stores/redis/index.js";
import { ROOT } from "../helpers/paths.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { deferred, until, within } from "../helpers/wait.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.close());

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

function store(options: ConstructorParameters<typeof RedisStore>[0] = {}): RedisStore & { lines: string[] } {
  const lines: string[] = [];
  const made = Object.assign(
    new RedisStore({ url: redis.url, logger: (line) => lines.push(line), ...options }),
    {
      lines,
    },
  );
  cleanup.push(() => made.close());
  return made;
}

/** A raw node-redis client on the test server, to look at what the store left there. */
async function inspector() {
  const client = createClient({ url: redis.url });
  client.on("error", () => {});
  await client.connect();
  cleanup.push(() => client.close());
  return client;
}

/** A TCP server on 127.0.0.1 port 0 that does `onConnection` with each socket. */
async function tcpServer(onConnection: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanup.push(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { server, port: (server.address() as { port: number }).port };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

describe("RedisStore outages", () => {
  it("fails fast while Redis is down, buffers nothing, logs once, and recovers with its subscriptions", async () => {
    const s = store({ prefix: "outage:", maxReconnectDelayMs: 100, commandTimeoutMs: 2000 });
    const received: string[] = [];
    const arrived = { before: deferred(), after: deferred() };
    await s.subscribe("events", (message) => {
      received.push(message);
      if (message === "before") arrived.before.resolve();
      if (message === "after") arrived.after.resolve();
    });
    await s.set("k", "v", { ttlMs: 60_000 });
    await s.publish("events", "before");
    await within(arrived.before.promise, 5000, "the message before the outage");

    await redis.stop();
    const started = Date.now();
    const operations: [string, () => Promise<unknown>][] = [
      ["get", () => s.get("k")],
      ["set", () => s.set("k", "v", { ttlMs: 1000 })],
      ["take", () => s.take("k")],
      ["delete", () => s.delete("k")],
      ["expire", () => s.expire("k", 1000)],
      ["hashGet", () => s.hashGet("h", "f")],
      ["hashGetAll", () => s.hashGetAll("h")],
      ["hashSet", () => s.hashSet("h", "f", "v", 1000)],
      ["hashDelete", () => s.hashDelete("h", "f")],
      ["append", () => s.append("log", "v", { maxLength: 10, ttlMs: 1000 })],
      ["readAfter", () => s.readAfter("log", 0)],
      ["publish", () => s.publish("events", "lost")],
      ["subscribe", () => s.subscribe("other", () => {})],
    ];
    for (const [name, operation] of operations) {
      const error = await within(
        operation().then(
          () => new Error(`${name} succeeded while Redis was down`),
          (e: unknown) => e,
        ),
        3000,
        `${name} to fail`,
      );
      expect(error, name).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message, name).toContain(redis.url);
    }
    // A burst of requests while down: every one rejects at once, none is kept for later.
    const burst = await within(
      Promise.allSettled(Array.from({ length: 1000 }, (_, i) => s.get(`k${i}`))),
      3000,
      "1000 gets to fail",
    );
    expect(burst.every((result) => result.status === "rejected")).toBe(true);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(s.lines.filter((line) => /unreachable/.test(line))).toHaveLength(1);

    await redis.restart();
    await until(
      () =>
        s.get("k").then(
          () => true,
          () => false,
        ),
      10_000,
      "the store to reconnect",
    );
    expect(await s.set("k", "back", { ttlMs: 60_000 })).toBe(true);
    expect(await s.get("k")).toBe("back");
    // The subscription is restored on the server (node-redis subscribes again on reconnect)...
    const raw = await inspector();
    await until(
      async () => {
        const reply = (await raw.sendCommand(["PUBSUB", "NUMSUB", "outage:events"])) as unknown[];
        return Number(reply[1]) === 1;
      },
      10_000,
      "the subscription to be restored",
    );
    // ...and the listener gets messages again.
    await s.publish("events", "after");
    await within(arrived.after.promise, 5000, "the message after the outage");
    expect(received).toEqual(["before", "after"]);
    await until(() => s.lines.some((line) => /reachable again/.test(line)), 5000, "the recovery line");
    expect(s.lines).toHaveLength(2);
  });

  it("fails clearly where nothing listens, naming the address but never the password", async () => {
    const port = await deadPort();
    const s = store({ url: `redis://admin:hunter2@127.0.0.1:${port}`, connectTimeoutMs: 2000 });
    const error = await within(
      s.connect().catch((e: unknown) => e),
      4000,
      "connect to fail",
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`Cannot connect to Redis at redis://127\\.0\\.0\\.1:${port}`),
    );
    expect((error as Error).message).toContain("ECONNREFUSED");
    expect((error as Error).message).not.toContain("hunter2");
    await expect(within(s.get("k"), 3000, "get")).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(s.lines.join("\n")).not.toContain("hunter2");
    expect(s.lines.filter((line) => /unreachable/.test(line))).toHaveLength(1);
  });

  it("fails clearly, without crashing, against a server that answers garbage", async () => {
    const { port } = await tcpServer((socket) => {
      socket.on("data", () => socket.write("HTTP/1.1 400 Bad Request\r\n\r\n\u0000\u00ff garbage ]]]"));
    });
    const s = store({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 3000, maxReconnectDelayMs: 200 });
    const error = await within(
      s.connect().catch((e: unknown) => e),
      6000,
      "connect to fail",
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+: /);
    await expect(within(s.set("k", "v", { ttlMs: 1000 }), 4000, "set")).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });

  it("gives up the first connection after connectTimeoutMs against a server that never answers", async () => {
    const { port } = await tcpServer(() => {});
    const s = store({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 });
    const error = await within(
      s.connect().catch((e: unknown) => e),
      4000,
      "connect to fail",
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain("Cannot connect to Redis");
  });

  it("bounds a command that gets no reply by commandTimeoutMs", async () => {
    const s = store({ prefix: "frozen:", commandTimeoutMs: 300 });
    await s.connect();
    const raw = await inspector();
    // CLIENT PAUSE holds every write command of every client (ours included) for 3 s.
    await raw.sendCommand(["CLIENT", "PAUSE", "3000", "WRITE"]);
    try {
      const started = Date.now();
      const error = await s.set("k", "v", { ttlMs: 1000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message).toContain("no reply within 300 ms");
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await raw.sendCommand(["CLIENT", "UNPAUSE"]);
    }
    // The late reply is dropped; the connection serves the next command.
    expect(await s.set("k", "v2", { ttlMs: 1000 })).toBe(true);
  });
});

describe("RedisStore lifecycle", () => {
  it("rejects every use once closed; close is idempotent", async () => {
    const s = store({ prefix: "closed:" });
    await s.set("k", "v", { ttlMs: 1000 });
    await s.subscribe("c", () => {});
    await s.close();
    await s.close();
    await expect(s.get("k")).rejects.toThrow(/closed/);
    await expect(s.subscribe("c", () => {})).rejects.toThrow(/closed/);
    await expect(s.connect()).rejects.toThrow(/closed/);
    expect(s.lines).toEqual([]);
  });

  it("closes a store that never connected, and one whose Redis is unreachable", async () => {
    await store().close();
    const s = store({ url: `redis://127.0.0.1:${await deadPort()}`, connectTimeoutMs: 1000 });
    await expect(s.connect()).rejects.toBeInstanceOf(StoreUnavailableError);
    await within(s.close(), 2000, "close");
  });

  it("runs every channel on one subscriber connection, each channel subscribed once", async () => {
    const raw = await inspector();
    const subscribers = async () =>
      String(await raw.sendCommand(["CLIENT", "LIST"]))
        .split("\n")
        .filter((line) => / sub=[1-9]/.test(line)).length;
    await until(async () => (await subscribers()) === 0, 5000, "no subscriber left by earlier tests");
    const s = store({ prefix: "shared:" });
    for (const channel of ["a", "b", "c"]) {
      await s.subscribe(channel, () => {});
      await s.subscribe(channel, () => {});
    }
    expect(await subscribers()).toBe(1);
    const numsub = (await raw.sendCommand([
      "PUBSUB",
      "NUMSUB",
      "shared:a",
      "shared:b",
      "shared:c",
    ])) as unknown[];
    expect(numsub.map(String)).toEqual(["shared:a", "1", "shared:b", "1", "shared:c", "1"]);
  });

  it("unsubscribes from Redis when the last listener of a channel leaves", async () => {
    const raw = await inspector();
    const s = store({ prefix: "leave:" });
    const one = await s.subscribe("a", () => {});
    const two = await s.subscribe("a", () => {});
    const numsub = async () =>
      Number(((await raw.sendCommand(["PUBSUB", "NUMSUB", "leave:a"])) as unknown[])[1]);
    await one();
    expect(await numsub()).toBe(1);
    await two();
    expect(await numsub()).toBe(0);
  });

  it("keeps delivering to the other listeners when one throws, and reports it", async () => {
    const s = store({ prefix: "throws:" });
    const got = deferred<string>();
    await s.subscribe("c", () => {
      throw new Error("listener bug");
    });
    await s.subscribe("c", (message) => got.resolve(message));
    await s.publish("c", "hello");
    expect(await within(got.promise, 5000, "the message")).toBe("hello");
    await until(() => s.lines.some((line) => line.includes("listener bug")), 5000, "the report");
  });

  it("uses a client given by the user and leaves it open on close", async () => {
    const client = createClient({ url: redis.url });
    client.on("error", () => {});
    cleanup.push(async () => {
      if (client.isOpen) await client.close();
    });
    const s = store({ client, prefix: "given:" });
    const got = deferred<string>();
    await s.subscribe("c", (message) => got.resolve(message));
    await s.set("k", "v", { ttlMs: 60_000 });
    expect(await client.get("given:k")).toBe("v");
    await s.publish("c", "hi");
    expect(await within(got.promise, 5000, "the message")).toBe("hi");
    await s.close();
    expect(client.isOpen).toBe(true);
    expect(await client.ping()).toBe("PONG");
  });

  it("refuses bad options at construction", () => {
    expect(() => new RedisStore({ prefix: 42 as unknown as string })).toThrow(TypeError);
    expect(() => new RedisStore({ commandTimeoutMs: -1 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisStore({ connectTimeoutMs: Number.NaN })).toThrow(/connectTimeoutMs/);
  });

  it("refuses values that are not strings and TTLs that are not numbers, sending nothing", async () => {
    const s = store({ prefix: "types:" });
    await expect(s.set("k", 42 as unknown as string, { ttlMs: 1000 })).rejects.toThrow(TypeError);
    await expect(s.set("k", "v", { ttlMs: Number.NaN })).rejects.toThrow(TypeError);
    await expect(s.readAfter("log", 1.5)).rejects.toThrow(TypeError);
    await expect(s.append("log", "v", { maxLength: -1, ttlMs: 1000 })).rejects.toThrow(TypeError);
    expect(await s.get("k")).toBeUndefined();
  });
});

describe("RedisStore without the redis package", () => {
  it("says to npm install redis", async () => {
    // A Node process where the package `redis` cannot be resolved, as in a project that lacks it.
    const hook = `data:text/javascript,${encodeURIComponent(
      `export async function resolve(specifier, context, next) {
        if (specifier === "redis") throw Object.assign(new Error("Cannot find package 'redis'"), { code: "ERR_MODULE_NOT_FOUND" });
        return next(specifier, context);
      }`,
    )}`;
    const script = `
      import { register } from "node:module";
      register(${JSON.stringify(hook)});
      const { RedisStore } = await import(${JSON.stringify(`${ROOT}src/stores/redis/index.ts`)});
      const store = new RedisStore();
      await store.get("k").then(() => console.log("resolved"), (error) => console.log(error.message));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: ROOT, timeout: 30_000 },
    );
    expect(stdout.trim()).toBe("RedisStore needs the redis package: npm install redis");
  });
});
