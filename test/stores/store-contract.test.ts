/**
 * The Store contract (src/stores/store.ts), the same cases against the in-memory reference and
 * against RedisStore on a real redis-server. Each case gets two handles on one shared state (the
 * same MemoryStore twice; two RedisStores with one prefix, as two server instances have), so races
 * and messages cross "instances" where Redis is concerned.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../../src/stores/redis/index.js";
import type { Store } from "../../src/stores/store.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { deferred, until } from "../helpers/wait.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.close());

let made: Store[] = [];
afterEach(async () => {
  await Promise.all(made.map((store) => store.close()));
  made = [];
});

let prefixes = 0;
const BACKENDS = [
  {
    name: "MemoryStore",
    pair(): [Store, Store] {
      const store = new MemoryStore();
      made.push(store);
      return [store, store];
    },
  },
  {
    name: "RedisStore",
    pair(): [Store, Store] {
      const prefix = `contract${++prefixes}:`;
      const a = new RedisStore({ url: redis.url, prefix });
      const b = new RedisStore({ url: redis.url, prefix });
      made.push(a, b);
      return [a, b];
    },
  },
];

const LONG = 60_000;
const SHORT = 40;

/** Collects what a subscription receives; `next(n)` waits until n messages arrived. */
function inbox() {
  const messages: string[] = [];
  let waiters: { count: number; done: () => void }[] = [];
  return {
    messages,
    listener(message: string) {
      messages.push(message);
      waiters = waiters.filter((waiter) => {
        if (messages.length < waiter.count) return true;
        waiter.done();
        return false;
      });
    },
    async count(n: number): Promise<string[]> {
      if (messages.length < n) {
        const arrived = deferred();
        waiters.push({ count: n, done: () => arrived.resolve() });
        await until(() => arrived.settled, 5000, `${n} messages (got ${messages.length})`);
      }
      return messages.slice(0, n);
    },
  };
}

describe.each(BACKENDS)("$name keeps the Store contract", (backend) => {
  describe("values", () => {
    it("sets, gets, overwrites and deletes", async () => {
      const [a, b] = backend.pair();
      expect(await a.get("k")).toBeUndefined();
      expect(await a.set("k", "one", { ttlMs: LONG })).toBe(true);
      expect(await b.get("k")).toBe("one");
      expect(await b.set("k", "two", { ttlMs: LONG })).toBe(true);
      expect(await a.get("k")).toBe("two");
      await a.delete("k");
      expect(await b.get("k")).toBeUndefined();
    });

    it("deletes several keys of every kind at once, absent ones included", async () => {
      const [a, b] = backend.pair();
      await a.set("v", "1", { ttlMs: LONG });
      await a.hashSet("h", "f", "1", LONG);
      await a.append("l", "1", { maxLength: 10, ttlMs: LONG });
      await b.delete("v", "h", "l", "never-there");
      expect(await a.get("v")).toBeUndefined();
      expect(await a.hashGetAll("h")).toEqual({});
      expect(await a.readAfter("l", 0)).toBeUndefined();
      await b.delete();
    });

    it("sets ifAbsent only when nothing is there, and again once the value expired", async () => {
      const [a, b] = backend.pair();
      expect(await a.set("k", "first", { ttlMs: SHORT, ifAbsent: true })).toBe(true);
      expect(await b.set("k", "second", { ttlMs: LONG, ifAbsent: true })).toBe(false);
      await until(async () => (await b.get("k")) === undefined, 5000, "the value to expire");
      expect(await b.set("k", "third", { ttlMs: LONG, ifAbsent: true })).toBe(true);
      expect(await a.get("k")).toBe("third");
    });

    it("lets exactly one of many concurrent set-if-absent win", async () => {
      const [a, b] = backend.pair();
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).set("lock", `owner-${i}`, { ttlMs: LONG, ifAbsent: true }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await a.get("lock")).toBe(`owner-${results.indexOf(true)}`);
    });

    it("takes a value once: of many concurrent takers exactly one gets it", async () => {
      const [a, b] = backend.pair();
      expect(await a.take("code")).toBeUndefined();
      await a.set("code", "secret", { ttlMs: LONG });
      const taken = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).take("code")));
      expect(taken.filter((value) => value !== undefined)).toEqual(["secret"]);
      expect(await b.get("code")).toBeUndefined();
    });

    it("expires values after their time to live, and expire() sets a new one", async () => {
      const [a, b] = backend.pair();
      await a.set("short", "x", { ttlMs: SHORT });
      await until(async () => (await b.get("short")) === undefined, 5000, "the value to expire");
      await a.set("long", "x", { ttlMs: LONG });
      expect(await b.expire("long", SHORT)).toBe(true);
      await until(async () => (await a.get("long")) === undefined, 5000, "the value to expire");
      expect(await a.expire("long", LONG)).toBe(false);
      expect(await a.expire("never-there", LONG)).toBe(false);
    });
  });

  describe("hashes", () => {
    it("sets, reads and deletes fields; an absent hash reads as empty", async () => {
      const [a, b] = backend.pair();
      expect(await a.hashGetAll("h")).toEqual({});
      expect(await a.hashGet("h", "f")).toBeUndefined();
      await a.hashSet("h", "f", "1", LONG);
      await b.hashSet("h", "g", "2", LONG);
      await b.hashSet("h", "f", "3", LONG);
      expect(await a.hashGet("h", "f")).toBe("3");
      expect(await a.hashGetAll("h")).toEqual({ f: "3", g: "2" });
      await a.hashDelete("h", "f");
      await a.hashDelete("h", "never-there");
      expect(await b.hashGetAll("h")).toEqual({ g: "2" });
      await b.hashDelete("h", "g");
      expect(await a.hashGetAll("h")).toEqual({});
    });

    it("gives the whole hash the time to live of its last write", async () => {
      const [a, b] = backend.pair();
      await a.hashSet("h", "f", "1", LONG);
      await b.hashSet("h", "g", "2", SHORT);
      await until(async () => Object.keys(await a.hashGetAll("h")).length === 0, 5000, "the hash to expire");
      expect(await a.hashGet("h", "f")).toBeUndefined();
      await a.hashSet("h2", "f", "1", LONG);
      expect(await a.expire("h2", SHORT)).toBe(true);
      await until(async () => (await b.hashGet("h2", "f")) === undefined, 5000, "the hash to expire");
    });

    it("keeps hostile field names as plain data (__proto__, constructor, patterns)", async () => {
      const [a, b] = backend.pair();
      const fields = ["__proto__", "constructor", "*", "a b", "x:y", "", "ключ🔑", "line\nbreak"];
      for (const [i, field] of fields.entries()) await a.hashSet("h", field, `v${i}`, LONG);
      const all = await b.hashGetAll("h");
      expect(Object.keys(all).sort()).toEqual([...fields].sort());
      for (const [i, field] of fields.entries()) {
        expect(Object.getOwnPropertyDescriptor(all, field)?.value).toBe(`v${i}`);
        expect(await b.hashGet("h", field)).toBe(`v${i}`);
      }
      expect(Object.getPrototypeOf(all)).toBe(Object.prototype);
    });
  });

  describe("logs", () => {
    it("appends with consecutive seqs from 1 and reads after any seq", async () => {
      const [a, b] = backend.pair();
      const options = { maxLength: 10, ttlMs: LONG };
      expect(await a.append("log", "one", options)).toBe(1);
      expect(await b.append("log", "two", options)).toBe(2);
      expect(await a.append("log", "three", options)).toBe(3);
      expect(await b.readAfter("log", 0)).toEqual([
        { seq: 1, value: "one" },
        { seq: 2, value: "two" },
        { seq: 3, value: "three" },
      ]);
      expect(await b.readAfter("log", 2)).toEqual([{ seq: 3, value: "three" }]);
      // Caught up: nothing yet, which is not a gap.
      expect(await a.readAfter("log", 3)).toEqual([]);
    });

    it("answers undefined for every gap: no log, a seq past its end, trimmed entries", async () => {
      const [a, b] = backend.pair();
      expect(await a.readAfter("never-written", 0)).toBeUndefined();
      const options = { maxLength: 3, ttlMs: LONG };
      for (const value of ["1", "2", "3", "4", "5"]) await a.append("log", value, options);
      expect(await b.readAfter("log", 6)).toBeUndefined();
      expect(await b.readAfter("log", 0)).toBeUndefined();
      expect(await b.readAfter("log", 1)).toBeUndefined();
      expect(await b.readAfter("log", -1)).toBeUndefined();
      expect(await b.readAfter("log", 2)).toEqual([
        { seq: 3, value: "3" },
        { seq: 4, value: "4" },
        { seq: 5, value: "5" },
      ]);
      expect(await b.readAfter("log", 5)).toEqual([]);
      await b.delete("log");
      expect(await a.readAfter("log", 5)).toBeUndefined();
      expect(await a.append("log", "again", options)).toBe(1);
    });

    it("keeps counting when it keeps no entries (maxLength 0)", async () => {
      const [a, b] = backend.pair();
      const options = { maxLength: 0, ttlMs: LONG };
      expect(await a.append("log", "1", options)).toBe(1);
      expect(await a.append("log", "2", options)).toBe(2);
      expect(await b.readAfter("log", 2)).toEqual([]);
      expect(await b.readAfter("log", 1)).toBeUndefined();
    });

    it("lives ttlMs after its last append, then starts again from seq 1", async () => {
      const [a, b] = backend.pair();
      await a.append("log", "old", { maxLength: 10, ttlMs: SHORT });
      await until(async () => (await b.readAfter("log", 0)) === undefined, 5000, "the log to expire");
      expect(await b.append("log", "new", { maxLength: 10, ttlMs: LONG })).toBe(1);
      expect(await b.expire("log", SHORT)).toBe(true);
      await until(async () => (await a.readAfter("log", 0)) === undefined, 5000, "the log to expire");
    });

    it("gives concurrent appends from two instances distinct consecutive seqs", async () => {
      const [a, b] = backend.pair();
      const options = { maxLength: 100, ttlMs: LONG };
      const seqs = await Promise.all(
        Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).append("log", `m${i}`, options)),
      );
      expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      const entries = await a.readAfter("log", 0);
      expect(entries?.map((entry) => entry.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      // Each seq holds the value its append was given.
      for (const [i, seq] of seqs.entries()) expect(entries?.[seq - 1]?.value).toBe(`m${i}`);
    });
  });

  describe("publish/subscribe", () => {
    it("delivers in publish order, to every subscriber, across instances", async () => {
      const [a, b] = backend.pair();
      const first = inbox();
      const second = inbox();
      await a.subscribe("events", first.listener);
      await b.subscribe("events", second.listener);
      const sent = Array.from({ length: 30 }, (_, i) => `message ${i}`);
      for (const [i, message] of sent.entries()) await (i % 2 ? a : b).publish("events", message);
      expect(await first.count(30)).toEqual(sent);
      expect(await second.count(30)).toEqual(sent);
    });

    it("stops delivering to an unsubscribed listener, and to that listener only", async () => {
      const [a, b] = backend.pair();
      const kept = inbox();
      const dropped = inbox();
      await a.subscribe("events", kept.listener);
      const unsubscribe = await a.subscribe("events", dropped.listener);
      await b.publish("events", "before");
      await dropped.count(1);
      await unsubscribe();
      await unsubscribe();
      await b.publish("events", "after");
      await b.publish("events", "last");
      // Messages arrive in order: once "last" reached the kept listener, "after" was delivered too.
      expect(await kept.count(3)).toEqual(["before", "after", "last"]);
      expect(dropped.messages).toEqual(["before"]);
    });

    it("delivers again after every listener left and one came back", async () => {
      const [a, b] = backend.pair();
      const first = inbox();
      await (await a.subscribe("events", first.listener))();
      const again = inbox();
      await a.subscribe("events", again.listener);
      await b.publish("events", "hello");
      expect(await again.count(1)).toEqual(["hello"]);
      expect(first.messages).toEqual([]);
    });

    it("keeps channels apart, and never reads a channel name as a pattern", async () => {
      const [a, b] = backend.pair();
      const star = inbox();
      const plain = inbox();
      await a.subscribe("news.*", star.listener);
      await a.subscribe("news.x", plain.listener);
      await b.publish("news.x", "to x");
      await b.publish("news.*", "to star");
      expect(await star.count(1)).toEqual(["to star"]);
      expect(await plain.count(1)).toEqual(["to x"]);
      expect(star.messages).toEqual(["to star"]);
    });
  });

  describe("hostile keys and values", () => {
    const KEYS = ["a:b:c", "*", "a*", "[ab]", "?", "key with spaces", "", "ключ🔑", "line\nbreak", "\\*"];

    it("stores every key as itself: no pattern, separator or encoding is interpreted", async () => {
      const [a, b] = backend.pair();
      for (const [i, key] of KEYS.entries()) await a.set(key, `value ${i}`, { ttlMs: LONG });
      for (const [i, key] of KEYS.entries()) expect(await b.get(key)).toBe(`value ${i}`);
      await b.delete("*");
      expect(await a.get("*")).toBeUndefined();
      expect(await a.get("a*")).toBe(`value ${KEYS.indexOf("a*")}`);
      expect(await a.take("[ab]")).toBe(`value ${KEYS.indexOf("[ab]")}`);
      expect(await a.get("a:b:c")).toBe("value 0");
    });

    it("keeps values byte for byte: empty, unicode, newlines, NUL, 1 MiB", async () => {
      const [a, b] = backend.pair();
      const big = `${"x".repeat(1024 * 1024 - 3)}end`;
      const values = [
        "",
        "ünïcødé 🚀 漢字",
        "line1\nline2\r\n\tend",
        "nul\u0000inside",
        '{"json":true}',
        big,
      ];
      for (const [i, value] of values.entries()) {
        await a.set(`v${i}`, value, { ttlMs: LONG });
        await a.hashSet("h", `f${i}`, value, LONG);
        await a.append("log", value, { maxLength: 10, ttlMs: LONG });
      }
      for (const [i, value] of values.entries()) {
        expect(await b.get(`v${i}`)).toBe(value);
        expect(await b.hashGet("h", `f${i}`)).toBe(value);
      }
      expect((await b.readAfter("log", 0))?.map((entry) => entry.value)).toEqual(values);
      const got = inbox();
      await b.subscribe("ch", got.listener);
      for (const value of values) await a.publish("ch", value);
      expect(await got.count(values.length)).toEqual(values);
    });
  });
});

describe("RedisStore prefixes", () => {
  it("keep two stores on one Redis apart: keys, hashes, logs and channels", async () => {
    const one = new RedisStore({ url: redis.url, prefix: "tenant-one:" });
    const two = new RedisStore({ url: redis.url, prefix: "tenant-two:" });
    made.push(one, two);
    await one.set("k", "one", { ttlMs: LONG });
    await one.hashSet("h", "f", "one", LONG);
    await one.append("log", "one", { maxLength: 10, ttlMs: LONG });
    expect(await two.get("k")).toBeUndefined();
    expect(await two.hashGetAll("h")).toEqual({});
    expect(await two.readAfter("log", 0)).toBeUndefined();
    expect(await two.take("k")).toBeUndefined();
    expect(await two.set("k", "two", { ttlMs: LONG, ifAbsent: true })).toBe(true);
    await two.delete("k", "h", "log");
    expect(await one.get("k")).toBe("one");
    expect(await one.hashGet("h", "f")).toBe("one");
    expect(await one.readAfter("log", 0)).toEqual([{ seq: 1, value: "one" }]);

    const heardByTwo = inbox();
    await two.subscribe("events", heardByTwo.listener);
    await one.publish("events", "for tenant one");
    await two.publish("events", "for tenant two");
    expect(await heardByTwo.count(1)).toEqual(["for tenant two"]);
    expect(heardByTwo.messages).toEqual(["for tenant two"]);
  });

  it("default to mcp: and put it before every key", async () => {
    const store = new RedisStore({ url: redis.url });
    const raw = new RedisStore({ url: redis.url, prefix: "" });
    made.push(store, raw);
    expect(store.prefix).toBe("mcp:");
    await store.set("k", "v", { ttlMs: LONG });
    expect(await raw.get("mcp:k")).toBe("v");
    await raw.delete("mcp:k");
  });
});
