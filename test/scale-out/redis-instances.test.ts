/**
 * Three server processes sharing a real redis-server act as one server: a client hops between
 * them in the legacy era and keeps working after the instance that made its session is killed;
 * streams, notifications, elicitation, input rounds, tasks and session state cross instances; and
 * Redis stopped and restarted mid-test fails requests clearly, then recovers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, StreamableHttpTransport } from "../../src/client/index.js";
import { RedisStore } from "../../src/stores/redis/index.js";
import { bundledFixture } from "../helpers/bundle.js";
import { ELICITING_META, finishAsk, startAsk } from "../helpers/input-round.js";
import { callInSession, initialize, legacyHeaders, send } from "../helpers/legacy-http.js";
import { modernBody, callTool as modernCall, modernHeaders, post } from "../helpers/modern-http.js";
import { LEGACY } from "../helpers/protocol.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";
import { SseReader, sseMessages } from "../helpers/sse.js";
import { until } from "../helpers/wait.js";

const serverArgs = bundledFixture("scale-out-server.ts");
const PREFIX = "scale:";
let redis: RedisServer;
let control: RedisStore;

interface Instance {
  name: string;
  url: string;
  child: ChildProcess;
}
let instances: Instance[] = [];

async function startInstance(name: string): Promise<Instance> {
  const child = spawn(process.execPath, serverArgs(), {
    env: { ...process.env, SCALE_OUT_REDIS: redis.url, SCALE_OUT_PREFIX: PREFIX, SCALE_OUT_NAME: name },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += String(chunk);
      const line = out.split("\n").find((candidate) => candidate.startsWith("http://"));
      if (line) resolve(line.trim());
    });
    child.once("exit", (code) => reject(new Error(`instance ${name} exited (${code}): ${stderr}`)));
  });
  return { name, url, child };
}

/** Sends each request to the next live instance, as a round-robin load balancer does. */
function roundRobin(start = 0): typeof fetch {
  let next = start;
  return (input, init) => {
    const live = instances.filter((instance) => instance.child.exitCode === null && !instance.child.killed);
    const url = new URL(String(input instanceof Request ? input.url : input));
    url.host = new URL((live[next++ % live.length] as Instance).url).host;
    return fetch(url, init);
  };
}

beforeAll(async () => {
  redis = await startRedisServer();
  control = new RedisStore({ url: redis.url, prefix: PREFIX });
  instances = await Promise.all(["A", "B", "C"].map(startInstance));
});

afterAll(async () => {
  for (const instance of instances) instance.child.kill("SIGKILL");
  await control?.close();
  await redis?.close();
});

const urlOf = (name: string) => (instances.find((instance) => instance.name === name) as Instance).url;

describe("three instances on one Redis", () => {
  it("streams, notifications and elicitation cross instances", async () => {
    // A legacy elicitation whose answer is POSTed to the next instance.
    {
      await using client = await Client.connect(
        new StreamableHttpTransport({ url: urlOf("A"), fetch: roundRobin(1) }),
        {
          protocolVersion: LEGACY,
          elicitation: async () => ({ action: "accept", content: { city: "Oslo" } }),
        },
      );
      const heard = new Set<string>();
      for (let i = 0; i < 3; i++) heard.add((await client.callTool("ask", {})).text);
      expect([...heard].sort()).toEqual(["A heard Oslo", "B heard Oslo", "C heard Oslo"]);
    }

    // A GET stream on A hears an update made on B of a resource subscribed through C.
    const sessionId = await initialize(urlOf("A"));
    const subscribed = await send(urlOf("C"), "POST", legacyHeaders(sessionId), {
      jsonrpc: "2.0",
      id: 3,
      method: "resources/subscribe",
      params: { uri: "data://today" },
    });
    expect(subscribed.status).toBe(200);
    const stream = await fetch(urlOf("A"), {
      headers: { accept: "text/event-stream", "mcp-protocol-version": LEGACY, "mcp-session-id": sessionId },
    });
    const getReader = new SseReader(stream);
    // A 2026-07-28 listen stream on C, likewise.
    const listen = await post(
      urlOf("C"),
      modernBody("subscriptions/listen", { notifications: { resourceSubscriptions: ["data://today"] } }),
      modernHeaders("subscriptions/listen"),
    );
    const listenReader = new SseReader(listen);
    expect((await listenReader.message()).method).toBe("notifications/subscriptions/acknowledged");
    expect((await callInSession(urlOf("B"), sessionId, "touch", { uri: "data://today" })).status).toBe(200);
    expect(await getReader.message()).toMatchObject({
      method: "notifications/resources/updated",
      params: { uri: "data://today" },
    });
    expect(await listenReader.message()).toMatchObject({
      method: "notifications/resources/updated",
      params: { uri: "data://today" },
    });
    await getReader.cancel();
    await listenReader.cancel();

    // A reply stream resumed on B while its tool runs on A: nothing lost or repeated.
    const controller = new AbortController();
    const slow = await fetch(urlOf("A"), {
      method: "POST",
      headers: legacyHeaders(sessionId),
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "slow", arguments: {}, _meta: { progressToken: "s9" } },
      }),
      signal: controller.signal,
    });
    const first = await new SseReader(slow).next();
    expect(JSON.parse(first?.data ?? "{}").params.message).toBe("A half way");
    controller.abort();
    const resumed = await fetch(urlOf("B"), {
      headers: {
        accept: "text/event-stream",
        "mcp-protocol-version": LEGACY,
        "mcp-session-id": sessionId,
        "last-event-id": first?.id as string,
      },
    });
    expect(resumed.status).toBe(200);
    await control.publish("gate", "open");
    const rest = sseMessages(await resumed.text());
    expect(rest.map((message) => message.params?.message ?? message.result?.content?.[0]?.text)).toEqual([
      "A done",
      "A finished",
    ]);
  });

  it("2026-07-28 input rounds and tasks on another instance", async () => {
    const meta = ELICITING_META;
    expect(await finishAsk(urlOf("B"), await startAsk(urlOf("A")), "Rome")).toBe("B heard Rome");

    // A task started on A, read on B and cancelled through C: A stops it.
    const task = await post(
      urlOf("A"),
      modernBody("tools/call", { name: "endless", arguments: {} }, meta),
      modernHeaders("tools/call", "endless"),
    );
    const handle = ((await task.json()) as any).result;
    expect(handle.resultType).toBe("task");
    const taskId = handle.taskId as string;
    const get = async (url: string) => {
      const reply = (await (
        await post(url, modernBody("tasks/get", { taskId }, meta), modernHeaders("tasks/get", taskId))
      ).json()) as any;
      if (!reply.result) throw new Error(`tasks/get: ${JSON.stringify(reply)}`);
      return reply.result;
    };
    const seenOnB = await get(urlOf("B"));
    expect(seenOnB?.status, JSON.stringify(seenOnB)).toBe("working");
    const cancel = await post(
      urlOf("C"),
      modernBody("tasks/cancel", { taskId }, meta),
      modernHeaders("tasks/cancel", taskId),
    );
    expect(cancel.status).toBe(200);
    await until(async () => (await get(urlOf("B"))).status === "cancelled");
  });

  it("a client hops between instances in the legacy era, and keeps its session after A is killed", async () => {
    await using client = await Client.connect(
      new StreamableHttpTransport({ url: urlOf("A"), fetch: roundRobin() }),
      { protocolVersion: LEGACY },
    );
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) served.add((await client.callTool("whoami", {})).text);
    expect([...served].sort()).toEqual(["A", "B", "C"]);
    await client.callTool("remember", { key: "city", value: "Lyon" });
    const a = instances.find((instance) => instance.name === "A") as Instance;
    a.child.kill("SIGKILL");
    await once(a.child, "exit");
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add((await client.callTool("recall", { key: "city" })).text);
    expect([...after].sort()).toEqual(["B: Lyon", "C: Lyon"]);
  });

  it("Redis stopped mid-test: clear errors, no crash; restarted: working again", async () => {
    const sessionId = await initialize(urlOf("B"));
    await redis.stop();
    // A session C has not seen needs the store: refused with 503, the instance alive.
    const refused = await callInSession(urlOf("C"), sessionId, "whoami");
    expect(refused.status).toBe(503);
    expect(refused.body).toMatch(/store/);
    const fresh = await send(urlOf("C"), "POST", legacyHeaders(undefined), {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: LEGACY, capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    expect(fresh.status).toBe(503);
    // 2026-07-28 calls that need no store keep working.
    expect((await modernCall(urlOf("C"), "whoami", {})).status).toBe(200);
    await redis.restart();
    // Redis restarted empty: the old session is gone (404), new ones work across instances again.
    await until(async () => (await callInSession(urlOf("C"), sessionId, "whoami")).status === 404, 10_000);
    // Each instance reconnects on its own schedule: B answers a session made on C once it has.
    const again = await initialize(urlOf("C"));
    await until(async () => (await callInSession(urlOf("B"), again, "whoami")).status !== 503, 10_000);
    expect((await callInSession(urlOf("B"), again, "whoami")).body).toContain("B");
  });
});
