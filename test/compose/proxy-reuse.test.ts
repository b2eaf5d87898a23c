/**
 * Upstream connections of a proxy are kept: a stdio upstream is spawned on first use, once, for
 * every client and call; when it dies (mid-call: a clear error, the proxy alive) the next call
 * spawns it again. Forwarded headers are an allow-list, and each distinct set of their values gets
 * a connection of its own, so callers never share an authenticated upstream session.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FastMCP, type ListeningServer, StdioTransport, StreamableHttpTransport } from "../../src/index.js";
import { createProxyUpstream } from "../fixtures/proxy-upstream.js";
import { closingClients, LEGACY_CLIENT } from "../helpers/clients.js";
import { fixtureArgs, ROOT } from "../helpers/paths.js";
import { isAlive } from "../helpers/processes.js";
import { LEGACY } from "../helpers/protocol.js";
import { until } from "../helpers/wait.js";

const spawnLog = join(tmpdir(), `fastmcp-proxy-reuse-${process.pid}-${Date.now()}.log`);
const spawns = () =>
  existsSync(spawnLog) ? readFileSync(spawnLog, "utf8").trim().split("\n").filter(Boolean) : [];

let proxy: FastMCP;
let listening: ListeningServer;

beforeAll(async () => {
  const upstream = new StdioTransport(process.execPath, fixtureArgs("proxy-upstream.ts"), {
    cwd: ROOT,
    env: { SPAWN_LOG: spawnLog },
    stderr: "pipe",
  });
  proxy = FastMCP.asProxy(upstream, { name: "reused" });
  listening = await proxy.listen({ transport: "http", host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await listening?.close();
  await proxy?.close();
  rmSync(spawnLog, { force: true });
});

const connect = closingClients();

describe("a stdio upstream", () => {
  it("is not started until the proxy is used", () => {
    expect(spawns()).toEqual([]);
  });

  it("is spawned once for many clients of both eras and many calls in flight", async () => {
    const clients = await Promise.all([
      connect(listening.url),
      connect(listening.url, LEGACY_CLIENT),
      connect(listening.url),
    ]);
    const texts = await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: 10 }, (_, i) => client.callTool("echo", { text: `${c}-${i}` })),
      ),
    );
    expect(texts.map((result) => result.text)).toContain("2-9");
    expect(spawns()).toHaveLength(1);
  });

  it("dying mid-call fails that call clearly, and the next call spawns it again", async () => {
    const client = await connect(listening.url);
    const firstPid = Number((await client.callTool("pid")).text);
    const error = await client.callTool("die").then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/reused/);
    expect(error?.message).toMatch(/exited with code 3|closed|lost/i);
    await until(() => !isAlive(firstPid), 5000, "the upstream to exit");
    // The proxy is alive; the next call gets a new upstream process.
    expect((await client.callTool("echo", { text: "again" })).text).toBe("again");
    const secondPid = Number((await client.callTool("pid")).text);
    expect(secondPid).not.toBe(firstPid);
    expect(spawns()).toEqual([String(firstPid), String(secondPid)]);
  });
});

describe("forwarded headers", () => {
  let upstream: ListeningServer;
  let forwarding: FastMCP;
  let front: ListeningServer;

  beforeAll(async () => {
    upstream = await createProxyUpstream().listen({ transport: "http", host: "127.0.0.1", port: 0 });
    // Pinned to a legacy session upstream: each upstream connection shows as its own session id.
    forwarding = FastMCP.asProxy(upstream.url, {
      name: "forwarding",
      protocolVersion: LEGACY,
      forwardHeaders: ["X-Tenant", "authorization"],
    });
    front = await forwarding.listen({ transport: "http", host: "127.0.0.1", port: 0 });
  });

  afterAll(async () => {
    await front?.close();
    await forwarding?.close();
    await upstream?.close();
  });

  const seenBy = async (headers: Record<string, string>) => {
    const client = await connect(new StreamableHttpTransport({ url: front.url, headers }));
    return (await client.callTool("headers")).data as Record<string, string>;
  };

  it("passes the allow-listed headers and nothing else", async () => {
    const seen = await seenBy({ "x-tenant": "a", "x-secret": "s3cret", cookie: "session=1" });
    expect(seen["x-tenant"]).toBe("a");
    expect(seen).not.toHaveProperty("x-secret");
    expect(seen).not.toHaveProperty("cookie");
  });

  it("keeps one upstream connection per distinct set of forwarded values", async () => {
    const a1 = await seenBy({ "x-tenant": "a" });
    const a2 = await seenBy({ "x-tenant": "a" });
    const b = await seenBy({ "x-tenant": "b" });
    const bearer = await seenBy({ "x-tenant": "a", authorization: "Bearer t1" });
    expect(a1["mcp-session-id"]).toBeDefined();
    expect(a2["mcp-session-id"]).toBe(a1["mcp-session-id"]);
    expect(b["mcp-session-id"]).not.toBe(a1["mcp-session-id"]);
    expect(bearer["mcp-session-id"]).not.toBe(a1["mcp-session-id"]);
    expect(bearer.authorization).toBe("Bearer t1");
    expect(b.authorization).toBeUndefined();
  });

  it("refuses a header that belongs to one connection, and forwarding to a stdio upstream", () => {
    expect(() => FastMCP.asProxy(upstream.url, { forwardHeaders: ["mcp-session-id"] })).toThrow(
      /cannot be forwarded/,
    );
    expect(() => FastMCP.asProxy(upstream.url, { forwardHeaders: ["bad header"] })).toThrow(
      /not a header name/,
    );
    expect(() => FastMCP.asProxy("node server.js", { forwardHeaders: ["x-tenant"] })).toThrow(
      /needs an HTTP upstream/,
    );
  });
});

describe("closing the proxy", () => {
  it("ends its upstream process", async () => {
    const client = await connect(listening.url);
    const pid = Number((await client.callTool("pid")).text);
    expect(isAlive(pid)).toBe(true);
    await client.close();
    await proxy.close();
    await until(() => !isAlive(pid), 8000, "the upstream to end");
  });
});
