/**
 * The adapters that keep the OAuth proxy's state and the tasks' state in any Store, against the
 * in-memory reference and RedisStore; and a whole OAuth proxy login across two proxy instances
 * sharing one Redis (authorize on one, callback on the other, tokens from either).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { TaskRecord } from "../../src/server/tasks/task-store.js";
import {
  RedisStore,
  SharedOAuthProxyStore,
  SharedTaskStore,
  type Store,
} from "../../src/stores/redis/index.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { Browser, CLIENT_REDIRECT, consentFields, location, PUBLIC, pkce } from "../helpers/oauth-browser.js";
import { type ProxyRig, startProxyRig } from "../helpers/oauth-proxy-rig.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { until } from "../helpers/wait.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.close());

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

let prefixes = 0;
const BACKENDS = [
  {
    name: "MemoryStore",
    make(): [Store, Store] {
      const store = new MemoryStore();
      return [store, store];
    },
  },
  {
    name: "RedisStore",
    make(): [Store, Store] {
      const prefix = `adapters${++prefixes}:`;
      const a = new RedisStore({ url: redis.url, prefix });
      const b = new RedisStore({ url: redis.url, prefix });
      cleanup.push(
        () => a.close(),
        () => b.close(),
      );
      return [a, b];
    },
  },
];

describe.each(BACKENDS)("SharedOAuthProxyStore on $name", (backend) => {
  it("keeps JSON values under oauth:, handing out copies", async () => {
    const [a, b] = backend.make();
    const one = new SharedOAuthProxyStore(a);
    const two = new SharedOAuthProxyStore(b);
    const grant = { scopes: ["read:user"], nested: { n: 1, text: "ünï\ncode" }, none: null };
    await one.set("grant:g1", grant, 60_000);
    expect(await two.get("grant:g1")).toEqual(grant);
    expect(JSON.parse((await b.get("oauth:grant:g1")) ?? "null")).toEqual(grant);
    const copy = await two.get<typeof grant>("grant:g1");
    copy?.scopes.push("repo");
    expect(await one.get("grant:g1")).toEqual(grant);
    for (const value of [0, "", false, [1, "two"]]) {
      await one.set("client:v", value, 60_000);
      expect(await two.get("client:v")).toEqual(value);
    }
    await two.delete("grant:g1");
    expect(await one.get("grant:g1")).toBeUndefined();
  });

  it("takes a code once: of many concurrent takers on two instances exactly one gets it", async () => {
    const [a, b] = backend.make();
    const one = new SharedOAuthProxyStore(a);
    const two = new SharedOAuthProxyStore(b);
    await one.set("code:c", { grantId: "g" }, 60_000);
    const taken = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).take("code:c")));
    expect(taken.filter((value) => value !== undefined)).toEqual([{ grantId: "g" }]);
  });

  it("lets entries expire after their time to live", async () => {
    const [a] = backend.make();
    const store = new SharedOAuthProxyStore(a);
    await store.set("txn:t", { id: "t" }, 40);
    await until(async () => (await store.get("txn:t")) === undefined, 5000, "the entry to expire");
    await store.set("txn:zero", { id: "z" }, 0);
    await until(async () => (await store.take("txn:zero")) === undefined, 5000, "the entry to expire");
  });

  it("reads a value it did not write (not JSON) as absent", async () => {
    const [a] = backend.make();
    await a.set("oauth:token:x", "{not json", { ttlMs: 60_000 });
    const store = new SharedOAuthProxyStore(a);
    expect(await store.get("token:x")).toBeUndefined();
    expect(await store.take("token:x")).toBeUndefined();
  });
});

function task(taskId: string, extra: Partial<TaskRecord> = {}): TaskRecord {
  const now = new Date().toISOString();
  return {
    taskId,
    status: "working",
    createdAt: now,
    lastUpdatedAt: now,
    ttl: 60_000,
    ...extra,
  } as TaskRecord;
}

describe.each(BACKENDS)("SharedTaskStore on $name", (backend) => {
  it("creates, reads from another instance, updates and deletes task records", async () => {
    const [a, b] = backend.make();
    const one = new SharedTaskStore(a);
    const two = new SharedTaskStore(b);
    const record = task("t1", { owner: "digest-of-alice", expiresAt: Date.now() + 60_000 });
    await one.create(record);
    expect(await two.get("t1")).toEqual(record);
    expect(JSON.parse((await b.get("task:t1")) ?? "null")).toEqual(record);
    const done = { ...record, status: "completed", result: { content: [] } } as TaskRecord;
    await two.update(done);
    expect(await one.get("t1")).toEqual(done);
    await one.delete("t1");
    expect(await two.get("t1")).toBeUndefined();
    expect(await two.get("never-made")).toBeUndefined();
  });

  it("leaves a deleted task deleted when an update comes after", async () => {
    const [a, b] = backend.make();
    const one = new SharedTaskStore(a);
    await one.create(task("t2"));
    await new SharedTaskStore(b).delete("t2");
    await one.update(task("t2", { status: "completed" } as Partial<TaskRecord>));
    expect(await one.get("t2")).toBeUndefined();
  });

  it("expires a record at its expiresAt, and after defaultTtlMs when it has none", async () => {
    const [a] = backend.make();
    const store = new SharedTaskStore(a, { defaultTtlMs: 40 });
    await store.create(task("until", { expiresAt: Date.now() + 40 }));
    await store.create(task("default"));
    await until(async () => (await store.get("until")) === undefined, 5000, "the task to expire");
    await until(async () => (await store.get("default")) === undefined, 5000, "the task to expire");
    await store.create(task("past", { expiresAt: Date.now() - 1000 }));
    await until(async () => (await store.get("past")) === undefined, 5000, "the expired task to go");
  });

  it("reads what is not one of its records (not JSON, another task's id) as absent", async () => {
    const [a] = backend.make();
    const store = new SharedTaskStore(a);
    await a.set("task:garbage", "][", { ttlMs: 60_000 });
    await a.set("task:alias", JSON.stringify(task("someone-else")), { ttlMs: 60_000 });
    await a.set("task:null", "null", { ttlMs: 60_000 });
    expect(await store.get("garbage")).toBeUndefined();
    expect(await store.get("alias")).toBeUndefined();
    expect(await store.get("null")).toBeUndefined();
    expect(() => new SharedTaskStore(a, { defaultTtlMs: 0 })).toThrow(TypeError);
  });
});

describe.each([
  { given: "as OAuthProxy's store", prefix: "proxy:" },
  { given: "as the server's store only", prefix: "server:" },
])("OAuthProxy on one Redis behind two instances, the store given $given", ({ given, prefix }) => {
  let rigs: [ProxyRig, ProxyRig];
  let closeStores: () => Promise<unknown> = async () => {};
  beforeAll(async () => {
    const stores = [
      new RedisStore({ url: redis.url, prefix }),
      new RedisStore({ url: redis.url, prefix }),
    ] as const;
    const byServer = given.includes("server");
    const rigOf = (store: RedisStore, github?: ProxyRig["github"]) =>
      byServer
        ? startProxyRig({}, {}, github ? { github } : {}, store)
        : startProxyRig({ store }, {}, github ? { github } : {});
    const first = await rigOf(stores[0]);
    const second = await rigOf(stores[1], first.github);
    rigs = [first, second];
    closeStores = () => Promise.all(stores.map((store) => store.close()));
  });
  afterAll(async () => {
    await rigs?.[1].close();
    await rigs?.[0].close();
    await closeStores();
  });

  it("authorizes on one instance and finishes the login and the refresh on the other", async () => {
    const [one, two] = rigs;
    const registered = await one.register();
    const { verifier, challenge } = pkce();
    // The browser reaches instance one for /authorize and the consent, instance two for the callback.
    let at = one.origin;
    const browser = new Browser(() => at);
    const page = await browser.go(one.authorizeUrl(registered.client_id, challenge));
    expect(page.status).toBe(200);
    const html = await page.text();
    const approved = await browser.post(`${PUBLIC}/consent`, {
      ...consentFields(html),
      action: "approve",
    });
    expect(approved.status).toBe(302);
    const signedIn = await browser.go(location(approved).href);
    expect(signedIn.status).toBe(302);
    at = two.origin;
    const back = await browser.go(location(signedIn).href);
    expect(back.status).toBe(302);
    const code = location(back).searchParams.get("code") ?? "";
    expect(code).not.toBe("");

    const tokens = await one.tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: registered.client_id,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect(await two.whoami(tokens.body.access_token ?? "")).toBe(200);
    expect(await one.whoami(tokens.body.access_token ?? "")).toBe(200);

    const refreshed = await two.tokenRequest({
      grant_type: "refresh_token",
      refresh_token: tokens.body.refresh_token ?? "",
      client_id: registered.client_id,
    });
    expect(refreshed.status).toBe(200);
    expect(await one.whoami(refreshed.body.access_token ?? "")).toBe(200);

    // The code was used once, on instance one: instance two refuses it, and the replay revokes the
    // grant for every instance.
    const replay = await two.tokenRequest({
      grant_type: "authorization_code",
      code,
      redirect_uri: CLIENT_REDIRECT,
      client_id: registered.client_id,
      code_verifier: verifier,
    });
    expect(replay.status).toBe(400);
    expect(await one.whoami(refreshed.body.access_token ?? "")).toBe(401);
  });
});
