/**
 * The legacy HTTP+SSE transport behind a round-robin load balancer: the stream (`GET /sse`) stays
 * on the instance it reached, and a `POST /messages` reaching another instance is passed on to it
 * through the shared store, for the identity that opened the stream only. Two in-process
 * instances share a MemoryStore.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, SSETransport } from "../../src/client/index.js";
import { BearerAuth, type FastMCP, StaticTokenVerifier } from "../../src/index.js";
import type { ListeningServer } from "../../src/transports/http/app.js";
import { buildScaleOutServer } from "../fixtures/scale-out-tools.js";
import { MemoryStore } from "../helpers/memory-store.js";
import { SseReader } from "../helpers/sse.js";
import { until } from "../helpers/wait.js";

const store = new MemoryStore();
let servers: FastMCP[] = [];
let listening: ListeningServer[] = [];
let sse: [string, string];
let messagesHits: string[] = [];

const auth = () =>
  new StaticTokenVerifier({
    "alice-token": { clientId: "app", subject: "alice", scopes: [] },
    "bob-token": { clientId: "app", subject: "bob", scopes: [] },
  });

beforeAll(async () => {
  servers = ["A", "B"].map((name) => buildScaleOutServer(name, async () => {}, { auth: auth() }));
  listening = await Promise.all(
    servers.map((server) => server.listen({ port: 0, store, transport: ["http", "sse"] })),
  );
  sse = listening.map((server) => server.urls.sse as string) as [string, string];
});

afterAll(async () => {
  await Promise.all(listening.map((server) => server.close()));
  await Promise.all(servers.map((server) => server.close()));
});

/** A fetch that sends the stream to A and the POSTs to B then A then B..., recording where each POST went. */
function balancer(): typeof fetch {
  let next = 1;
  return (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    if ((init?.method ?? "GET") === "POST") {
      const target = new URL(sse[next++ % 2] as string);
      url.host = target.host;
      messagesHits.push(target.host);
    }
    return fetch(url, init);
  };
}

async function connect(token: string): Promise<Client> {
  return Client.connect(new SSETransport({ url: sse[0], fetch: balancer(), auth: new BearerAuth(token) }), {
    elicitation: async () => ({ action: "accept", content: { city: "Lyon" } }),
  });
}

describe("the legacy SSE transport on two instances", () => {
  it("serves a client whose POSTs alternate between instances; answers, elicitation included, travel on the stream", async () => {
    messagesHits = [];
    await using client = await connect("alice-token");
    for (let i = 0; i < 4; i++) expect((await client.callTool("whoami", {})).text).toBe("A");
    // The elicitation's answer is POSTed to the other instance than the tools/call.
    expect((await client.callTool("ask", {})).text).toBe("A heard Lyon");
    const hostB = new URL(sse[1]).host;
    expect(messagesHits.filter((host) => host === hostB).length).toBeGreaterThanOrEqual(3);
  });

  it("refuses another identity's messages for a stream held elsewhere, and a stream that ended", async () => {
    const stream = await fetch(sse[0], {
      headers: { accept: "text/event-stream", authorization: "Bearer alice-token" },
    });
    const reader = new SseReader(stream);
    const endpoint = await readEndpoint(stream, reader);
    const onB = new URL(endpoint, sse[1]);
    const post = (token: string) =>
      fetch(onB, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    expect((await post("bob-token")).status).toBe(404);
    expect((await post("alice-token")).status).toBe(202);
    expect(await reader.message()).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
    await reader.cancel();
    await until(async () => (await post("alice-token")).status === 404);
    expect(store.keys().filter((key) => key.startsWith("sse:"))).toEqual([]);
  });

  it("answers ids it could not have made 404 without asking the store, and 503 while the store is away", async () => {
    const post = (url: string) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer alice-token" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    const messages = new URL("messages", sse[1]);
    store.down = true;
    try {
      for (const id of ["nope", "*", "x".repeat(5000)]) {
        messages.search = `?session_id=${id}`;
        expect((await post(messages.href)).status).toBe(404);
      }
      messages.search = `?session_id=${crypto.randomUUID()}`;
      const down = await post(messages.href);
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("1");
      const opened = await fetch(sse[1], {
        headers: { accept: "text/event-stream", authorization: "Bearer alice-token" },
      });
      expect(opened.status).toBe(503);
    } finally {
      store.down = false;
    }
    await using client = await connect("alice-token");
    expect((await client.callTool("whoami", {})).text).toBe("A");
  });
});

/** The `endpoint` event's data: the first event of a legacy SSE stream. */
async function readEndpoint(_stream: Response, reader: SseReader): Promise<string> {
  const event = await reader.next();
  if (event?.event !== "endpoint")
    throw new Error(`expected the endpoint event, got ${JSON.stringify(event)}`);
  return event.data;
}
