/**
 * Instances sharing one store act as one server, tested in one process: three FastMCP instances of
 * the same server share a MemoryStore (the reference implementation of the Store contract) and
 * listen on their own ports; clients hop between them as a round-robin load balancer would send
 * them. The same scenarios run across processes on a real redis-server in redis-instances.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, StreamableHttpTransport } from "../../src/client/index.js";
import { type FastMCP, TASKS_EXTENSION } from "../../src/index.js";
import type { ListeningServer } from "../../src/transports/http/app.js";
import { buildScaleOutServer } from "../fixtures/scale-out-tools.js";
import { finishAsk, startAsk } from "../helpers/input-round.js";
import {
  callInSession,
  deleteSession,
  getStream,
  initialize,
  legacyHeaders,
  send,
} from "../helpers/legacy-http.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { modernBody, callTool as modernCall, modernHeaders, post } from "../helpers/modern-http.js";
import { LEGACY, META } from "../helpers/protocol.js";
import { SseReader, sseMessages } from "../helpers/sse.js";
import { deferred, until } from "../helpers/wait.js";

const store = new MemoryStore();
/** Released by the test: the `slow` tool's second half. */
let gate = deferred();
const build = (name: string) => buildScaleOutServer(name, () => gate.promise);

const names = ["A", "B", "C"] as const;
let servers: FastMCP[] = [];
let listening: ListeningServer[] = [];
let urls: string[] = [];

/** A fetch that sends each request to the next instance, as a round-robin load balancer does. */
function roundRobin(start = 0): typeof fetch {
  let next = start;
  return (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const target = new URL(urls[next++ % urls.length] as string);
    url.host = target.host;
    return fetch(url, init);
  };
}

beforeAll(async () => {
  servers = names.map(build);
  listening = await Promise.all(servers.map((server) => server.listen({ port: 0, store })));
  urls = listening.map((server) => server.url);
});

afterAll(async () => {
  await Promise.all(listening.map((server) => server.close()));
  await Promise.all(servers.map((server) => server.close()));
});

describe("legacy sessions on any instance", () => {
  it("initialize on A, calls on B and C, and the session survives A", async () => {
    const sessionId = await initialize(urls[0] as string);
    const onB = await callInSession(urls[1] as string, sessionId, "whoami");
    expect(onB.status).toBe(200);
    expect(onB.body).toContain("B");
    const onC = await callInSession(urls[2] as string, sessionId, "whoami");
    expect(onC.body).toContain("C");
    // A session id is no key to another identity's session, nor made up.
    expect((await callInSession(urls[1] as string, `${sessionId}x`, "whoami")).status).toBe(404);
    // DELETE on C ends it on every instance, replicas included.
    expect((await deleteSession(urls[2] as string, sessionId)).status).toBe(200);
    for (const url of urls) expect((await callInSession(url, sessionId, "whoami")).status).toBe(404);
    expect(store.keys().filter((key) => key.includes(sessionId))).toEqual([]);
  });

  it("our Client hopping between instances in the legacy era, with per-session state", async () => {
    await using client = await Client.connect(
      new StreamableHttpTransport({ url: urls[0] as string, fetch: roundRobin() }),
      { protocolVersion: LEGACY },
    );
    expect(client.era).toBe("legacy");
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) served.add((await client.callTool("whoami", {})).text);
    expect([...served].sort()).toEqual(["A", "B", "C"]);
    await client.callTool("remember", { key: "city", value: "Lyon" });
    const recalled = new Set<string>();
    for (let i = 0; i < 3; i++) recalled.add((await client.callTool("recall", { key: "city" })).text);
    expect([...recalled].sort()).toEqual(["A: Lyon", "B: Lyon", "C: Lyon"]);
  });

  it("a legacy elicitation answered through another instance reaches the tool", async () => {
    await using client = await Client.connect(
      new StreamableHttpTransport({ url: urls[0] as string, fetch: roundRobin(1) }),
      { protocolVersion: LEGACY, elicitation: async () => ({ action: "accept", content: { city: "Oslo" } }) },
    );
    // Whichever instance runs the tool, the answer is POSTed to the next one.
    const results = new Set<string>();
    for (let i = 0; i < 3; i++) results.add((await client.callTool("ask", {})).text);
    expect([...results].sort()).toEqual(["A heard Oslo", "B heard Oslo", "C heard Oslo"]);
  });

  it("a reply stream resumed on another instance while its tool runs: nothing lost or repeated", async () => {
    gate = deferred();
    const sessionId = await initialize(urls[0] as string);
    const controller = new AbortController();
    const response = await fetch(urls[0] as string, {
      method: "POST",
      headers: legacyHeaders(sessionId),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "slow", arguments: {}, _meta: { progressToken: "t7" } },
      }),
      signal: controller.signal,
    });
    const reader = new SseReader(response);
    const first = await reader.next();
    expect(JSON.parse(first?.data ?? "{}").params.message).toBe("A half way");
    controller.abort();
    // Resume on B; the tool is still running on A.
    const resumed = fetch(urls[1] as string, {
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": LEGACY,
        "mcp-session-id": sessionId,
        "last-event-id": first?.id as string,
      },
    });
    const resumedResponse = await resumed;
    expect(resumedResponse.status).toBe(200);
    gate.resolve();
    const rest = sseMessages(await resumedResponse.text());
    expect(rest.map((message) => message.params?.message ?? message.result?.content?.[0]?.text)).toEqual([
      "A done",
      "A finished",
    ]);
    expect(rest.at(-1)?.id).toBe(7);
    // Another session's stream is not resumable from this session.
    const other = await initialize(urls[2] as string);
    expect((await getStream(urls[2] as string, other, first?.id)).status).toBe(404);
  });
});

describe("notifications reach every instance", () => {
  it("a GET stream on A hears list changes and subscribed updates made on B and C", async () => {
    const sessionId = await initialize(urls[0] as string);
    // Subscribed through C, whose replica tells the others.
    const subscribed = await send(urls[2] as string, "POST", legacyHeaders(sessionId), {
      jsonrpc: "2.0",
      id: 3,
      method: "resources/subscribe",
      params: { uri: "data://today" },
    });
    expect(subscribed.status).toBe(200);
    const stream = await fetch(urls[0] as string, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": LEGACY, "mcp-session-id": sessionId },
    });
    const reader = new SseReader(stream);
    await callInSession(urls[1] as string, sessionId, "touch", { uri: "data://today" });
    const updated = await reader.message();
    expect(updated).toMatchObject({
      method: "notifications/resources/updated",
      params: { uri: "data://today" },
    });
    await callInSession(urls[2] as string, sessionId, "grow", { tool: "extra_legacy" });
    expect((await reader.message()).method).toBe("notifications/tools/list_changed");
    await reader.cancel();
  });

  it("a GET stream resumed on another instance: what it missed, then that instance's own stream", async () => {
    const sessionId = await initialize(urls[0] as string);
    const controller = new AbortController();
    const stream = await fetch(urls[0] as string, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": LEGACY, "mcp-session-id": sessionId },
      signal: controller.signal,
    });
    const reader = new SseReader(stream);
    await callInSession(urls[1] as string, sessionId, "grow", { tool: "extra_get_1" });
    const seen = await reader.next();
    expect(JSON.parse(seen?.data ?? "{}").method).toBe("notifications/tools/list_changed");
    controller.abort();
    await until(() => listening[0]?.app.streamable?.session(sessionId)?.getStream === false);
    // Missed while no client was attached: A keeps it for resumption.
    await callInSession(urls[2] as string, sessionId, "grow", { tool: "extra_get_2" });
    const [streamId, seq] = (seen?.id ?? "").split(/\.(?=\d+$)/);
    // The session's streams share one log, each entry naming its stream.
    const part = `${(streamId as string).slice(sessionId.length + 1)} `;
    await until(async () =>
      ((await store.readAfter(`events:${sessionId}`, Number(seq))) ?? []).some((entry) =>
        entry.value.startsWith(part),
      ),
    );
    const resumed = await fetch(urls[1] as string, {
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": LEGACY,
        "mcp-session-id": sessionId,
        "last-event-id": seen?.id as string,
      },
    });
    const resumedReader = new SseReader(resumed);
    expect((await resumedReader.message()).method).toBe("notifications/tools/list_changed");
    // B holds the session's GET stream now: a change made on C reaches it once.
    await callInSession(urls[2] as string, sessionId, "touch", { uri: "data://none" });
    await callInSession(urls[2] as string, sessionId, "grow", { tool: "extra_get_3" });
    expect((await resumedReader.message()).method).toBe("notifications/tools/list_changed");
    await until(() => listening[0]?.app.streamable?.session(sessionId)?.openStreams === 0);
    await resumedReader.cancel();
  });

  it("a 2026-07-28 listen stream on A hears a resource update made on B", async () => {
    const response = await post(
      urls[0] as string,
      modernBody("subscriptions/listen", { notifications: { resourceSubscriptions: ["data://today"] } }),
      modernHeaders("subscriptions/listen"),
    );
    const reader = new SseReader(response);
    expect((await reader.message()).method).toBe("notifications/subscriptions/acknowledged");
    const touched = await modernCall(urls[1] as string, "touch", { uri: "data://today" });
    expect(touched.status).toBe(200);
    const updated = await reader.message();
    expect(updated).toMatchObject({
      method: "notifications/resources/updated",
      params: { uri: "data://today" },
    });
    await reader.cancel();
  });
});

describe("2026-07-28 input rounds on another instance", () => {
  it("an input round started on A completes on B (one requestState key for all)", async () => {
    expect(await finishAsk(urls[1] as string, await startAsk(urls[0] as string), "Rome")).toBe(
      "B heard Rome",
    );
  });
});

describe("tasks on any instance", () => {
  it("a task started on A is read on B and cancelled through C, which stops it on A", async () => {
    const meta = {
      ...META,
      "io.modelcontextprotocol/clientCapabilities": { extensions: { [TASKS_EXTENSION]: {} } },
    };
    const started = await post(
      urls[0] as string,
      modernBody("tools/call", { name: "endless", arguments: {} }, meta),
      modernHeaders("tools/call", "endless"),
    );
    const handle = ((await started.json()) as { result: { resultType: string; taskId: string } }).result;
    expect(handle.resultType).toBe("task");
    const { taskId } = handle;
    expect(servers[0]?.stats().tasks).toBe(1);
    const get = async (url: string) =>
      (
        (await (
          await post(url, modernBody("tasks/get", { taskId }, meta), modernHeaders("tasks/get", taskId))
        ).json()) as {
          result: { status: string };
        }
      ).result;
    expect((await get(urls[1] as string)).status).toBe("working");
    const cancel = await post(
      urls[2] as string,
      modernBody("tasks/cancel", { taskId }, meta),
      modernHeaders("tasks/cancel", taskId),
    );
    expect(cancel.status).toBe(200);
    await until(() => servers[0]?.stats().tasks === 0);
    expect((await get(urls[1] as string)).status).toBe("cancelled");
  });
});

describe("the store unreachable", () => {
  it("a session another instance must load answers 503 while the store is down, and works again after", async () => {
    const sessionId = await initialize(urls[0] as string);
    store.down = true;
    try {
      const refused = await callInSession(urls[1] as string, sessionId, "whoami");
      expect(refused.status).toBe(503);
      expect(refused.body).toContain("store");
      // The instance that holds the session keeps serving it.
      expect((await callInSession(urls[0] as string, sessionId, "whoami")).status).toBe(200);
    } finally {
      store.down = false;
    }
    await until(async () => (await callInSession(urls[1] as string, sessionId, "whoami")).status === 200);
  });
});
