/**
 * What a hostile or broken peer sends to a scaled-out server: made-up Last-Event-IDs and session
 * ids, answers to server requests nobody made, and garbage published on the instances' channel by
 * another program sharing the store. Each gets a clear refusal or is ignored; nothing is looked up
 * in the store for an id this server could not have made; no client receives what the store did
 * not get from an instance; and the instances keep serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastMCP } from "../../src/index.js";
import type { ListeningServer } from "../../src/transports/http/app.js";
import { buildScaleOutServer } from "../fixtures/scale-out-tools.js";
import { callInSession, getStream, initialize, legacyHeaders, send } from "../helpers/legacy-http.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { LEGACY } from "../helpers/protocol.js";
import { parseSse, SseReader } from "../helpers/sse.js";

/** A MemoryStore that counts the reads of session records. */
class CountingStore extends MemoryStore {
  sessionReads = 0;
  override async get(key: string): Promise<string | undefined> {
    if (key.startsWith("session:")) this.sessionReads++;
    return super.get(key);
  }
}

const store = new CountingStore();
let servers: FastMCP[] = [];
let listening: ListeningServer[] = [];
let a = "";
let b = "";

beforeAll(async () => {
  servers = ["A", "B"].map((name) => buildScaleOutServer(name, async () => {}));
  listening = await Promise.all(servers.map((server) => server.listen({ port: 0, store })));
  [a, b] = listening.map((server) => server.url) as [string, string];
});

afterAll(async () => {
  await Promise.all(listening.map((server) => server.close()));
  await Promise.all(servers.map((server) => server.close()));
});

/** An instance's tag (8 characters), read from the id of a reply stream it wrote. */
async function tagOf(url: string): Promise<string> {
  const session = await initialize(url);
  const id = parseSse((await callInSession(url, session, "slow")).body)[0]?.id as string;
  return id.slice(session.length + 1, session.length + 9);
}

/** Both instances still serve a new session made on one and used on the other. */
async function bothServe(): Promise<void> {
  const session = await initialize(a);
  expect((await callInSession(b, session, "whoami")).body).toContain("B");
  expect((await callInSession(a, session, "whoami")).body).toContain("A");
}

describe("a scaled-out server attacked", () => {
  it("refuses made-up Last-Event-IDs, another session's included, on any instance", async () => {
    const mine = await initialize(a);
    const theirs = await initialize(a);
    const theirCall = await callInSession(b, theirs, "slow");
    const theirId = parseSse(theirCall.body)[0]?.id as string;
    expect(theirId).toMatch(new RegExp(`^${theirs}-`));
    const myCall = await callInSession(b, mine, "slow");
    const myId = parseSse(myCall.body)[0]?.id as string;
    const madeUp = [
      "garbage",
      theirId, // another session's real event id
      theirId.replace(theirs, mine).replace(/-([0-9a-z]+)-/, "-$1-x-"), // an extra part
      `${mine}-..-1.0`,
      `${mine}-${"z".repeat(4000)}-1.1`, // a stream the session never had
      `${mine}-zzzzzzzz-g1.1`, // a GET stream the session never had
      `${myId.slice(0, myId.lastIndexOf("."))}.${"9".repeat(30)}`,
      `${myId.slice(0, myId.lastIndexOf("."))}.-1`,
      `${mine}.0`,
    ];
    for (const url of [a, b]) {
      for (const id of madeUp) {
        const reply = await getStream(url, mine, id);
        expect(reply.status, id.slice(0, 80)).toBe(404);
        expect(reply.body).toMatch(/Last-Event-ID/);
      }
    }
    // Its own id still resumes, on the other instance than the one that wrote it.
    const resumed = await getStream(a, mine, myId);
    expect(resumed.status).toBe(200);
    await bothServe();
  });

  it("does not look up session ids it could not have made, and answers them 404", async () => {
    const before = store.sessionReads;
    const ids = [
      "nope",
      "*",
      "session:*",
      "../../etc",
      "0B0E6F9C-2A41-4D3E-9C1D-5F7E8A9B0C1D", // upper case: never made here
      "x".repeat(8000),
    ];
    for (const id of ids) {
      const reply = await callInSession(b, id, "whoami");
      expect(reply.status, id.slice(0, 40)).toBe(404);
    }
    expect(store.sessionReads).toBe(before);
    // A well-formed id nobody made is looked up once, and is 404 too.
    expect((await callInSession(b, crypto.randomUUID(), "whoami")).status).toBe(404);
    expect(store.sessionReads).toBe(before + 1);
  });

  it("takes answers to server requests nobody made as nothing, wherever they claim to go", async () => {
    const session = await initialize(a);
    const tagOfA = await tagOf(a);
    const strays = [
      { jsonrpc: "2.0", id: `${tagOfA}:1`, result: {} },
      { jsonrpc: "2.0", id: "no-tag-here", result: {} },
      { jsonrpc: "2.0", id: ":", error: { code: -1, message: "x" } },
      { jsonrpc: "2.0", id: 12345, result: { action: "accept" } },
      { jsonrpc: "2.0", id: `${"q".repeat(5000)}:1`, result: {} },
    ];
    for (const message of strays) {
      for (const url of [a, b]) {
        const reply = await send(url, "POST", legacyHeaders(session), message);
        expect([202, 400]).toContain(reply.status);
      }
    }
    await bothServe();
  });

  it("ignores garbage on the instances' channel: no client gets a notification the instances did not send", async () => {
    const session = await initialize(a);
    const stream = await fetch(a, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": LEGACY, "mcp-session-id": session },
    });
    const reader = new SseReader(stream);
    await callInSession(b, session, "whoami"); // B has a replica of the session too
    const garbage = [
      "not json",
      "null",
      "[]",
      '"bus"',
      JSON.stringify({ from: "x" }),
      JSON.stringify({ from: "x", kind: "list" }),
      JSON.stringify({ from: "x", kind: "list", method: "notifications/message" }),
      JSON.stringify({ from: "x", kind: "list", method: { toString: 1 } }),
      JSON.stringify({ from: "x", kind: "__proto__" }),
      JSON.stringify({ from: "x", kind: "toString" }),
      JSON.stringify({ from: "x", kind: "updated", uri: 42 }),
      JSON.stringify({ from: "x", kind: "task", task: {} }),
      JSON.stringify({ from: "x", kind: "task", task: null }),
      JSON.stringify({ from: "x", kind: "task-cancel", taskId: "nope" }),
      JSON.stringify({ from: "x", kind: "task-update", taskId: "nope", responses: [] }),
      JSON.stringify({ from: "x", kind: "session", id: session, record: "{not json" }),
      JSON.stringify({ from: "x", kind: "session", id: session, record: JSON.stringify({ owner: 1 }) }),
      JSON.stringify({ from: "x", kind: "get-stream", session: 7 }),
      // A request dressed as an answer: were it run, the tools list would change.
      JSON.stringify({
        from: "x",
        kind: "response",
        session,
        message: {
          jsonrpc: "2.0",
          id: 99,
          method: "tools/call",
          params: { name: "grow", arguments: { tool: "forged" } },
        },
      }),
    ];
    const tags = [await tagOf(a), await tagOf(b)];
    for (const message of garbage) {
      await store.publish("bus", message);
      for (const tag of tags) await store.publish(`bus:${tag}`, message);
    }
    // The first message the GET stream gets is the real change, made on B after the garbage.
    await callInSession(b, session, "grow", { tool: "real_one" });
    expect(await reader.message()).toMatchObject({ method: "notifications/tools/list_changed" });
    await reader.cancel();
    // `grow` adds a tool to the instance it runs on: B has the real one, nobody the forged one.
    const listOf = async (url: string) =>
      (await send(url, "POST", legacyHeaders(session), { jsonrpc: "2.0", id: 5, method: "tools/list" })).body;
    expect(await listOf(b)).toContain("real_one");
    for (const url of [a, b]) expect(await listOf(url)).not.toContain("forged");
    // The session's record was not replaced by the garbage: it still works on both instances.
    expect((await callInSession(b, session, "whoami")).body).toContain("B");
    expect((await callInSession(a, session, "whoami")).body).toContain("A");
    await bothServe();
  });
});
