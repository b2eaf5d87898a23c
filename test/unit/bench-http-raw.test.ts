/**
 * The bench's raw HTTP/1.1 load client (bench/http-raw.js) against real servers on 127.0.0.1: what
 * it reads is what the server sent, sockets are kept alive and replaced when the server closes
 * them, and anything but a well-formed reply fails the exchange (the bench would otherwise count an
 * error as a call).
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseReply, type RawClient, rawClient, route } from "../../bench/http-raw.js";

const opened: { server: Server; client?: RawClient }[] = [];

afterEach(async () => {
  for (const { server, client } of opened.splice(0)) {
    client?.destroy();
    if ("closeAllConnections" in server)
      (server as ReturnType<typeof createHttpServer>).closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const client = rawClient();
  opened.push({ server, client });
  return { client, url: `http://127.0.0.1:${port}/mcp`, port };
}

/** A node:http server answering with `handler`; counts the connections it accepted. */
async function httpServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void) {
  const server = createHttpServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => handler(req, body, res));
  });
  const connections: Socket[] = [];
  server.on("connection", (socket) => connections.push(socket));
  return { ...(await listen(server)), connections };
}

/** A TCP server that answers the first bytes of a request with `reply` (raw bytes), then closes. */
async function rawServer(reply: string) {
  const server = createNetServer((socket) => {
    socket.once("data", () => socket.end(reply));
    socket.on("error", () => {});
  });
  return listen(server);
}

describe("bench raw HTTP client", () => {
  it("sends the pre-built request and reads a Content-Length reply, on one kept-alive socket", async () => {
    const seen: string[] = [];
    const { client, url, connections } = await httpServer((req, body, res) => {
      seen.push(
        `${req.method} ${req.url} ${req.headers["mcp-protocol-version"]} ${req.headers["content-length"]} ${body}`,
      );
      res.writeHead(200, { "content-type": "application/json", "mcp-session-id": "s-1" });
      res.end(`{"echo":${body},"é":1}`);
    });
    const post = route(
      client,
      url,
      "t",
    )("POST", { "content-type": "application/json", "mcp-protocol-version": "2025-11-25" });
    const first = await post('{"n":1}');
    const second = await post('{"n":"ü"}');
    expect(first).toMatchObject({ status: 200, text: '{"echo":{"n":1},"é":1}', close: false });
    expect(first.headers["mcp-session-id"]).toBe("s-1");
    expect(second.text).toBe('{"echo":{"n":"ü"},"é":1}');
    expect(seen).toEqual(['POST /mcp 2025-11-25 7 {"n":1}', 'POST /mcp 2025-11-25 10 {"n":"ü"}']);
    expect(connections).toHaveLength(1);
  });

  it("reads a chunked body written in several pieces, and a body-less reply", async () => {
    const { client, url } = await httpServer((req, _body, res) => {
      if (req.method === "DELETE") {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write("event: message\n");
      setImmediate(() => {
        res.write('data: {"id":1}\n\n');
        setImmediate(() => res.end());
      });
    });
    const request = route(client, url, "t");
    const reply = await request("POST", { accept: "text/event-stream" })("{}");
    expect(reply.headers["transfer-encoding"]).toBe("chunked");
    expect(reply.text).toBe('event: message\ndata: {"id":1}\n\n');
    expect(await request("DELETE", {})()).toMatchObject({ status: 204, text: "" });
  });

  it("opens a new socket after a reply with Connection: close, and one per exchange in flight", async () => {
    let calls = 0;
    const { client, url, connections } = await httpServer((_req, body, res) => {
      calls++;
      res.writeHead(200, calls === 1 ? { connection: "close" } : {});
      res.end(body);
    });
    const post = route(client, url, "t")("POST", {});
    expect((await post("a")).close).toBe(true);
    expect((await post("b")).text).toBe("b");
    expect(connections).toHaveLength(2);
    const texts = await Promise.all(["c", "d", "e"].map((body) => post(body)));
    expect(texts.map((reply) => reply.text)).toEqual(["c", "d", "e"]);
    expect(connections).toHaveLength(4); // the kept socket, plus two for the other exchanges in flight
  });

  it("fails an exchange whose socket the server closes, and does not use that socket again", async () => {
    let calls = 0;
    const { client, url, connections } = await httpServer((_req, body, res) => {
      calls++;
      if (calls === 2) res.socket?.destroy();
      else res.end(body);
    });
    const post = route(client, url, "row-x")("POST", {});
    expect((await post("a")).text).toBe("a");
    await expect(post("b")).rejects.toThrow(/^row-x: the server closed the connection/);
    expect((await post("c")).text).toBe("c");
    expect(connections).toHaveLength(2);
  });

  it("goes round-robin over a list of URLs", async () => {
    const a = await httpServer((_req, _body, res) => res.end("a"));
    const b = await httpServer((_req, _body, res) => res.end("b"));
    const post = route(a.client, [a.url, b.url], "t")("POST", {});
    const texts = [];
    for (let i = 0; i < 4; i++) texts.push((await post("x")).text);
    expect(texts).toEqual(["a", "b", "a", "b"]);
  });

  it.each([
    ["a status line that is not HTTP/1.x", "HELLO 200 OK\r\n\r\n", /malformed status line/],
    [
      "a header line without a colon",
      "HTTP/1.1 200 OK\r\nbroken\r\ncontent-length: 0\r\n\r\n",
      /malformed header line/,
    ],
    [
      "a bad chunk size",
      "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
      /malformed chunk size/,
    ],
    [
      "bytes past the end of the reply",
      "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n",
      /bytes past the end of the reply/,
    ],
    [
      "a reply cut short by the server",
      "HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n{}",
      /closed the connection/,
    ],
  ])("fails on %s", async (_what, reply, error) => {
    const { client, url } = await rawServer(reply);
    const post = route(client, url, "t")("POST", {});
    await expect(post("{}")).rejects.toThrow(error);
  });

  it("reads a body framed by neither length nor chunks until the server closes", () => {
    const head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{}";
    expect(parseReply(Buffer.from(head), false)).toBeUndefined();
    expect(parseReply(Buffer.from(head), true)).toMatchObject({ status: 200, text: "{}", close: true });
  });
});
