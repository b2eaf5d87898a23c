/** The client's cache of 2026-07-28 list and read results: ttlMs freshness and invalidation. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { Client, FastMCP, FastMCPTransport } from "../../src/index.js";
import type { ClientRequest } from "../../src/transports/base.js";

/** An in-memory transport that counts the requests reaching the server, by method. */
class CountingTransport extends FastMCPTransport {
  readonly counts = new Map<string, number>();

  override sendRequest<T extends Record<string, unknown>>(request: ClientRequest, options?: object) {
    this.counts.set(request.method, (this.counts.get(request.method) ?? 0) + 1);
    return super.sendRequest<T>(request, options);
  }
}

const clients: Client[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function setup(listTtl: number, readTtl = 0, protocolVersion?: string) {
  const mcp = new FastMCP({ name: "cached", listCache: { ttlMs: listTtl }, readCache: { ttlMs: readTtl } });
  let reads = 0;
  mcp.tool("a", () => "a");
  mcp.resource("data://x", () => `read ${++reads}`);
  const transport = new CountingTransport(mcp);
  const client = new Client(transport, protocolVersion ? { protocolVersion } : {});
  clients.push(client);
  await client.connect();
  return { mcp, transport, client };
}

describe("client cache (2026-07-28 cache hints)", () => {
  it("serves a fresh list from the cache and refetches once it is stale", async () => {
    // The clock only moves when the test says so (timers stay real): freshness does not depend on
    // how fast a busy machine runs the calls.
    vi.useFakeTimers({ toFake: ["Date"] });
    const { transport, client } = await setup(80);
    const fetched = Date.now();
    expect((await client.listTools()).map((t) => t.name)).toEqual(["a"]);
    vi.setSystemTime(fetched + 79);
    expect((await client.listTools()).map((t) => t.name)).toEqual(["a"]);
    expect(transport.counts.get("tools/list")).toBe(1);
    vi.setSystemTime(fetched + 80);
    await client.listTools();
    expect(transport.counts.get("tools/list")).toBe(2);
  });

  it("does not cache results whose ttlMs is 0, and bypasses the cache on request", async () => {
    const zero = await setup(0);
    await zero.client.listTools();
    await zero.client.listTools();
    expect(zero.transport.counts.get("tools/list")).toBe(2);
    const cached = await setup(60_000);
    await cached.client.listTools();
    await cached.client.listTools({ cache: false });
    expect(cached.transport.counts.get("tools/list")).toBe(2);
  });

  it("invalidates a cached list when the server says it changed", async () => {
    const { mcp, transport, client } = await setup(60_000);
    await using changes = await client.listen({ toolsListChanged: true });
    expect(changes.acknowledged).toEqual({ toolsListChanged: true });
    await client.listTools();
    const next = changes.next();
    mcp.tool("b", () => "b");
    await next;
    expect((await client.listTools()).map((t) => t.name)).toEqual(["a", "b"]);
    expect(transport.counts.get("tools/list")).toBe(2);
  });

  it("caches reads by URI and drops one on notifications/resources/updated", async () => {
    const { mcp, client } = await setup(0, 60_000);
    await using updates = await client.listen({ resourceSubscriptions: ["data://x"] });
    expect((await client.readResource("data://x")).content).toBe("read 1");
    expect((await client.readResource("data://x")).content).toBe("read 1");
    const next = updates.next();
    mcp.notifyResourceUpdated("data://x");
    await next;
    expect((await client.readResource("data://x")).content).toBe("read 2");
  });

  it("never caches in the legacy era, which has no cache hints", async () => {
    const { transport, client } = await setup(60_000, 60_000, "2025-11-25");
    await client.listTools();
    await client.listTools();
    expect(transport.counts.get("tools/list")).toBe(2);
  });
});
