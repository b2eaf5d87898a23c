/**
 * Protocol eras on both sides of a proxy. The upstream is our proxy-upstream fixture, once as a
 * legacy server over stdio (the proxy pinned to 2025-11-25 upstream) and once as a 2026-07-28
 * server in memory; the client in front speaks either era. What the upstream asks (sampling,
 * elicitation, roots), logs and reports reaches the client, and cancelling downstream cancels
 * upstream, in all four pairings.
 *
 * A 2026-07-28 client in front of a legacy upstream is the hard pairing: the client answers with a
 * retry while the upstream tool is still running, waiting for its answer. The proxy keeps that
 * call and resumes it on the retry, so the upstream tool runs once; the raw-wire tests below check
 * that, and that a waiting call cannot be resumed twice, by another request, or after it expired.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { StaticTokenVerifier } from "../../src/auth/server/index.js";
import { type Client, FastMCP, type ListeningServer, StdioTransport } from "../../src/index.js";
import { createProxyUpstream } from "../fixtures/proxy-upstream.js";
import { CLIENT_ERAS, closingClients, LEGACY_CLIENT } from "../helpers/clients.js";
import { modernBody, modernHeaders, post } from "../helpers/modern-http.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { LEGACY } from "../helpers/protocol.js";
import { until, within } from "../helpers/wait.js";

const stdioUpstream = () =>
  new StdioTransport(process.execPath, fixtureArgs("proxy-upstream.ts"), { cwd: ROOT, stderr: "pipe" });

let legacyUpstreamProxy: FastMCP;
let modernUpstreamProxy: FastMCP;
let listening: ListeningServer;

beforeAll(async () => {
  legacyUpstreamProxy = FastMCP.asProxy(stdioUpstream(), {
    name: "legacy-upstream",
    protocolVersion: LEGACY,
  });
  modernUpstreamProxy = FastMCP.asProxy(createProxyUpstream(), { name: "modern-upstream" });
  listening = await legacyUpstreamProxy.listen({ transport: "http", host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await listening?.close();
  await Promise.all([legacyUpstreamProxy?.close(), modernUpstreamProxy?.close()]);
});

const connect = closingClients();

interface Stats {
  ask: number;
  askFailed: number;
  slow: number;
  cancelled: number;
}

async function stats(client: Client): Promise<Stats> {
  return (await client.callTool("stats")).data as Stats;
}

const UPSTREAMS = [
  ["a legacy upstream over stdio", () => listening.url],
  ["a 2026-07-28 upstream in memory", () => modernUpstreamProxy],
] as const;

describe.each(UPSTREAMS)("in front of %s", (upstreamLabel, target) => {
  describe.each(CLIENT_ERAS)("a %s client", (_era, eraOptions) => {
    it("answers the upstream's sampling and elicitation, and the upstream tool runs to its end", async () => {
      const asked: string[] = [];
      const client = await connect(target(), {
        ...eraOptions,
        sampling: () => {
          asked.push("sampling");
          return "42";
        },
        elicitation: (request) => {
          asked.push(`elicitation: ${request.message}`);
          return { action: "accept", data: { name: "Ada" } };
        },
      });
      const before = await stats(client);
      expect((await client.callTool("ask")).text).toBe("sampled 42; name Ada");
      expect(asked).toEqual(["sampling", "elicitation: Your name?"]);
      const after = await stats(client);
      // A legacy upstream runs the tool once, whatever the era in front; a 2026-07-28 one runs it
      // once per round (abandoning the earlier runs, which the fixture counts as failures).
      if (upstreamLabel.startsWith("a legacy")) {
        expect(after.ask - before.ask).toBe(1);
        expect(after.askFailed).toBe(before.askFailed);
      } else {
        expect(after.ask - before.ask).toBe(3);
      }
    });

    it("answers the upstream's roots request", async () => {
      const client = await connect(target(), {
        ...eraOptions,
        roots: [{ uri: "file:///work", name: "work" }],
      });
      expect((await client.callTool("roots")).text).toBe("file:///work");
    });

    it("passes the upstream's logs and progress to the client", async () => {
      const logs: unknown[] = [];
      const progress: unknown[] = [];
      const client = await connect(target(), {
        ...eraOptions,
        onLog: (message) => void logs.push([message.level, message.data]),
      });
      expect((await client.callTool("logs")).text).toBe("logged");
      expect(logs).toEqual([
        ["info", "first log"],
        ["warning", { message: "second log", data: { n: 2 } }],
      ]);
      await client.callTool("progress", {}, { onProgress: (...args) => void progress.push(args) });
      expect(progress).toEqual([
        [1, 3, "step 1"],
        [2, 3, "step 2"],
        [3, 3, "step 3"],
      ]);
    });

    it("tells the client when the upstream's tools change, and lists them afresh", async () => {
      const client = await connect(target(), eraOptions);
      const name = `grown_${Math.random().toString(36).slice(2, 8)}`;
      expect((await client.listTools()).map((tool) => tool.name)).not.toContain(name);
      await using changes = await client.listen({ toolsListChanged: true });
      await client.callTool("grow", { name });
      const next = await within(changes.next(), 10_000, "tools/list_changed");
      expect(next.value?.method).toBe("notifications/tools/list_changed");
      expect((await client.listTools()).map((tool) => tool.name)).toContain(name);
      expect((await client.callTool(name)).text).toBe(`I am ${name}`);
    });

    it("passes on updates of a resource the client subscribed to", async () => {
      const client = await connect(target(), eraOptions);
      // The upstream connection exists before the subscription (it is not made with it).
      expect((await client.callTool("echo", { text: "connected" })).text).toBe("connected");
      await using updates = await client.listen({ resourceSubscriptions: ["data://today"] });
      await client.callTool("touch");
      const next = await within(updates.next(), 10_000, "notifications/resources/updated");
      expect(next.value?.method).toBe("notifications/resources/updated");
      expect(next.value?.params?.uri).toBe("data://today");
    });

    it("cancels the upstream call when the client cancels", async () => {
      const client = await connect(target(), eraOptions);
      const before = await stats(client);
      const controller = new AbortController();
      const slow = client.callTool("slow", {}, { signal: controller.signal });
      slow.catch(() => {});
      await until(async () => (await stats(client)).slow > before.slow, 10_000, "the upstream tool to start");
      controller.abort(new Error("changed my mind"));
      await expect(slow).rejects.toThrow("changed my mind");
      await until(
        async () => (await stats(client)).cancelled > before.cancelled,
        10_000,
        "the upstream tool to be cancelled",
      );
    });
  });
});

/** The proxy as a raw 2026-07-28 client sees it, over HTTP. */
async function rawCall(
  url: string,
  name: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": { sampling: {}, elicitation: {} },
    "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  };
  const response = await post(url, modernBody("tools/call", { name, arguments: {}, ...params }, meta), {
    ...modernHeaders("tools/call", name),
    ...headers,
  });
  return (await response.json()) as {
    result?: {
      resultType?: string;
      inputRequests?: Record<string, { method: string }>;
      requestState?: string;
      content?: { text: string }[];
    };
    error?: { code: number; message: string };
  };
}

const SAMPLED = { role: "assistant", content: { type: "text", text: "7" }, model: "m" };
const ELICITED = { action: "accept", content: { name: "Grace" } };

describe("a 2026-07-28 client in front of a legacy upstream, on the wire", () => {
  it("resumes the waiting upstream call on each retry: the upstream tool runs once", async () => {
    const client = await connect(listening.url);
    const before = await stats(client);
    const first = await rawCall(listening.url, "ask");
    expect(first.result?.resultType).toBe("input_required");
    const [samplingKey, sampling] = Object.entries(first.result?.inputRequests ?? {})[0] ?? [];
    expect(sampling?.method).toBe("sampling/createMessage");
    const second = await rawCall(listening.url, "ask", {
      inputResponses: { [samplingKey as string]: SAMPLED },
      requestState: first.result?.requestState,
    });
    expect(second.result?.resultType).toBe("input_required");
    const [elicitKey, elicit] = Object.entries(second.result?.inputRequests ?? {})[0] ?? [];
    expect(elicit?.method).toBe("elicitation/create");
    const third = await rawCall(listening.url, "ask", {
      inputResponses: { [elicitKey as string]: ELICITED },
      requestState: second.result?.requestState,
    });
    expect(third.result?.content?.[0]?.text).toBe("sampled 7; name Grace");
    const after = await stats(client);
    expect(after.ask - before.ask).toBe(1);

    // Replaying a retry finds nothing waiting: an error, and the upstream is not called again.
    const replay = await rawCall(listening.url, "ask", {
      inputResponses: { [elicitKey as string]: ELICITED },
      requestState: second.result?.requestState,
    });
    expect(replay.error?.message).toMatch(/no longer waiting/);
    expect((await stats(client)).ask).toBe(after.ask);
  });

  it("does not let another request resume a waiting call", async () => {
    const client = await connect(listening.url);
    const first = await rawCall(listening.url, "ask");
    const [key] = Object.keys(first.result?.inputRequests ?? {});
    // The answer sent with another tool's call: refused, and the waiting call is left as it was.
    const stolen = await rawCall(listening.url, "roots", { inputResponses: { [key as string]: SAMPLED } });
    expect(stolen.error?.message).toMatch(/no longer waiting/);
    const resumed = await rawCall(listening.url, "ask", {
      inputResponses: { [key as string]: SAMPLED },
      requestState: first.result?.requestState,
    });
    expect(resumed.result?.resultType).toBe("input_required");
    const [elicitKey, elicit] = Object.entries(resumed.result?.inputRequests ?? {})[0] ?? [];
    expect(elicit?.method).toBe("elicitation/create");
    const done = await rawCall(listening.url, "ask", {
      inputResponses: { [elicitKey as string]: ELICITED },
      requestState: resumed.result?.requestState,
    });
    expect(done.result?.content?.[0]?.text).toBe("sampled 7; name Grace");
    expect((await client.callTool("echo", { text: "still alive" })).text).toBe("still alive");
  });
});

describe("a legacy upstream over Streamable HTTP", () => {
  let upstream: ListeningServer;
  let proxy: FastMCP;
  let front: ListeningServer;

  beforeAll(async () => {
    upstream = await createProxyUpstream().listen({ transport: "http", host: "127.0.0.1", port: 0 });
    proxy = FastMCP.asProxy(upstream.url, {
      name: "bounded",
      protocolVersion: LEGACY,
      pendingInput: { maxCalls: 2, timeoutMs: 1000 },
    });
    front = await proxy.listen({ transport: "http", host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    await front?.close();
    await proxy?.close();
    await upstream?.close();
  });

  it("ties each of several concurrent asks to the call it belongs to (its reply stream)", async () => {
    const clients = await Promise.all(
      ["one", "two", "three"].map((name, i) =>
        connect(front.url, {
          ...(i === 1 ? LEGACY_CLIENT : {}),
          sampling: () => `answer of ${name}`,
          elicitation: () => ({ action: "accept", data: { name } }),
        }),
      ),
    );
    const texts = await Promise.all(clients.map(async (client) => (await client.callTool("ask")).text));
    expect(texts).toEqual([
      "sampled answer of one; name one",
      "sampled answer of two; name two",
      "sampled answer of three; name three",
    ]);
  });

  it("gives each client the logs of its own call when several are in flight", async () => {
    const logs: Record<string, unknown[]> = { one: [], two: [] };
    const [one, two] = await Promise.all(
      (["one", "two"] as const).map((name, i) =>
        connect(front.url, {
          ...(i === 1 ? LEGACY_CLIENT : {}),
          onLog: (message) => void logs[name]?.push(message.data),
        }),
      ),
    );
    await Promise.all([one?.callTool("logs"), two?.callTool("logs"), one?.callTool("logs")]);
    expect(logs.one).toHaveLength(4);
    expect(logs.two).toEqual(["first log", { message: "second log", data: { n: 2 } }]);
  });

  it("lets only the caller who started a waiting call resume it", async () => {
    const guarded = FastMCP.asProxy(upstream.url, {
      name: "guarded",
      protocolVersion: LEGACY,
      server: { auth: new StaticTokenVerifier({ alice: { clientId: "alice" }, bob: { clientId: "bob" } }) },
    });
    const door = await guarded.listen({ transport: "http", host: "127.0.0.1", port: 0 });
    try {
      const as = (token: string) => ({ authorization: `Bearer ${token}` });
      const started = await rawCall(door.url, "ask", {}, as("alice"));
      const [key] = Object.keys(started.result?.inputRequests ?? {});
      expect(key).toMatch(/^proxy-/);
      // Bob answers Alice's question: with her requestState, or without it.
      const withState = await rawCall(
        door.url,
        "ask",
        { inputResponses: { [key as string]: SAMPLED }, requestState: started.result?.requestState },
        as("bob"),
      );
      expect(withState.result?.content).toBeUndefined();
      expect(withState.error).toBeDefined();
      const withoutState = await rawCall(
        door.url,
        "ask",
        { inputResponses: { [key as string]: SAMPLED } },
        as("bob"),
      );
      expect(withoutState.error?.message).toMatch(/no longer waiting/);
      // Alice's own retry still finds her call waiting.
      const resumed = await rawCall(
        door.url,
        "ask",
        { inputResponses: { [key as string]: SAMPLED }, requestState: started.result?.requestState },
        as("alice"),
      );
      expect(Object.values(resumed.result?.inputRequests ?? {})[0]?.method).toBe("elicitation/create");
    } finally {
      await door.close();
      await guarded.close();
    }
  });

  it("cancels the oldest call waiting for a 2026-07-28 retry past maxCalls, and those not retried in time", async () => {
    const client = await connect(front.url);
    const before = await stats(client);
    const first = await rawCall(front.url, "ask");
    const second = await rawCall(front.url, "ask");
    const third = await rawCall(front.url, "ask");
    expect(third.result?.resultType).toBe("input_required");
    // The third waiting call pushed the first out: its upstream call was cancelled.
    await until(
      async () => (await stats(client)).askFailed === before.askFailed + 1,
      10_000,
      "the first call to be cancelled",
    );
    const [firstKey] = Object.keys(first.result?.inputRequests ?? {});
    const late = await rawCall(front.url, "ask", {
      inputResponses: { [firstKey as string]: SAMPLED },
      requestState: first.result?.requestState,
    });
    expect(late.error?.message).toMatch(/no longer waiting/);
    // The others are never answered: they expire after timeoutMs, and their upstream calls end.
    await until(
      async () => (await stats(client)).askFailed === before.askFailed + 3,
      10_000,
      "the other calls to expire",
    );
    const [secondKey] = Object.keys(second.result?.inputRequests ?? {});
    const expired = await rawCall(front.url, "ask", {
      inputResponses: { [secondKey as string]: SAMPLED },
      requestState: second.result?.requestState,
    });
    expect(expired.error?.message).toMatch(/no longer waiting/);
  });
});

describe("an upstream that asks a client which cannot answer", () => {
  it("gets an error, and the client a clear message", async () => {
    // A client without sampling: the upstream's request is refused, with a message saying why,
    // which reaches the client (our upstream's tool lets that McpError through as the answer).
    for (const target of [listening.url, modernUpstreamProxy]) {
      const client = await connect(target, { elicitation: () => ({ action: "decline" }) });
      await expect(client.callTool("ask")).rejects.toThrow(
        /sampling\/createMessage, which the client of the proxy does not support/,
      );
      expect((await client.callTool("echo", { text: "alive" })).text).toBe("alive");
    }
  });

  it("a tool of our own next to the proxied ones still works", async () => {
    const proxy = FastMCP.asProxy(createProxyUpstream(), { name: "mixed" });
    proxy.tool("local", { inputSchema: z.object({ n: z.number() }) }, ({ n }) => n * 2);
    const client = await connect(proxy);
    expect((await client.callTool("local", { n: 21 })).text).toBe("42");
    expect((await client.callTool("echo", { text: "upstream" })).text).toBe("upstream");
    await client.close();
    await proxy.close();
  });
});
