/**
 * The network client transports when the other side fails: a refused connection, a 5xx, a server
 * that goes away mid-call. Each is a ConnectionError, every pending call rejects, nothing hangs.
 */
import { createServer, type Server } from "node:http";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { afterEach, describe, expect, it } from "vitest";
import { Client, ConnectionError, FastMCP, type ListeningServer } from "../../src/index.js";
import { freePort, listenLocal } from "../helpers/node-host.js";

const servers: (Server | ListeningServer)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if ("app" in server) await server.close();
    else await new Promise((resolve) => server.close(resolve));
  }
});

/** A plain HTTP server answering every request with `status`. */
async function failingServer(status: number): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { "content-type": "text/plain" });
    res.end("upstream exploded");
  });
  const port = await listenLocal(server);
  servers.push(server);
  return `127.0.0.1:${port}`;
}

describe("network client transports: failures", () => {
  it.each(["http://127.0.0.1:PORT/mcp", "http://127.0.0.1:PORT/sse", "ws://127.0.0.1:PORT/ws"])(
    "rejects a refused connection to %s with ConnectionError",
    async (template) => {
      const url = template.replace("PORT", String(await freePort()));
      const error = await Client.connect(url, { probeTimeout: 1000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/127\.0\.0\.1/);
    },
  );

  it.each(["http://HOST/mcp", "http://HOST/sse", "ws://HOST/ws"])(
    "rejects a server answering 500 at %s with ConnectionError naming the status",
    async (template) => {
      const url = template.replace("HOST", await failingServer(500));
      const error = await Client.connect(url, { probeTimeout: 1000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/500/);
    },
  );

  it.each(["http", "sse", "ws"] as const)(
    "rejects an in-flight call with ConnectionError when the %s server goes away",
    async (transport) => {
      const mcp = new FastMCP("mortal");
      let started: () => void = () => {};
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      mcp.tool("hang", () => {
        started();
        return new Promise(() => {});
      });
      const listening = await mcp.listen({ transport, port: 0 });
      servers.push(listening);
      const client = await Client.connect(listening.url);
      try {
        const call = client.callTool("hang").catch((e: unknown) => e);
        await running;
        await listening.close();
        const error = await call;
        expect(error).toBeInstanceOf(ConnectionError);
      } finally {
        await client.close();
      }
    },
  );

  it("turns a 5xx during a legacy session into ConnectionError for that call, and the client stays usable", async () => {
    const mcp = new FastMCP("flaky");
    mcp.tool("add", { inputSchema: { type: "object", properties: { a: { type: "number" } } } }, ({ a }) => a);
    const listening = await mcp.listen({ port: 0 });
    servers.push(listening);
    let fail = false;
    const flaky = createServer((req, res) => {
      if (fail) {
        res.writeHead(502).end("bad gateway");
        return;
      }
      const upstream = new URL(listening.url);
      const proxied = fetch(`${upstream.origin}${req.url}`, {
        method: req.method ?? "GET",
        headers: Object.fromEntries(
          Object.entries(req.headers).filter(([name]) => name !== "host") as [string, string][],
        ),
        ...(req.method === "POST" ? { body: req as unknown as BodyInit, duplex: "half" } : {}),
      } as RequestInit);
      proxied.then(
        (answer) => {
          res.writeHead(answer.status, Object.fromEntries(answer.headers)).flushHeaders();
          // Streamed through, so that the legacy GET stream's headers reach the client.
          if (!answer.body) return void res.end();
          Readable.fromWeb(answer.body as WebReadableStream)
            .on("error", () => res.destroy())
            .pipe(res);
        },
        () => res.writeHead(500).end(),
      );
    });
    const port = await listenLocal(flaky);
    servers.push(flaky);
    const url = `http://127.0.0.1:${port}/mcp`;
    await using client = await Client.connect(url, { protocolVersion: "2025-11-25" });
    expect((await client.callTool("add", { a: 1 })).text).toBe("1");
    fail = true;
    const error = await client.callTool("add", { a: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/502/);
    fail = false;
    expect((await client.callTool("add", { a: 3 })).text).toBe("3");
  });
});
