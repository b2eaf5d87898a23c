/**
 * The resumable event log of scaled-out legacy sessions (StoreEventLog): the streams of a session
 * share one log in the store, replays and followers see their own stream only, nothing lost or
 * repeated, and the log lives and dies with its session. On the reference MemoryStore; the same
 * log on Redis is driven end to end by test/scale-out/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastMCP } from "../../src/index.js";
import type { JSONRPCMessage } from "../../src/protocol/types.js";
import { StoreEventLog } from "../../src/stores/event-log.js";
import type { ListeningServer } from "../../src/transports/http/app.js";
import { buildScaleOutServer } from "../fixtures/scale-out-tools.js";
import { callInSession, getStream, initialize } from "../helpers/legacy-http.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { parseSse, sseMessages } from "../helpers/sse.js";

const SESSION = "0b0e6f9c-2a41-4d3e-9c1d-5f7e8a9b0c1d";
const note = (n: number): JSONRPCMessage => ({
  jsonrpc: "2.0",
  method: "notifications/message",
  params: { n },
});

function replay(log: StoreEventLog, lastEventId: string) {
  const seen: { id: string; n: unknown }[] = [];
  return log
    .replayAfter(lastEventId, (id, message) => seen.push({ id, n: (message as any).params?.n }))
    .then((found) => ({ found, seen }));
}

describe("StoreEventLog", () => {
  it("keeps a session's streams in one log; a replay sends its own stream's events after the id, with their ids", async () => {
    const store = new MemoryStore();
    const log = new StoreEventLog(store);
    const a = `${SESSION}-inst1-1`;
    const b = `${SESSION}-inst2-g2`;
    const primeA = await log.append(a, undefined);
    await log.append(a, note(1));
    const primeB = await log.append(b, undefined);
    const twoOnB = await log.append(b, note(2));
    const threeOnA = await log.append(a, note(3));
    expect(store.keys()).toEqual([`events:${SESSION}`]);
    expect(await replay(log, primeA)).toEqual({
      found: a,
      seen: [
        { id: `${a}.2`, n: 1 },
        { id: threeOnA, n: 3 },
      ],
    });
    expect(await replay(log, primeB)).toEqual({ found: b, seen: [{ id: twoOnB, n: 2 }] });
    expect(await replay(log, twoOnB)).toEqual({ found: b, seen: [] });
  });

  it("refuses event ids it never issued, without touching another session's log", async () => {
    const store = new MemoryStore();
    const log = new StoreEventLog(store);
    const real = await log.append(`${SESSION}-inst1-1`, note(1));
    await log.append(`${SESSION}-inst1-1`, note(2));
    const madeUp = [
      `${SESSION}-inst9-1.1`, // a stream the session's log never held: followed, it would never end
      `${SESSION}-inst1-2.1`, // the seq of another stream's event
      real.replace(/\.1$/, ".0"),
      "",
      "x",
      ".",
      `${SESSION}.1`, // no instance part
      `${SESSION}-inst1-1`, // no seq
      `${SESSION}-inst1-1.-1`,
      `${SESSION}-inst1-1.1e3`,
      `${SESSION}-inst1-1.99999999999999999999`,
      `${SESSION}-inst1-1.5`, // past the end of the log
      `other-inst1-1.0`,
      `${SESSION}-x-inst1-1.0`, // reads as session "<SESSION>-x", which has no log
    ];
    for (const id of madeUp) expect((await replay(log, id)).found, id).toBeUndefined();
    for (const id of madeUp)
      expect(
        await log.follow(
          id,
          () => {},
          () => {},
        ),
        id,
      ).toBeUndefined();
    await expect(log.append("no-dashes", note(1))).rejects.toThrow(/stream id/);
  });

  it("refuses a resumption from before what the log still holds, rather than skip events", async () => {
    const store = new MemoryStore();
    const log = new StoreEventLog(store, { maxEventsPerSession: 3 });
    const stream = `${SESSION}-inst1-1`;
    const first = await log.append(stream, note(1));
    const second = await log.append(stream, note(2));
    await log.append(stream, note(3));
    await log.append(stream, note(4));
    expect((await replay(log, first)).found).toBeUndefined();
    expect((await replay(log, second)).seen.map((event) => event.n)).toEqual([3, 4]);
  });

  it("follows a stream another instance writes: its events in order, none of the session's other streams, until its end", async () => {
    const store = new MemoryStore();
    const writer = new StoreEventLog(store);
    const reader = new StoreEventLog(store);
    const mine = `${SESSION}-inst1-1`;
    const other = `${SESSION}-inst1-2`;
    const prime = await writer.append(mine, undefined);
    await writer.append(mine, note(1));
    const got: { id: string; n: unknown }[] = [];
    let ended = false;
    const followed = await reader.follow(
      prime,
      (event) => got.push({ id: event.id, n: (event.message as any).params.n }),
      () => {
        ended = true;
      },
    );
    expect(followed?.streamId).toBe(mine);
    await writer.append(other, note(99));
    const two = await writer.append(mine, note(2));
    await writer.end(other);
    expect(ended).toBe(false);
    await writer.end(mine);
    expect(got).toEqual([
      { id: `${mine}.2`, n: 1 },
      { id: two, n: 2 },
    ]);
    expect(ended).toBe(true);
  });

  it("lives ttlMs after its last write, and dropSession removes it at once", async () => {
    let now = 1_000;
    const store = new MemoryStore({ now: () => now });
    const log = new StoreEventLog(store, { ttlMs: 500 });
    const prime = await log.append(`${SESSION}-inst1-1`, undefined);
    now += 400;
    await log.append(`${SESSION}-inst1-2`, note(1));
    now += 400;
    expect((await replay(log, prime)).found).toBe(`${SESSION}-inst1-1`);
    now += 101;
    expect((await replay(log, prime)).found).toBeUndefined();
    await log.append(`${SESSION}-inst1-3`, note(2));
    log.dropSession(SESSION);
    await Promise.resolve();
    expect(store.keys()).toEqual([]);
  });
});

describe("scaled-out streams of a replica made again on the same instance", () => {
  const store = new MemoryStore();
  let servers: FastMCP[] = [];
  let listening: ListeningServer[] = [];
  beforeAll(async () => {
    servers = ["A", "B"].map((name) => buildScaleOutServer(name, async () => {}));
    // B holds one replica at a time: a second session evicts the first one's replica.
    listening = [
      await (servers[0] as FastMCP).listen({ port: 0, store }),
      await (servers[1] as FastMCP).listen({ port: 0, store, maxSessionsPerClient: 1 }),
    ];
  });
  afterAll(async () => {
    await Promise.all(listening.map((server) => server.close()));
    await Promise.all(servers.map((server) => server.close()));
  });

  it("get new stream ids, so an old Last-Event-ID still resumes the old stream", async () => {
    const [a, b] = listening.map((server) => server.url) as [string, string];
    const first = await initialize(a);
    const before = await callInSession(b, first, "slow");
    const second = await initialize(a);
    expect((await callInSession(b, second, "whoami")).status).toBe(200); // evicts first's replica on B
    const after = await callInSession(b, first, "slow");
    const idsBefore = parseSse(before.body).flatMap((event) => event.id ?? []);
    const idsAfter = parseSse(after.body).flatMap((event) => event.id ?? []);
    const streamOf = (id: string) => id.slice(0, id.lastIndexOf("."));
    expect(idsBefore.length).toBeGreaterThan(1);
    expect(streamOf(idsAfter[0] as string)).not.toBe(streamOf(idsBefore[0] as string));
    // Resuming the first call's stream from its priming event replays that call, not the later one.
    const resumed = await getStream(a, first, idsBefore[0]);
    expect(resumed.status).toBe(200);
    expect(sseMessages(resumed.body)).toEqual(sseMessages(before.body));
  });
});
