/**
 * Legacy reply streams are stored for resumption; the store must not outlive their session nor
 * grow without bound (issue 8, item 2). Many calls with large SSE-framed replies, then the session
 * ends (DELETE, idle sweep, eviction, server close): the store holds nothing and, in a subprocess,
 * the heap is back near where it started. The store's byte and age bounds evict oldest first, and a
 * resumption that would skip an evicted event gets 404.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { FastMCP, InMemoryEventStore } from "../../src/index.js";
import type { ListenOptions } from "../../src/transports/http/app.js";
import { closeAfterEach, serve } from "../helpers/http-test-server.js";
import { callInSession, deleteSession, getStream, initialize } from "../helpers/legacy-http.js";
import { callTool } from "../helpers/modern-http.js";
import { parseSse } from "../helpers/sse.js";
import { within } from "../helpers/wait.js";

closeAfterEach();

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MiB = 1024 * 1024;

function bigServer(): FastMCP {
  const mcp = new FastMCP({ name: "big-replies" });
  mcp.tool("big", { inputSchema: z.object({ size: z.number() }) }, ({ size }, ctx) => {
    ctx.reportProgress(1, 1);
    return "x".repeat(size);
  });
  return mcp;
}

async function start(store: InMemoryEventStore, options: ListenOptions = {}) {
  const listening = await serve(bigServer(), { eventStore: store, ...options });
  return { listening, url: listening.url };
}

/** A call whose reply is SSE-framed; its event ids (the priming event's first) and result text. */
async function bigCall(url: string, sessionId: string, size: number) {
  const reply = await callInSession(url, sessionId, "big", { size });
  expect(reply.status).toBe(200);
  expect(reply.headers["content-type"]).toBe("text/event-stream");
  const events = parseSse(reply.body);
  const result = events
    .filter((event) => event.data !== "")
    .map((event) => JSON.parse(event.data))
    .find((message) => "result" in message);
  return { ids: events.map((event) => event.id as string), text: result?.result.content[0].text as string };
}

describe("the events of an ended legacy session", () => {
  it("DELETE drops every stored reply, ended streams included", async () => {
    const store = new InMemoryEventStore();
    const { url } = await start(store);
    const id = await initialize(url);
    for (let i = 0; i < 40; i++) expect((await bigCall(url, id, 256 * 1024)).text).toHaveLength(256 * 1024);
    const before = store.stats();
    expect(before.bytes).toBeGreaterThan(40 * 256 * 1024);
    expect(before.streams).toBe(40);
    expect((await deleteSession(url, id)).status).toBe(200);
    expect(store.stats()).toEqual({ streams: 0, events: 0, bytes: 0 });
  });

  it("the idle sweep, eviction by the per-client cap, and server close drop them too", async () => {
    const store = new InMemoryEventStore();
    const { listening, url } = await start(store, { maxSessionsPerClient: 1 });
    const sessions = listening.app.streamable!;

    const swept = await initialize(url);
    await bigCall(url, swept, 10_000);
    expect(store.stats().bytes).toBeGreaterThan(10_000);
    expect(sessions.sweep(Date.now() + 3_600_000)).toBe(1);
    expect(store.stats()).toEqual({ streams: 0, events: 0, bytes: 0 });

    const evicted = await initialize(url);
    await bigCall(url, evicted, 10_000);
    expect(store.stats().streams).toBe(1);
    // The same client's next session evicts its idle one, and that one's events go with it.
    const next = await initialize(url);
    expect(sessions.session(evicted)).toBeUndefined();
    expect(store.stats()).toEqual({ streams: 0, events: 0, bytes: 0 });

    await bigCall(url, next, 10_000);
    expect(store.stats().streams).toBe(1);
    await listening.close();
    expect(store.stats()).toEqual({ streams: 0, events: 0, bytes: 0 });
  });
});

describe("the in-memory event store's bounds", () => {
  it("drops events past their age (injected clock); resuming from before them is 404", async () => {
    let now = 1_000_000;
    const store = new InMemoryEventStore({ maxAgeMs: 60_000, now: () => now });
    const { url } = await start(store);
    const id = await initialize(url);
    const call = await bigCall(url, id, 1000);
    const priming = call.ids[0] as string;
    const resumed = await getStream(url, id, priming);
    expect(resumed.status).toBe(200);
    expect(parseSse(resumed.body).some((event) => event.data.includes("x".repeat(1000)))).toBe(true);

    now += 59_000;
    expect((await getStream(url, id, priming)).status).toBe(200);
    now += 2_000;
    const expired = await getStream(url, id, priming);
    expect(expired.status).toBe(404);
    expect(JSON.parse(expired.body).error.message).toBe("Not Found: unknown or expired Last-Event-ID");
    expect(store.stats()).toMatchObject({ events: 0, bytes: 0 });
  });

  it("keeps at most maxBytesPerStream per stream; a resumption that would skip an evicted event is 404", async () => {
    const store = new InMemoryEventStore({ maxBytesPerStream: 10_000 });
    const { url } = await start(store);
    const id = await initialize(url);
    const small = await bigCall(url, id, 2_000);
    const large = await bigCall(url, id, 20_000);
    expect(large.text).toHaveLength(20_000); // delivered live all the same
    expect(store.stats().bytes).toBeLessThanOrEqual(2 * 10_000);
    // The large result is gone: resuming before it cannot be served.
    expect((await getStream(url, id, large.ids[0] as string)).status).toBe(404);
    // The small reply's stream is whole.
    const resumed = await getStream(url, id, small.ids[0] as string);
    expect(resumed.status).toBe(200);
    expect(resumed.body).toContain("x".repeat(2_000));
  });

  it("keeps at most maxBytes in all, evicting the oldest first", async () => {
    const store = new InMemoryEventStore({ maxBytes: 50_000 });
    const { url } = await start(store);
    const id = await initialize(url);
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(await bigCall(url, id, 20_000));
    expect(store.stats().bytes).toBeLessThanOrEqual(50_000);
    expect(store.stats().bytes).toBeGreaterThan(20_000);
    const oldest = await getStream(url, id, calls[0]!.ids[0] as string);
    expect(oldest.status).toBe(404);
    expect(JSON.parse(oldest.body).error.message).toBe("Not Found: unknown or expired Last-Event-ID");
    const newest = await getStream(url, id, calls[4]!.ids[0] as string);
    expect(newest.status).toBe(200);
    expect(newest.body).toContain("x".repeat(20_000));
  });
});

describe("the issue's scenario in a subprocess (--expose-gc)", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });

  it("100 calls of 1 MiB over SSE-framed replies: the heap stays bounded, and DELETE returns it near baseline", async () => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "test/fixtures/big-reply-server.ts"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(child);
    let output = "";
    const served = new Promise<string>((resolve, reject) => {
      child.stdout?.setEncoding("utf8");
      child.stdout?.on("data", (chunk: string) => {
        output += chunk;
        const match = /serving (\S+)/.exec(output);
        if (match) resolve(match[1] as string);
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once("exit", (code) => reject(new Error(`server exited (${code}): ${output}`)));
    });
    const url = await within(served, 20_000, "the subprocess to serve");
    const heap = async () => {
      const response = await callTool(url, "heap", {});
      return ((await response.json()) as any).result.structuredContent.heapUsed as number;
    };

    const baseline = await heap();
    const id = await initialize(url);
    for (let i = 0; i < 100; i++) {
      const reply = await callInSession(url, id, "big", { size: MiB });
      expect(reply.status).toBe(200);
      expect(reply.body.length).toBeGreaterThan(MiB);
    }
    const open = await heap();
    expect((await deleteSession(url, id)).status).toBe(200);
    const ended = await heap();
    console.log(
      `heap: baseline ${(baseline / MiB).toFixed(1)} MiB, after 100 MiB of replies ${(open / MiB).toFixed(1)} MiB, after DELETE ${(ended / MiB).toFixed(1)} MiB`,
    );
    // While the session lives its replies are kept for resumption, within the store's default
    // 64 MiB total; once it ends they are gone.
    expect(open - baseline).toBeLessThan(64 * MiB + 24 * MiB);
    expect(ended - baseline).toBeLessThan(12 * MiB);
  }, 120_000);
});
